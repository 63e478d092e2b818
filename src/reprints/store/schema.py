"""The store's file: what marks it as ours, its tables, and how an older one is brought up to date.

A store is an SQLite file in WAL mode with ``application_id`` "RPRT" and its
table layout's version in ``user_version``. Opening checks both before
anything is written: a file that is not a reprints store is refused untouched,
one made by a newer reprints is refused, and an older one is migrated in one
transaction by the statements in :data:`MIGRATIONS`.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from pathlib import Path

import orjson

from reprints.config import ScanParams, params_from_dict, params_to_dict

__all__ = ["SCHEMA_VERSION", "MIGRATIONS", "StoreError", "connect"]

#: Version of the table layout; a store made by an older reprints is migrated on open.
SCHEMA_VERSION = 3
_APP_ID = 0x52505254  # "RPRT" in SQLite's application_id: marks the file as ours
_SQLITE_MAGIC = b"SQLite format 3\x00"

# winnowed marks, a candidate source since schema 2
_MARKS = ("CREATE TABLE marks(key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(key, doc)) WITHOUT ROWID",
          "CREATE INDEX marks_doc ON marks(doc)")

# indexes for reads only: an older reprints reads a store that has them, so they are no
# schema change, and a store made before them gets them the first time it is written
_READ_INDEXES = ("CREATE INDEX IF NOT EXISTS families_order ON families(size DESC, origin)",)

_SCHEMA = (
    "CREATE TABLE info(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE documents(
        rowid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, hash BLOB NOT NULL, text TEXT NOT NULL,
        meta TEXT NOT NULL, header TEXT NOT NULL, words INTEGER NOT NULL, body_hash INTEGER NOT NULL,
        n_shingles INTEGER NOT NULL, signature BLOB NOT NULL, lead BLOB, top BLOB, family TEXT,
        added REAL NOT NULL)""",
    "CREATE INDEX documents_body ON documents(body_hash)",
    "CREATE INDEX documents_family ON documents(family)",
    "CREATE TABLE bands(key INTEGER NOT NULL, doc INTEGER NOT NULL)",
    "CREATE INDEX bands_key ON bands(key)",
    "CREATE INDEX bands_doc ON bands(doc)",
    *_MARKS,
    """CREATE TABLE pairs(
        a INTEGER NOT NULL, b INTEGER NOT NULL, relation TEXT NOT NULL, score REAL NOT NULL,
        lexical INTEGER NOT NULL, cos REAL NOT NULL, active INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY(a, b)) WITHOUT ROWID""",
    "CREATE INDEX pairs_b ON pairs(b)",
    "CREATE TABLE prepared(doc INTEGER PRIMARY KEY, vectors BLOB NOT NULL, quotes BLOB NOT NULL, langs TEXT NOT NULL)",
    "CREATE TABLE families(id TEXT PRIMARY KEY, origin TEXT NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL)",
)

#: ``{from_version: statements}`` bringing a store up to the next version.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: _MARKS,  # 1 -> 2 (see _settings_as_of for the settings)
    2: (),  # 2 -> 3: settings only (semantic backgrounds by language)
}


def _settings_as_of(version: int, data: dict) -> dict:
    """A store's settings as written by schema ``version``, read by this one: a
    schema-1 store holds no marks for its documents, so it keeps finding
    candidates as it did (``lsh.min_marks = 0``); a store before schema 3 keeps
    each lead's best cosines over all leads only, so its semantic backgrounds
    stay over all leads (``semantic_index.by_language = false``). A store made
    anew uses both. Applied when a store is migrated, and in memory when an
    older one is only read."""
    if version < 2:
        data = {**data, "lsh": {**data.get("lsh", {}), "min_marks": 0}}
    if version < 3:
        data = {**data, "semantic_index": {**data.get("semantic_index", {}), "by_language": False}}
    return data


class StoreError(Exception):
    """A store that cannot be opened or used; the message is one line naming the file."""


def connect(path: Path, params: ScanParams | None, readonly: bool,
            check_pages: bool = True) -> tuple[sqlite3.Connection, ScanParams]:
    """Open (or, unless ``readonly``, create with ``params``) the store at ``path``;
    returns the connection and the settings the store was created with.
    ``check_pages``: run the quick check of every page before a write-open."""
    p = path
    exists = p.exists() and p.stat().st_size > 0
    if p.is_dir():
        raise StoreError(f"{p}: is a folder, not a store file")
    if exists:
        try:
            with open(p, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise StoreError(f"{p}: cannot read: {exc.strerror or exc}") from None
        if head != _SQLITE_MAGIC:
            raise StoreError(f"{p}: not a reprints store (not an SQLite database); refusing to touch it")
    elif readonly:
        raise StoreError(f"{p}: no such store")
    elif not p.exists():
        _create_file(p, params or ScanParams())
        exists = True
    try:
        if readonly:
            db = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                 check_same_thread=False)
        else:
            db = sqlite3.connect(p, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 60000")
        version = _check(db, p, readonly) if exists else SCHEMA_VERSION
        if exists and not readonly and check_pages:
            _undamaged(db, p)
        if not readonly:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
        if not exists:
            _create(db, params or ScanParams())
        if not readonly:
            for stmt in _READ_INDEXES:
                db.execute(stmt)
        row = db.execute("SELECT value FROM info WHERE key = 'params'").fetchone()
        if row is None:
            raise sqlite3.DatabaseError("store is missing its 'params' entry")
        return db, params_from_dict(_settings_as_of(version, orjson.loads(row[0])))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{p}: cannot open store: {exc}") from None


def _undamaged(db: sqlite3.Connection, path: Path) -> None:
    """Refuse to write to a store whose pages are damaged (SQLite's quick check
    reads every page once: about a second per GB); nothing is written then."""
    try:
        bad = [r[0] for r in db.execute("PRAGMA quick_check(3)") if r[0] != "ok"]
    except sqlite3.DatabaseError as exc:  # damage where the check itself starts
        bad = [str(exc)]
    if bad:
        first = "; ".join(line for line in bad[0].splitlines() if not line.startswith("***"))
        raise StoreError(f"{path}: damaged ({first}); nothing was written. `reprints check --db {path}` lists "
                         f"what is wrong; restore a backup or rebuild the store with `reprints add`")


def _create_file(path: Path, params: ScanParams) -> None:
    """Create a store at ``path`` atomically: made complete under a temporary
    name, then linked into place, so two processes creating one store never
    meet a half-made file (the one that links second opens the first's store)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    try:
        db = sqlite3.connect(tmp, isolation_level=None)
        try:
            # in WAL mode from the start: switching a shared file into it needs every other
            # connection gone, and one opening at the same moment would be refused ("locked")
            db.execute("PRAGMA journal_mode = WAL")
            _create(db, params)
        finally:
            db.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: that store is the one
        except OSError:  # a filesystem without hard links
            if not path.exists():
                os.replace(tmp, path)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot create store: {exc}") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot create store: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _check(db: sqlite3.Connection, path: Path, readonly: bool) -> int:
    """Refuse foreign or newer files; migrate older ones (read-only: read them as
    they are, their settings as of their schema). Returns the schema the
    settings are now as of."""
    app = db.execute("PRAGMA application_id").fetchone()[0]
    if app != _APP_ID:
        raise StoreError(f"{path}: an SQLite database, but not a reprints store; refusing to touch it")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: made by a newer reprints (schema {version}, this one reads "
                         f"up to {SCHEMA_VERSION}); upgrade reprints")
    if version < SCHEMA_VERSION and not readonly:
        db.execute("BEGIN IMMEDIATE")
        for v in range(version, SCHEMA_VERSION):
            for stmt in MIGRATIONS[v]:
                db.execute(stmt)
        row = db.execute("SELECT value FROM info WHERE key = 'params'").fetchone()
        if row is not None:
            data = orjson.dumps(_settings_as_of(version, orjson.loads(row[0]))).decode()
            db.execute("UPDATE info SET value = ? WHERE key = 'params'", (data,))
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
        return SCHEMA_VERSION
    return version


def _create(db: sqlite3.Connection, params: ScanParams) -> None:
    """The tables of a new store, its settings and its marks, in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    for stmt in (*_SCHEMA, *_READ_INDEXES):
        db.execute(stmt)
    db.executemany("INSERT INTO info VALUES (?, ?)", [
        ("params", orjson.dumps(params_to_dict(params)).decode()),
        ("generation", "0"), ("next_family", "1"), ("created", str(time.time())),
    ])
    db.execute(f"PRAGMA application_id = {_APP_ID}")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    db.execute("COMMIT")
