"""Users kept in the Milvus store (``rag.users.Book``), so that every replica of an office
server signs in the same people, and ``rag users`` run anywhere changes them for all.

One collection, ``<prefix>_users``, apart from the library's (``rag.milvus.schema``): a
rebuild of the library (``rag index --store``) leaves its users alone. A row is a user:
name (the key), role, salt and scrypt hash, as in a users file. A write is one upsert, so
two administrators adding different users at once lose neither.
"""

from __future__ import annotations

from rag.milvus import schema
from rag.milvus.connection import PREFIX, Collections, StoreUnavailable, connect
from rag.milvus.schema import NIL
from rag.users import User, UsersProblem, from_row, user_row

PART = "users"
_FIELDS = ["name", "role", "salt", "hash"]


class StoreUsers:
    """The users of one Milvus store."""

    def __init__(self, cols: Collections) -> None:
        self.cols = cols
        self.where = f"the Milvus store {cols.uri}"

    @classmethod
    def open(cls, uri: str, token: str = "", prefix: str = PREFIX) -> StoreUsers:
        """The users of the store at ``uri``; UsersProblem (one line) when it cannot be
        reached."""
        try:
            return cls(Collections(connect(uri, token), uri, prefix))
        except StoreUnavailable as exc:
            raise UsersProblem(str(exc)) from None

    def read(self) -> dict[str, User]:
        try:
            if not self.cols.has(PART):
                return {}
            self.cols.call(self.cols.client.load_collection, self.cols.name(PART))
            rows = self.cols.query(PART, _FIELDS)
        except StoreUnavailable as exc:
            raise UsersProblem(str(exc)) from None
        users = {}
        for row in rows:
            try:
                user = from_row(row)
            except (ValueError, KeyError, TypeError) as exc:
                raise UsersProblem(
                    f"a user in {self.where} is damaged ({exc}): add it again with `rag users add`"
                ) from None
            users[user.name] = user
        return users

    def write(self, user: User) -> None:
        try:
            self._create()
            self.cols.upsert(PART, [{**user_row(user), "v": NIL}])
        except StoreUnavailable as exc:
            raise UsersProblem(str(exc)) from None

    def erase(self, name: str) -> User | None:
        user = self.read().get(name)
        if user is None:
            return None
        try:
            self.cols.call(self.cols.client.delete, self.cols.name(PART), ids=[name])
        except StoreUnavailable as exc:
            raise UsersProblem(str(exc)) from None
        return user

    def _create(self) -> None:
        """The collection, made on the first user; a concurrent maker's is kept."""
        from pymilvus import DataType

        if self.cols.has(PART):
            return
        short = {"max_length": 128}
        fields = [(f, DataType.VARCHAR, short) for f in ("role", "salt", "hash")]
        fields.append(("v", DataType.FLOAT_VECTOR, {"dim": len(NIL)}))
        schema.make(self.cols, PART, schema.schema("name", *fields), "v", "FLAT", "L2")
