"""Text encodings of CSV files: detect one, or re-encode a file to UTF-8 for the readers.

Arrow and DuckDB read UTF-8 and Latin-1 only.  A file in any other encoding Python knows
(Windows-1252, UTF-16 ...) is re-encoded to a temporary UTF-8 copy first.  Detection takes
UTF-8 when the whole file decodes, UTF-16 when it starts with its byte-order mark, and
Windows-1252 or Latin-1 for a file with no valid UTF-8 character beyond ASCII.  A file that
has UTF-8 characters *and* a byte that is not UTF-8 is a damaged UTF-8 file: that is an error
naming the line and byte offset, since guessing would garble every other character.
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

from journeylens.errors import InputError

__all__ = ["detect_encoding", "native", "normalise", "to_utf8"]

#: The encodings both readers take as they are.
NATIVE = ("utf-8", "latin-1")
_BOMS = ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def normalise(encoding: str) -> str:
    """Python's canonical name for ``encoding`` (``latin1`` → ``latin-1``).

    Raises :class:`InputError` for an encoding Python does not know.

    Examples
    --------
    >>> normalise("CP1252"), normalise("ISO-8859-1"), normalise("utf8")
    ('cp1252', 'latin-1', 'utf-8')
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}; expected a name such as utf-8, cp1252 (Windows), "
            "latin-1 or utf-16"
        ) from None
    return {"iso8859-1": "latin-1", "utf-8-sig": "utf-8"}.get(name, name)


def native(encoding: str) -> bool:
    """Whether the readers take ``encoding`` without a re-encoded copy."""
    return encoding in NATIVE


def _open(path: Path):  # type: ignore[no-untyped-def]
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def detect_encoding(path: Path) -> str:
    """``utf-8``, ``utf-16`` (byte-order mark), ``cp1252`` or ``latin-1`` (see module doc)."""
    with _open(path) as f:
        head = f.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    dec = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    multibyte = False
    with _open(path) as f:
        while chunk := f.read(1 << 24):
            # Most exports are plain ASCII: bytes.isascii() is ~4x cheaper than decoding.
            if not (chunk.isascii() and not dec.getstate()[0]):
                pending = len(dec.getstate()[0])
                try:
                    dec.decode(chunk)
                    multibyte = True
                except UnicodeDecodeError as e:
                    bad = offset + e.start - pending
                    if multibyte or _has_utf8(chunk[: max(0, e.start - pending)]):
                        _damaged_utf8(path, bad)
                    return _single_byte(path)
            offset += len(chunk)
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            if multibyte:
                _damaged_utf8(path, offset - 1)
            return _single_byte(path)
    return "utf-8"


def _has_utf8(data: bytes) -> bool:
    return not data.isascii()


def _single_byte(path: Path) -> str:
    """Windows-1252 if the file has a byte in 0x80-0x9f (printable there: € ‘ ’ …, control
    codes in Latin-1), else Latin-1 (the two agree on every other byte)."""
    with _open(path) as f:
        while chunk := f.read(1 << 24):
            if any(0x80 <= b <= 0x9F for b in chunk.translate(None, bytes(range(0x80)))):
                return "cp1252"
    return "latin-1"


def _damaged_utf8(path: Path, offset: int) -> None:
    line, seen = 1, 0
    with _open(path) as f:
        while seen < offset and (chunk := f.read(min(1 << 24, offset - seen))):
            line += chunk.count(b"\n")
            seen += len(chunk)
        f.seek(offset)
        byte = f.read(1)
    raise InputError(
        f"{path}: line {line}, byte offset {offset}: byte 0x{byte.hex()} is not valid UTF-8, "
        "though the file holds UTF-8 text elsewhere (a damaged or mixed-encoding export); "
        "fix that byte, or pass --encoding latin-1 (or --encoding cp1252) to read every byte "
        "as one character"
    )


def to_utf8(path: Path, encoding: str, dest: Path) -> Path:
    """Write ``path`` (in ``encoding``) to ``dest`` as UTF-8; return ``dest``.

    Raises :class:`InputError` naming the byte offset where the file is not ``encoding``.
    """
    dec = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with _open(path) as src, open(dest, "wb") as out:
        try:
            while chunk := src.read(1 << 22):
                out.write(dec.decode(chunk).encode("utf-8"))
                offset += len(chunk)
            out.write(dec.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as e:
            raise InputError(
                f"{path}: byte offset {offset + e.start}: byte 0x{e.object[e.start : e.start + 1].hex()} "
                f"is not valid {encoding}; pass the file's encoding with --encoding (e.g. "
                "--encoding latin-1, which reads every byte)"
            ) from None
    return dest
