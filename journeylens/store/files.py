"""Whether a source file is sound: what the path is, and whether its container is whole.

Before a reader parses a file, :func:`check_file` makes sure it is a readable, non-empty
regular file (naming a folder, a named pipe, a symbolic link that loops or leads nowhere);
:func:`zip_member` finds the one data file a zip archive holds; :func:`refuse_bad_gzip` and
:func:`refuse_truncated_xes` catch a damaged or cut-short download that a reader would
otherwise report in engine words, or read in part without a word.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from pathlib import Path

from journeylens.errors import InputError

__all__ = ["check_file", "refuse_bad_gzip", "refuse_truncated_xes", "zip_member"]


def check_file(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is a readable, non-empty regular file.

    The message names what the path is instead (a folder, a named pipe, a symbolic link that
    loops or leads nowhere, a file without read permission), never "no such file" for
    something that exists.

    Examples
    --------
    >>> check_file(Path("/"))
    Traceback (most recent call last):
    ...
    journeylens.errors.InputError: /: is a folder, not a file; ...
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(
                f"{path}: is a symbolic link to {os.readlink(path)}, which does not exist; "
                "point it at the file, or name the file itself"
            ) from None
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise InputError(
                f"{path}: is a symbolic link that loops back on itself, not a file; "
                "point it at the file, or name the file itself"
            ) from None
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(
            f"{path}: is a folder, not a file; name one file inside it (e.g. {path}/log.csv)"
        )
    if stat.S_ISFIFO(st.st_mode):
        raise InputError(
            f"{path}: is a named pipe (FIFO), not a file; an import reads its source twice "
            "(to identify it, then to load it): save the data to a file and import that"
        )
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: is a device or socket, not a file; name a regular file")
    if not os.access(path, os.R_OK):
        raise InputError(
            f"{path}: cannot be read: permission denied (the file exists); give yourself read "
            f"access (chmod u+r {path}) or copy it somewhere readable"
        )
    if st.st_size == 0:
        raise InputError(f"{path}: is empty (0 bytes); expected a header row and data rows")


#: Names a zip archive holds beside the data: folders, macOS resource forks, desktop files.
def _zip_data(names: list[str]) -> list[str]:
    return [
        n
        for n in names
        if not n.endswith("/")
        and not n.startswith("__MACOSX/")
        and Path(n).name not in (".DS_Store", "Thumbs.db", "desktop.ini")
    ]


def zip_member(path: Path) -> str:
    """The one data file inside a zip archive; :class:`InputError` for none or several."""
    check_file(path)
    try:
        with zipfile.ZipFile(path) as z:
            names = _zip_data(z.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"{path}: is not a readable zip archive ({e}); re-create it") from None
    if not names:
        raise InputError(f"{path}: the zip archive holds no file; expected one CSV, Parquet ...")
    if len(names) > 1:
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        raise InputError(
            f"{path}: the zip archive holds {len(names)} files ({shown}); expected exactly one. "
            "Unzip it and import each file on its own"
        )
    if names[0].lower().endswith(".zip"):
        raise InputError(f"{path}: holds another zip archive ({names[0]}); unzip it first")
    return names[0]


def refuse_bad_gzip(path: Path) -> None:
    """Raise :class:`InputError` if ``path`` is a damaged or cut-short gzip file."""
    import zlib

    if path.suffix.lower() != ".gz":
        return
    d = zlib.decompressobj(wbits=31)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 22):
                while chunk:
                    d.decompress(chunk, 1 << 24)
                    chunk = d.unconsumed_tail
                if d.eof and d.unused_data:  # a second gzip member follows (concatenated)
                    rest, d = d.unused_data, zlib.decompressobj(wbits=31)
                    d.decompress(rest)
    except zlib.error as e:
        raise InputError(
            f"{path}: the gzip data is damaged ({e}); download or copy the file again"
        ) from None
    if not d.eof:
        raise InputError(
            f"{path}: the gzip file is truncated (its compressed data ends early: an incomplete "
            "download or copy); download or copy it again"
        )


def refuse_truncated_xes(path: Path, events: int) -> None:
    """Raise :class:`InputError` unless the XES document ends with ``</log>``.

    rustxes reads a log cut after a ``</trace>`` without a word, returning the events before
    the cut: a silent loss the end tag catches.
    """
    import gzip
    import zlib

    tail = b""
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as g:
                while chunk := g.read(1 << 22):
                    tail = (tail + chunk)[-256:]
        else:
            with open(path, "rb") as f:
                f.seek(max(0, path.stat().st_size - 256))
                tail = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(
            f"{path}: could not be read as (gzipped) XES ({e}); download or copy it again"
        ) from None
    if not tail.rstrip().endswith(b"</log>"):
        end = tail.rstrip()[-40:].decode("utf-8", "replace")
        raise InputError(
            f"{path}: the XES file is truncated: it ends with {end!r} instead of the closing "
            f"</log> tag; the {events:,} events before the cut were read, those after it are "
            "missing. Export or copy the log again"
        )
