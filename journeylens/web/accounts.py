"""Local accounts of the web app: names, roles and argon2 password hashes.

Accounts live in the workspace folder, in ``users.yaml`` (created with mode 0600), so they
travel with the workspace and are managed by ``journeylens users add|list|remove``.  The file
is written atomically (temp file + rename) and holds only argon2id hashes, never passwords.

Roles, from least to most trusted:

* ``viewer`` reads every page and the JSON API;
* ``analyst`` may also comment and save segments;
* ``admin`` may do everything an analyst can (and is what the local token link grants).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from journeylens.errors import InputError, WorkspaceError

__all__ = ["ROLES", "USERS_FILE", "Role", "User", "Users", "role_allows"]

USERS_FILE = "users.yaml"
Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_MIN_PASSWORD = 8
_HASHER = PasswordHasher()
# A hash to verify against when the name is unknown, so a wrong name costs as much as a wrong
# password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash("journeylens-no-such-user")


def role_allows(role: str, needed: Role) -> bool:
    """True when ``role`` is at least ``needed`` in viewer < analyst < admin.

    Examples
    --------
    >>> role_allows("admin", "analyst"), role_allows("viewer", "analyst")
    (True, False)
    """
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)  # type: ignore[arg-type]


@dataclass(frozen=True)
class User:
    """One account: its name and role (the hash stays in the file)."""

    name: str
    role: Role

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role}


class Users:
    """The accounts of one workspace folder.

    Examples
    --------
    >>> import tempfile
    >>> users = Users(tempfile.mkdtemp())
    >>> users.add("ada", "correct horse", role="analyst")
    User(name='ada', role='analyst')
    >>> users.verify("ada", "correct horse"), users.verify("ada", "wrong password")
    (User(name='ada', role='analyst'), None)
    >>> [u.name for u in users.list()]
    ['ada']
    """

    def __init__(self, workspace: str | os.PathLike[str]):
        self.folder = Path(workspace)
        self.file = self.folder / USERS_FILE

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.file.is_file():
            return {}
        try:
            data = yaml.safe_load(self.file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise WorkspaceError(f"{self.file}: not valid YAML ({e})") from None
        accounts = data.get("users") if isinstance(data, dict) else None
        if not isinstance(accounts, dict):
            raise WorkspaceError(f"{self.file}: expected a 'users:' mapping of name -> account")
        return accounts

    def _save(self, accounts: dict[str, dict[str, str]]) -> None:
        text = (
            "# journeylens web accounts (argon2id hashes); manage with `journeylens users`\n"
            + yaml.safe_dump({"users": accounts}, sort_keys=True)
        )
        fd, tmp = tempfile.mkstemp(prefix=".users.", suffix=".yaml", dir=self.folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.file)

    def list(self) -> list[User]:
        """Every account, sorted by name."""
        return [User(name, acc.get("role", "viewer")) for name, acc in sorted(self._load().items())]

    def __bool__(self) -> bool:
        return bool(self._load())

    def add(self, name: str, password: str, *, role: Role = "viewer") -> User:
        """Create an account or replace its password and role."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InputError(
                f"user name {name!r} is not allowed: use 1-64 letters, digits, '_', '.', '@' "
                "or '-', starting with a letter or digit"
            )
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if len(password) < _MIN_PASSWORD:
            raise InputError(f"a password needs at least {_MIN_PASSWORD} characters")
        accounts = self._load()
        accounts[name] = {"role": role, "hash": _HASHER.hash(password)}
        self._save(accounts)
        return User(name, role)

    def remove(self, name: str) -> None:
        """Delete an account."""
        accounts = self._load()
        if name not in accounts:
            raise InputError(f"no user named {name!r}; users: {sorted(accounts) or 'none'}")
        del accounts[name]
        self._save(accounts)

    def verify(self, name: str, password: str) -> User | None:
        """The account when the password is right, else None (same cost either way)."""
        account = self._load().get(name) if isinstance(name, str) else None
        try:
            _HASHER.verify(account["hash"] if account else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if account is None:
            return None
        role = account.get("role", "viewer")
        return User(name, role if role in ROLES else "viewer")
