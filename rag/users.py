"""Who may use the app served off loopback, and who may change its library.

A **reader** asks; an **editor** also adds and removes documents. Passwords are kept
only as salted scrypt hashes (standard library, a random salt per user) and compared in
constant time. Users are kept in a *book* (``book``), read afresh at every sign-in:

* a users file, JSON ``{"version": 1, "users": [{"name", "role", "salt", "hash"}]}``,
  beside the index (``index/users.json``) unless ``--users`` / ``RAG_USERS`` names
  another (``UsersFile``);
* with a Milvus store (``--store``) and no users file named, the store itself
  (``rag.milvus.users``), so that every replica of an office server signs in the same
  people without a shared folder.

``rag users add|remove|list`` manages either.

Where the app serves decides who is asked (``access``): on loopback nobody is; off
loopback without a users file the app is read-only for everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

FORMAT_VERSION = 1
ROLES = ("reader", "editor")
# scrypt cost: about 16 MB and a few tens of ms per check, so guessing is slow too.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# What a page served on a given host offers (see ``access``).
OPEN = "open"  # loopback: no sign-in, every control
READ_ONLY = "read-only"  # off loopback, no users file: anyone asks, nobody changes
SIGN_IN = "sign-in"  # off loopback with a users file: readers ask, editors also change


class UsersProblem(ValueError):
    """A users file that cannot be read, or a change that cannot be made; one line."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    salt: str  # hex
    hash: str  # hex


def hash_password(password: str, salt: bytes) -> str:
    """The scrypt hash of ``password`` with ``salt``, as hex.

    >>> len(hash_password("口令", b"0123456789abcdef"))
    64
    """
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT).hex()


def make_user(name: str, role: str, password: str) -> User:
    """A user with a fresh random salt; the password itself is not kept.

    >>> make_user("王芳", "editor", "s3cret-口令").role
    'editor'
    """
    name = name.strip()
    odd = any(c.isspace() or c in "'\"\\`" or not c.isprintable() for c in name)
    if not name or odd or len(name) > 64:
        raise UsersProblem(f"a user name is 1–64 characters without spaces or quotes, not {name!r}")
    if role not in ROLES:
        raise UsersProblem(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < 8:
        raise UsersProblem("the password must have at least 8 characters")
    salt = secrets.token_bytes(16)
    return User(name, role, salt.hex(), hash_password(password, salt))


# Checked against when the name is unknown, so that a wrong name costs as long as a
# wrong password and the timing does not tell which names exist.
_NOBODY = User("", "reader", "00" * 16, "00" * 32)


def check(users: dict[str, User], name: str, password: str) -> User | None:
    """The user whose name and password these are, or None.

    >>> u = make_user("li", "reader", "password1")
    >>> check({"li": u}, "li", "password1") == u, check({"li": u}, "li", "wrong-one")
    (True, None)
    """
    user = users.get(name.strip(), _NOBODY)
    given = hash_password(password, bytes.fromhex(user.salt))
    if hmac.compare_digest(given, user.hash) and user is not _NOBODY:
        return user
    return None


class Book(Protocol):
    """Where users are kept: ``where`` names it in messages."""

    where: str

    def read(self) -> dict[str, User]:
        """The users by name; UsersProblem (one line) when they cannot be read."""

    def write(self, user: User) -> None:
        """Add ``user``, or replace the one of that name."""

    def erase(self, name: str) -> User | None:
        """Remove the user of that name; the user removed, or None when there was none."""


class UsersFile:
    """Users kept in a JSON file (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.where = str(path)

    def read(self) -> dict[str, User]:
        return _read_file(self.path)

    def write(self, user: User) -> None:
        users = _read_file(self.path)
        users[user.name] = user
        save(self.path, users)

    def erase(self, name: str) -> User | None:
        users = _read_file(self.path)
        user = users.pop(name, None)
        if user is not None:
            save(self.path, users)
        return user


def book(settings) -> Book:
    """Where the users of these settings are kept: the users file when one is named
    (``--users`` / ``RAG_USERS``) or there is no store, else the Milvus store."""
    if settings.store and not settings.users:
        from rag.milvus.users import StoreUsers

        return StoreUsers.open(settings.store, settings.milvus_token)
    return UsersFile(settings.users_file)


def _book(where: Book | Path) -> Book:
    return UsersFile(where) if isinstance(where, (str, Path)) else where


def user_row(user: User) -> dict[str, str]:
    """A user as stored: name, role, salt and hash (never a password)."""
    return {"name": user.name, "role": user.role, "salt": user.salt, "hash": user.hash}


def from_row(row: dict) -> User:
    """A stored user, checked: ValueError, KeyError or TypeError when it is not one.

    >>> from_row({"name": "li", "role": "reader", "salt": "00", "hash": "ff"}).role
    'reader'
    """
    user = User(*(str(row[k]) for k in ("name", "role", "salt", "hash")))
    if user.role not in ROLES:
        raise ValueError(f"unknown role {user.role!r}")
    bytes.fromhex(user.salt), bytes.fromhex(user.hash)
    return user


def load(where: Book | Path) -> dict[str, User]:
    """The users of a book (or a users file's path) by name."""
    return _book(where).read()


def _read_file(path: Path) -> dict[str, User]:
    """The users of a file by name; a missing file is no users, a damaged one
    UsersProblem with one line that names it."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"format version {data.get('version')!r}, not {FORMAT_VERSION}")
        users = {}
        for row in data["users"]:
            user = from_row(row)
            users[user.name] = user
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsersProblem(
            f"users file {path} is damaged ({str(exc).splitlines()[0] or type(exc).__name__}): "
            "fix it or remove it and add the users again with `rag users add`"
        ) from None
    return users


def save(path: Path, users: dict[str, User]) -> None:
    """Write the file whole (a crash leaves the old one), readable by its owner only."""
    rows = [user_row(u) for u in sorted(users.values(), key=lambda u: u.name)]
    text = json.dumps({"version": FORMAT_VERSION, "users": rows}, ensure_ascii=False, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add(where: Book | Path, name: str, role: str, password: str) -> User:
    """Add a user, or give an existing one a new role and password."""
    user = make_user(name, role, password)
    _book(where).write(user)
    return user


def remove(where: Book | Path, name: str) -> User:
    kept = _book(where)
    user = kept.erase(name)
    if user is None:
        raise UsersProblem(f"no user {name!r} in {kept.where}")
    return user


def is_loopback(host: str) -> bool:
    """True for a host only this machine reaches.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("[::1]")
    (True, False, True)
    """
    host = host.strip().strip("[]").lower()
    return host in LOOPBACK or host.startswith("127.")


def access(host: str, have_users: bool) -> str:
    """What a page served on ``host`` offers: OPEN, READ_ONLY or SIGN_IN.

    >>> access("127.0.0.1", True), access("0.0.0.0", False), access("0.0.0.0", True)
    ('open', 'read-only', 'sign-in')
    """
    if is_loopback(host):
        return OPEN
    return SIGN_IN if have_users else READ_ONLY


def may_edit(mode: str, role: str | None) -> bool:
    """Whether a user of this role may add and remove documents under ``mode``.

    >>> may_edit("open", None), may_edit("sign-in", "reader"), may_edit("sign-in", "editor")
    (True, False, True)
    """
    if mode == OPEN:
        return True
    return mode == SIGN_IN and role == "editor"


def failure_delay(failures: int) -> float:
    """Seconds a sign-in waits after this many consecutive failures for one name:
    none at first, then doubling from one second, at most 30.

    >>> [failure_delay(n) for n in (0, 1, 2, 3, 10)]
    [0.0, 0.0, 1.0, 2.0, 30.0]
    """
    if failures < 2:
        return 0.0
    return float(min(2 ** (failures - 2), 30))


class SignIn:
    """The app's check of a name and password (Gradio's ``launch(auth=gate.attempt)``).

    Failures slow down the next tries for that name (``failure_delay``) by awaiting,
    so other people's requests go on meanwhile; tries for one name wait their turn, so
    parallel guessing gains nothing, and a guesser cannot make the real user's try fail.
    The book (a users file, or the Milvus store every replica shares) is read at every
    sign-in: ``rag users`` changes take effect without a restart. Counts are per process
    (per replica).
    """

    MAX_TRACKED = 10_000

    def __init__(self, where: Book | Path, sleep=None) -> None:
        import asyncio

        self.book = _book(where)
        self._sleep = sleep or asyncio.sleep
        self._failures: dict[str, int] = {}
        self._turns: dict = {}  # name -> asyncio.Lock

    async def attempt(self, name: str, password: str) -> bool:
        """True when the name and password match. A method, not ``__call__``: Gradio
        awaits ``auth`` only when ``inspect.iscoroutinefunction`` says so, which is false
        for an instance with an async ``__call__``; the coroutine would then pass as a
        true value and let anyone in."""
        import asyncio

        name = name.strip()
        turn = self._turns.setdefault(name, asyncio.Lock())
        if len(self._turns) > self.MAX_TRACKED:
            idle = next((n for n, t in self._turns.items() if not t.locked() and n != name), None)
            self._turns.pop(idle, None)
        async with turn:
            await self._sleep(failure_delay(self._failures.get(name, 0)))
            try:
                # A users file, or a round trip to the Milvus store: off the event loop.
                users = await asyncio.to_thread(self.book.read)
            except UsersProblem:
                return False
            # scrypt takes tens of ms: off the event loop, so pages keep being served.
            if await asyncio.to_thread(check, users, name, password):
                self._failures.pop(name, None)
                return True
            self._failures[name] = self._failures.pop(name, 0) + 1
            if len(self._failures) > self.MAX_TRACKED:
                del self._failures[next(iter(self._failures))]
            return False

    def role(self, name: str | None) -> str | None:
        """The role of a signed-in user as the book says now; None if no longer there."""
        try:
            user = self.book.read().get(name or "")
        except UsersProblem:
            return None
        return user.role if user else None
