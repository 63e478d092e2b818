"""Store: a persistent index in one SQLite file that grows one batch at a time.

Newsrooms do not rescan a corpus; articles arrive all day and each is checked
as it comes. The store keeps what a scan computes once per document (text and
metadata, MinHash signature, LSH band keys, lead vector, passage vectors) and
per pair (the relation with its alignment), so adding a document costs its own
sketch plus the pairs it takes part in, never a rescan.

Same answers as :func:`reprints.pipeline.scan`: a pair is aligned when scan
would align it, with the same functions, and families are rebuilt for every
connected group a batch touches with the same two-step rule scan uses. The
one moving part is semantic candidacy: a pair of leads qualifies when its
cosine beats the lower of the two leads' ``k``-th neighbour cosine by a margin,
and that background rises as documents arrive. The store keeps each lead's
``k`` best cosines, so it knows the background scan would see for the corpus
it holds now, and switches stored pairs on and off as it moves.

The file is SQLite in WAL mode: readers never wait for a writer and never see
half a batch, and each batch is one transaction, so a process killed mid-add
loses only the batch in flight. A file that is not a reprints store is
refused, never written to.

>>> import tempfile, os
>>> from reprints.load import document_from_text
>>> body = ("Rail workers across the region will strike for two days next week after talks "
...         "over pay and rosters broke down on Monday evening, the union said in a statement.")
>>> path = os.path.join(tempfile.mkdtemp(), "news.db")
>>> with Store(path, ScanParams(semantic=False)) as store:
...     _ = store.add([document_from_text("a", body)])
...     hit = store.query(document_from_text("b", "Rail strike\\n\\n" + body))
>>> hit.family.members, hit.relations[0].relation
(('a', 'b'), 'reformatted')
"""

from __future__ import annotations

import bisect
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import orjson
import xxhash

from reprints.align import TokenizedText, tokenize
from reprints.align_semantic import SemanticText, prepare_many, rebuild
from reprints.candidates import background, band_keys, lexical_match, stands_out
from reprints.config import ScanParams, params_from_dict, params_to_dict
from reprints.document import Document, LoadProblem
from reprints.embed import DIM
from reprints.families import Family, choose_origin, settle_families
from reprints.normalize import NormText, normalize
from reprints.pipeline import ScanResult
from reprints.records import document_from_record, family_from_row, relation_from_record, relation_record
from reprints.relate import Relation, needs_meaning, relate_meaning, relate_words
from reprints.sketch import same_body, sketch_batch, with_language

__all__ = ["Store", "StoreError", "AddResult", "QueryResult", "SCHEMA_VERSION"]

#: Version of the table layout; a store made by an older reprints is migrated on open.
SCHEMA_VERSION = 1
_APP_ID = 0x52505254  # "RPRT" in SQLite's application_id: marks the file as ours
_SQLITE_MAGIC = b"SQLite format 3\x00"

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
    """CREATE TABLE pairs(
        a INTEGER NOT NULL, b INTEGER NOT NULL, relation TEXT NOT NULL, score REAL NOT NULL,
        lexical INTEGER NOT NULL, cos REAL NOT NULL, active INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY(a, b)) WITHOUT ROWID""",
    "CREATE INDEX pairs_b ON pairs(b)",
    "CREATE TABLE prepared(doc INTEGER PRIMARY KEY, vectors BLOB NOT NULL, quotes BLOB NOT NULL, langs TEXT NOT NULL)",
    "CREATE TABLE families(id TEXT PRIMARY KEY, origin TEXT NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL)",
)

#: ``{from_version: statements}`` bringing a store up to the next version.
_MIGRATIONS: dict[int, tuple[str, ...]] = {}

Progress = Callable[[str, int, int], None]


class StoreError(Exception):
    """A store that cannot be opened or used; the message is one line naming the file."""


@dataclass
class AddResult:
    """What one :meth:`Store.add` did: documents ``added`` (new ids), ``updated``
    (known ids with new content), ``unchanged`` (already present), items
    ``skipped`` (load problems passed in), and the families rebuilt."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    families_rebuilt: int = 0
    problems: list[LoadProblem] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class QueryResult:
    """How one document relates to what the store holds, without adding it.

    ``relations``: its related stored versions, best first (the query document
    is ``a`` or ``b`` by its id). ``family``: the family of the best one.
    ``origin``: its relation to that family's origin. ``would_be_origin``:
    whether it would take the origin's place if added (older, agency credit...).
    ``known``: the same id and content are already stored.
    """

    document: Document
    relations: list[Relation]
    family: Family | None
    origin: Relation | None
    would_be_origin: bool
    known: bool
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of a query answer (CLI ``--json`` and the HTTP service)."""
        fam = self.family
        return {
            "id": self.document.id,
            "known": self.known,
            "family": fam.id if fam and fam.id else None,
            "family_members": list(fam.members) if fam else [],
            "origin": fam.origin if fam else None,
            "origin_reasons": list(fam.reasons) if fam else [],
            "relation_to_origin": self.origin.as_dict() if self.origin else None,
            "would_be_origin": self.would_be_origin,
            "matches": [r.as_dict() for r in self.relations],
            "seconds": round(self.seconds, 4),
        }


@dataclass(frozen=True, slots=True)
class _Fresh:
    """What a batch of new documents brings before it is written."""

    docs: list[Document]
    hashes: list[bytes]
    norms: list[NormText]
    words: list[int]
    signatures: np.ndarray
    n_shingles: np.ndarray
    body_hash: np.ndarray
    keys: np.ndarray
    leads: np.ndarray | None


class _Leads:
    """Lead vectors of all stored documents in memory, with each one's ``k``
    best cosines to the others (its background, see module docstring)."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.rowids = np.zeros(0, dtype=np.int64)
        self.mat = np.zeros((0, DIM), dtype=np.float32)
        self.live = np.zeros(0, dtype=bool)
        self.top = np.zeros((0, k), dtype=np.float32)
        self.pos: dict[int, int] = {}

    def background(self, top: np.ndarray | None = None, n_live: int | None = None) -> np.ndarray:
        top = self.top if top is None else top
        n_live = int(self.live.sum()) if n_live is None else n_live
        return background(top[:, -1], n_live, self.k)

    def sims(self, x: np.ndarray) -> np.ndarray:
        """Cosines of rows ``x`` with every stored lead (-inf against dead leads)."""
        s = x @ self.mat.T
        s[:, ~self.live] = -np.inf
        return s


def _top_k(s: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest values of each row, sorted descending, -inf padded."""
    if s.shape[1] < k:
        s = np.concatenate([s, np.full((len(s), k - s.shape[1]), -np.inf, dtype=np.float32)], axis=1)
    part = -np.partition(-s, k - 1, axis=1)[:, :k] if s.shape[1] > k else s
    return -np.sort(-part, axis=1).astype(np.float32)


def _content_hash(doc: Document) -> bytes:
    return xxhash.xxh3_128_digest(doc.text.encode("utf-8", "surrogatepass") + b"\x00" + orjson.dumps(
        doc.meta, option=orjson.OPT_SORT_KEYS))


class Store:
    """A reprints index in one SQLite file: add documents over time, query one
    at a time, list families, export what :func:`~reprints.pipeline.scan` writes.

    ``params`` apply when the file is created and are kept in it; an existing
    store uses its own. ``readonly`` opens for queries only. Use as a context
    manager, or call :meth:`close`. One process may write at a time; any number
    may read. Methods are safe to call from several threads (they take turns).
    """

    def __init__(self, path: str | os.PathLike[str], params: ScanParams | None = None, *,
                 readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._leads: _Leads | None = None
        self._generation = -1
        self._db = self._open(params)

    # -- opening ---------------------------------------------------------------------------------

    def _open(self, params: ScanParams | None) -> sqlite3.Connection:
        p = self.path
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
        elif self.readonly:
            raise StoreError(f"{p}: no such store")
        try:
            if self.readonly:
                db = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                     check_same_thread=False)
            else:
                db = sqlite3.connect(p, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout = 60000")
            if exists:
                self._check(db)
            if not self.readonly:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = FULL")
            if not exists:
                self._create(db, params or ScanParams())
            self.params = params_from_dict(orjson.loads(self._info(db, "params")))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{p}: cannot open store: {exc}") from None
        return db

    def _check(self, db: sqlite3.Connection) -> None:
        app = db.execute("PRAGMA application_id").fetchone()[0]
        if app != _APP_ID:
            raise StoreError(f"{self.path}: an SQLite database, but not a reprints store; refusing to touch it")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: made by a newer reprints (schema {version}, this one reads "
                             f"up to {SCHEMA_VERSION}); upgrade reprints")
        if version < SCHEMA_VERSION:
            if self.readonly:
                raise StoreError(f"{self.path}: schema {version} needs migrating; open it once for writing")
            db.execute("BEGIN IMMEDIATE")
            for v in range(version, SCHEMA_VERSION):
                for stmt in _MIGRATIONS[v]:
                    db.execute(stmt)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")

    def _create(self, db: sqlite3.Connection, params: ScanParams) -> None:
        db.execute("BEGIN IMMEDIATE")
        for stmt in _SCHEMA:
            db.execute(stmt)
        db.executemany("INSERT INTO info VALUES (?, ?)", [
            ("params", orjson.dumps(params_to_dict(params)).decode()),
            ("generation", "0"), ("next_family", "1"), ("created", str(time.time())),
        ])
        db.execute(f"PRAGMA application_id = {_APP_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")

    @staticmethod
    def _info(db: sqlite3.Connection, key: str) -> str:
        row = db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise sqlite3.DatabaseError(f"store is missing its {key!r} entry")
        return row[0]

    def close(self) -> None:
        """Close the file (pending work is already committed)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM documents").fetchone()[0]

    def families(self) -> list[Family]:
        """All families, largest first (then by origin), as ``scan`` orders them."""
        with self._lock:
            rows = self._db.execute("SELECT data FROM families").fetchall()
        fams = [family_from_row(orjson.loads(r[0])) for r in rows]
        fams.sort(key=lambda f: (-len(f.members), f.origin))
        return fams

    def family(self, family_id: str) -> Family | None:
        """One family by id, or None."""
        with self._lock:
            row = self._db.execute("SELECT data FROM families WHERE id = ?", (family_id,)).fetchone()
        return family_from_row(orjson.loads(row[0])) if row else None

    def __contains__(self, doc_id: object) -> bool:
        """Whether a document of this id is stored (``"wire/a.txt" in store``)."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def document(self, doc_id: str) -> Document | None:
        """A stored document by id, or None."""
        with self._lock:
            row = self._db.execute("SELECT id, text, meta, header FROM documents WHERE id = ?",
                                   (doc_id,)).fetchone()
        return document_from_record(row) if row else None

    def versions(self, doc_id: str) -> tuple[Family | None, list[Relation]]:
        """The family of a stored document and its relations to the other
        versions the store has aligned it with (related ones only)."""
        with self._lock:
            row = self._db.execute("SELECT rowid, family FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                raise KeyError(doc_id)
            rels = [relation_from_record(r[0]) for r in self._db.execute(
                "SELECT data FROM pairs WHERE (a = ?1 OR b = ?1) AND relation != 'unrelated' ORDER BY score DESC",
                (row[0],))]
        return (self.family(row[1]) if row[1] else None), rels

    def result(self, documents: bool = True) -> ScanResult:
        """Everything as a :class:`~reprints.pipeline.ScanResult`: the pairs and
        families ``scan`` would give for the stored corpus. ``documents`` holds
        the family members only (all of them, unless ``documents`` is False;
        ``stats`` counts every stored document)."""
        with self._lock:
            fams = self.families()
            fills = set()
            for row in self._db.execute("SELECT data FROM families"):
                fills.update(tuple(p) for p in orjson.loads(row[0])["fills"])
            rels = [relation_from_record(r[0]) for r in self._db.execute(
                "SELECT data FROM pairs WHERE active = 1 AND relation != 'unrelated'")]
            have = {(r.a, r.b) for r in rels}
            ids = {x for pair in fills for x in pair}
            rowid = {}
            for chunk in _chunks(sorted(ids), 900):
                rowid.update(self._db.execute(
                    f"SELECT id, rowid FROM documents WHERE id IN ({_marks(chunk)})", chunk).fetchall())
            for a, b in sorted(fills):
                ra, rb = sorted((rowid[a], rowid[b]))
                row = self._db.execute("SELECT data FROM pairs WHERE a = ? AND b = ?", (ra, rb)).fetchone()
                rel = relation_from_record(row[0])
                if rel.relation != "unrelated" and (rel.a, rel.b) not in have:
                    rels.append(rel)
            n = self._db.execute("SELECT count(*) FROM documents").fetchone()[0]
            docs: list[Document] = []
            if documents:
                members = [m for f in fams for m in f.members]
                found: dict[str, Document] = {}
                for chunk in _chunks(members, 900):
                    for row in self._db.execute(
                            f"SELECT id, text, meta, header FROM documents WHERE id IN ({_marks(chunk)})", chunk):
                        found[row[0]] = document_from_record(row)
                docs = [found[m] for m in members if m in found]
        rels.sort(key=lambda r: (r.a, r.b))
        return ScanResult(docs, rels, fams, [], {"documents": n, "families": len(fams)})

    def stats(self) -> dict[str, float]:
        """Counts: documents, families, pairs aligned, pairs related, bytes on disk."""
        with self._lock:
            q = self._db.execute
            out = {
                "documents": q("SELECT count(*) FROM documents").fetchone()[0],
                "families": q("SELECT count(*) FROM families").fetchone()[0],
                "pairs": q("SELECT count(*) FROM pairs").fetchone()[0],
                "related_pairs": q("SELECT count(*) FROM pairs WHERE active = 1 AND relation != 'unrelated'")
                .fetchone()[0],
            }
        out["bytes"] = sum(f.stat().st_size for f in (self.path, Path(f"{self.path}-wal")) if f.exists())
        return out

    def check(self) -> list[str]:
        """Consistency problems (none on a healthy store): SQLite's integrity
        check, and that every document, band, pair and family agrees with the
        others. Used after crashes and in tests."""
        with self._lock:
            q = self._db.execute
            out = [r[0] for r in q("PRAGMA integrity_check") if r[0] != "ok"]
            nb = q("SELECT count(*) FROM documents WHERE n_shingles > 0").fetchone()[0]
            bands = self.params.lsh.layout(self.params.sketch.num_perm)[0]
            have = q("SELECT count(*) FROM bands").fetchone()[0]
            if have != nb * bands:
                out.append(f"{have} band keys for {nb} documents with text ({bands} each expected)")
            orphans = q("SELECT count(*) FROM bands WHERE doc NOT IN (SELECT rowid FROM documents)").fetchone()[0]
            if orphans:
                out.append(f"{orphans} band keys of missing documents")
            dangling = q("SELECT count(*) FROM pairs WHERE a NOT IN (SELECT rowid FROM documents) "
                         "OR b NOT IN (SELECT rowid FROM documents)").fetchone()[0]
            if dangling:
                out.append(f"{dangling} pairs with a missing document")
            fam_members: dict[str, set[str]] = {}
            for fid, data in q("SELECT id, data FROM families"):
                fam_members[fid] = set(orjson.loads(data)["members"])
            docs_in: dict[str, set[str]] = {}
            for doc_id, fid in q("SELECT id, family FROM documents WHERE family IS NOT NULL"):
                docs_in.setdefault(fid, set()).add(doc_id)
            if fam_members != docs_in:
                out.append("family rows and documents' family column disagree")
            if self.params.semantic:
                missing = q("SELECT count(*) FROM documents WHERE lead IS NULL OR top IS NULL").fetchone()[0]
                if missing:
                    out.append(f"{missing} documents without a lead vector")
        return out

    # -- adding ----------------------------------------------------------------------------------

    def add(self, documents: Iterable[Document | LoadProblem], batch: int = 500,
            progress: Progress | None = None, on_commit: Callable[[AddResult], None] | None = None) -> AddResult:
        """Add documents (and count load problems passed along with them).

        A document whose id is stored with the same content is left alone; with
        other content it replaces the stored one. Every ``batch`` documents are
        one transaction: once ``on_commit`` hears of them they survive a crash.

        >>> import tempfile, os
        >>> from reprints.load import document_from_text
        >>> with Store(os.path.join(tempfile.mkdtemp(), "s.db"), ScanParams(semantic=False)) as s:
        ...     r1 = s.add([document_from_text("a", "Some text about a vote in the council.")])
        ...     r2 = s.add([document_from_text("a", "Some text about a vote in the council.")])
        >>> r1.added, r2.unchanged
        (1, 1)
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        t0 = time.perf_counter()
        total = AddResult()
        pending: list[Document] = []
        seen: set[str] = set()

        def flush() -> None:
            if not pending:
                return
            with self._lock:
                part = self._add_batch(pending)
            for name in ("added", "updated", "unchanged", "families_rebuilt"):
                setattr(total, name, getattr(total, name) + getattr(part, name))
            pending.clear()
            seen.clear()
            if on_commit:
                on_commit(total)
            if progress:
                progress("add", total.added + total.updated + total.unchanged, 0)

        for item in documents:
            if isinstance(item, LoadProblem):
                total.skipped += 1
                total.problems.append(item)
                continue
            if item.id in seen:  # a second version of an id in one batch replaces the first, in order
                flush()
            pending.append(item)
            seen.add(item.id)
            if len(pending) >= batch:
                flush()
        flush()
        total.seconds = time.perf_counter() - t0
        return total

    def _add_batch(self, docs: list[Document]) -> AddResult:
        db = self._db
        out = AddResult()
        db.execute("BEGIN IMMEDIATE")
        try:
            self._sync()
            known = {}
            for chunk in _chunks([d.id for d in docs], 900):
                known.update((r[0], (r[1], r[2])) for r in db.execute(
                    f"SELECT id, rowid, hash FROM documents WHERE id IN ({_marks(chunk)})", chunk))
            fresh, stale = [], []
            for d in docs:
                have = known.get(d.id)
                if have and have[1] == _content_hash(d):
                    out.unchanged += 1
                    continue
                if have:
                    stale.append(have[0])
                    out.updated += 1
                else:
                    out.added += 1
                fresh.append(d)
            seeds: set[int] = set()
            leads = self._leads_copy()
            if stale:
                seeds |= self._remove(stale, leads)
            if fresh:
                seeds |= self._insert(self._sketch(fresh), leads)
            out.families_rebuilt = self._refamily(seeds, leads) if seeds else 0
            gen = int(self._info(db, "generation")) + 1
            db.execute("UPDATE info SET value = ? WHERE key = 'generation'", (str(gen),))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._leads, self._generation = None, -1  # reload on next use
            raise
        self._leads, self._generation = leads, gen
        return out

    def _sync(self) -> None:
        """Catch up with what other processes wrote since we last read: new leads
        are appended and every background reread; a removal (rowids are never
        reused, so the count shows it) reloads everything."""
        gen = int(self._info(self._db, "generation"))
        if gen == self._generation and (self._leads is not None or not self.params.semantic):
            return
        old, self._leads = self._leads, None
        if self.params.semantic:
            db = self._db
            last = int(old.rowids[-1]) if old is not None and len(old.rowids) else 0
            if old is None or db.execute("SELECT count(*) FROM documents WHERE rowid <= ?",
                                         (last,)).fetchone()[0] != len(old.rowids):
                old, last = _Leads(self.params.semantic_index.k), 0
            rows = db.execute("SELECT rowid, lead, top FROM documents WHERE rowid > ? ORDER BY rowid",
                              (last,)).fetchall()
            n = len(rows)
            leads = _Leads(old.k)
            leads.rowids = np.concatenate([old.rowids, np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)])
            add = np.zeros((n, DIM), dtype=np.float32)
            for i, (_, lead, _top) in enumerate(rows):
                add[i] = np.frombuffer(lead, dtype=np.float16)
            leads.mat = np.concatenate([old.mat, add])
            leads.live = np.concatenate([old.live, np.abs(add).sum(axis=1) > 0])
            tops = b"".join(r[0] for r in db.execute("SELECT top FROM documents ORDER BY rowid"))
            leads.top = np.frombuffer(tops, dtype=np.float32).reshape(-1, leads.k).copy()
            leads.pos = {int(r): i for i, r in enumerate(leads.rowids)}
            self._leads = leads
        self._generation = gen

    def _leads_copy(self) -> _Leads | None:
        """A copy of the lead state to change inside a transaction (kept only on commit)."""
        if self._leads is None:
            return None
        c = _Leads(self._leads.k)
        c.rowids, c.mat, c.live, c.top = self._leads.rowids, self._leads.mat, self._leads.live, self._leads.top.copy()
        c.pos = dict(self._leads.pos)
        return c

    def _sketch(self, docs: list[Document]) -> _Fresh:
        """Normalize, sketch and (with semantic matching) embed the leads of new documents."""
        p = self.params
        hashes = [_content_hash(d) for d in docs]  # before the language joins the metadata
        norms = [normalize(d) for d in docs]
        got = sketch_batch(norms, [d.meta.get("title", "") for d in docs], p.sketch, p.semantic)
        sk = got.sketches
        if got.langs:
            docs = [with_language(d, lang) for d, lang in zip(docs, got.langs)]
        bands, rows = p.lsh.layout(p.sketch.num_perm)
        keys = band_keys(sk.signatures, bands, rows).view(np.int64)
        return _Fresh(docs, hashes, norms, [len(tokenize(n)) for n in norms], sk.signatures, sk.n_shingles,
                      sk.body_hash.astype(np.uint64).view(np.int64), keys, got.leads)

    def _insert(self, fresh: _Fresh, leads: _Leads | None) -> set[int]:
        """Write new documents, find and align their candidate pairs; returns
        the documents whose families must be rebuilt."""
        db = self._db
        now = time.time()
        rowids = []
        for i, d in enumerate(fresh.docs):
            cur = db.execute(
                "INSERT INTO documents(id, hash, text, meta, header, words, body_hash, n_shingles, signature, "
                "lead, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (d.id, fresh.hashes[i], d.text, orjson.dumps(d.meta).decode(), orjson.dumps(d.header).decode(),
                 fresh.words[i], int(fresh.body_hash[i]),
                 int(fresh.n_shingles[i]), fresh.signatures[i].tobytes(),
                 None if fresh.leads is None else fresh.leads[i].tobytes(), now))
            rowids.append(cur.lastrowid)
        live = [k for k in range(len(rowids)) if fresh.n_shingles[k] > 0]
        db.executemany("INSERT INTO bands(key, doc) VALUES (?, ?)",
                       ((int(key), rowids[k]) for k in live for key in fresh.keys[k]))
        pairs: dict[tuple[int, int], bool] = {(a, b): True for a, b in self._lexical(rowids, fresh)}
        seeds = set(rowids)
        if leads is not None:
            sem, flipped = self._grow_leads(leads, rowids, fresh.leads)
            for pair in sem:
                pairs.setdefault(pair, False)
            seeds |= flipped
        self._align(pairs, leads, active_lexical=True)
        return seeds

    def _lexical(self, rowids: list[int], fresh: _Fresh, query: bool = False,
                 skip: int | None = None) -> list[tuple[int, int]]:
        """Stored documents sharing a band bucket or the body hash with each new
        one, verified on the full signatures as in
        :func:`~reprints.candidates.candidate_pairs`. For a query the new
        document is not stored (``rowids`` holds a placeholder) and may meet
        any stored document but ``skip`` (its own stored copy)."""
        db = self._db
        p = self.params.lsh
        want = sorted({int(k) for i in range(len(rowids)) if fresh.n_shingles[i] > 0 for k in fresh.keys[i]})
        bucket: dict[int, list[int]] = {}
        for chunk in _chunks(want, 900):
            for key, doc in db.execute(f"SELECT key, doc FROM bands WHERE key IN ({_marks(chunk)})", chunk):
                if doc != skip:
                    bucket.setdefault(key, []).append(doc)
        for docs in bucket.values():
            docs.sort()
        hashes = sorted({int(h) for h in fresh.body_hash})
        first: dict[int, int] = {}
        for chunk in _chunks(hashes, 900):
            for h, doc in db.execute(f"SELECT body_hash, min(rowid) FROM documents WHERE n_shingles > 0 AND "
                                     f"rowid != ? AND body_hash IN ({_marks(chunk)}) GROUP BY body_hash",
                                     [-1 if skip is None else skip, *chunk]):
                first[h] = doc
        found: set[tuple[int, int]] = set()
        star: set[tuple[int, int]] = set()
        for i, r in enumerate(rowids):
            if fresh.n_shingles[i] == 0:
                continue
            for key in fresh.keys[i]:
                docs = bucket.get(int(key), [])
                below = docs[: bisect.bisect_left(docs, r)] if not query else docs
                for other in below[-p.max_bucket:]:
                    if other != r:
                        found.add((other, r))
            head = first.get(int(fresh.body_hash[i]))
            if head is not None and head != r:
                star.add((head, r))
            if query and head is not None:  # a query hears of every stored copy, not just the first
                star.update((c, r) for (c,) in db.execute(
                    "SELECT rowid FROM documents WHERE body_hash = ? AND n_shingles > 0 AND rowid != ? "
                    "ORDER BY rowid LIMIT ?", (int(fresh.body_hash[i]), -1 if skip is None else skip, p.max_bucket)))
        if not found and not star:
            return []
        others = sorted({a for a, _ in found | star} - set(rowids))
        info: dict[int, tuple[np.ndarray, int, int]] = {}
        for chunk in _chunks(others, 900):
            for rid, sig, nsh, bh in db.execute(f"SELECT rowid, signature, n_shingles, body_hash FROM documents "
                                                f"WHERE rowid IN ({_marks(chunk)})", chunk):
                info[rid] = (np.frombuffer(sig, dtype=np.uint32), nsh, bh)
        for i, r in enumerate(rowids):
            info[r] = (fresh.signatures[i], int(fresh.n_shingles[i]), int(fresh.body_hash[i]))
        out = set(star)
        for a, b in found:
            sa, na, ha = info[a]
            sb, nb, hb = info[b]
            if ha == hb:
                continue  # same body: covered by the star to the first copy
            if lexical_match(sa, sb, na, nb, p)[0]:
                out.add((a, b))
        return sorted((min(a, b), max(a, b)) for a, b in out)

    def _grow_leads(self, leads: _Leads, rowids: list[int], vec: np.ndarray) -> tuple[set[tuple[int, int]], set[int]]:
        """Append new leads, raise the others' backgrounds, and return the new
        semantic candidate pairs and the documents whose stored semantic pairs
        switched off as backgrounds rose."""
        p = self.params.semantic_index
        n_old = len(leads.rowids)
        x = vec.astype(np.float32)
        new_live = np.abs(x).sum(axis=1) > 0
        leads.rowids = np.concatenate([leads.rowids, np.asarray(rowids, dtype=np.int64)])
        leads.mat = np.concatenate([leads.mat, x])
        leads.live = np.concatenate([leads.live, new_live])
        leads.top = np.concatenate([leads.top, np.full((len(rowids), leads.k), -np.inf, dtype=np.float32)])
        for k, r in enumerate(rowids):
            leads.pos[r] = n_old + k
        bg_before = leads.background(leads.top[:n_old], int(leads.live[:n_old].sum()))
        step = 128
        near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, cosine) above the threshold
        changed: set[int] = set()
        for s0 in range(0, len(rowids), step):
            s = leads.sims(x[s0 : s0 + step])
            s[np.arange(len(s)), n_old + s0 + np.arange(len(s))] = -np.inf  # not its own neighbour
            s[~new_live[s0 : s0 + step]] = -np.inf
            # backgrounds only rise while a batch goes in, so today's are a safe first cut
            # (-inf where a lead has fewer than k others yet: no cut)
            n_live = int(leads.live[: n_old + s0 + len(s)].sum())
            if n_live > leads.k + 1:
                low = leads.top[:, -1]
                own = _top_k(s, leads.k)[:, -1]
                with np.errstate(invalid="ignore"):  # -inf - -inf: a dead or own column, below threshold anyway
                    keep = (s >= p.threshold) & stands_out(s, own[:, None], low[None, :], p)
            else:
                keep = s >= p.threshold
            rows, cols = np.nonzero(keep)
            near.append((n_old + s0 + rows, cols, s[rows, cols]))
            leads.top[n_old + s0 : n_old + s0 + len(s)] = _top_k(s, leads.k)
            old = s[:, :n_old]
            if n_old:
                gain = np.flatnonzero(old.max(axis=0) > leads.top[:n_old, -1])
                if len(gain):
                    merged = np.concatenate([leads.top[gain], old[:, gain].T], axis=1)
                    leads.top[gain] = _top_k(merged, leads.k)
                    changed.update(gain.tolist())
        bg = leads.background()
        pairs: set[tuple[int, int]] = set()
        for i, cols, cos in near:
            ok = stands_out(cos, bg[i], bg[cols], p)
            for a, b in zip(leads.rowids[i[ok]], leads.rowids[cols[ok]]):
                pairs.add((int(min(a, b)), int(max(a, b))))
        rose = leads.rowids[:n_old][bg[:n_old] > bg_before]
        flipped = self._recheck(leads, rose.tolist()) if len(rose) else set()
        rows = sorted(changed) + list(range(n_old, n_old + len(rowids)))
        self._db.executemany("UPDATE documents SET top = ? WHERE rowid = ?",
                             ((leads.top[j].tobytes(), int(leads.rowids[j])) for j in rows))
        return pairs, flipped

    def _recheck(self, leads: _Leads, docs: list[int]) -> set[int]:
        """Switch stored semantic-only pairs of ``docs`` on or off by today's
        backgrounds; returns the documents of related pairs that switched."""
        p = self.params.semantic_index
        bg = leads.background()
        flipped: set[int] = set()
        for chunk in _chunks(docs, 400):
            marks = _marks(chunk)
            rows = self._db.execute(f"SELECT a, b, cos, active, relation FROM pairs WHERE lexical = 0 AND "
                                    f"(a IN ({marks}) OR b IN ({marks}))", chunk + chunk).fetchall()
            for a, b, cos, active, relation in rows:
                ia, ib = leads.pos.get(a), leads.pos.get(b)
                now = ia is not None and ib is not None and cos >= p.threshold and \
                    bool(stands_out(cos, bg[ia], bg[ib], p))
                if int(now) != active:
                    self._db.execute("UPDATE pairs SET active = ? WHERE a = ? AND b = ?", (int(now), a, b))
                    if relation != "unrelated":
                        flipped |= {a, b}
        return flipped

    def _remove(self, rowids: list[int], leads: _Leads | None) -> set[int]:
        """Delete stored documents (replaced by new content); returns the
        documents whose families must be rebuilt."""
        db = self._db
        seeds: set[int] = set()
        bodies: set[int] = set()
        for chunk in _chunks(rowids, 400):
            marks = _marks(chunk)
            bodies.update(r[0] for r in db.execute(
                f"SELECT body_hash FROM documents WHERE n_shingles > 0 AND rowid IN ({marks})", chunk))
            for a, b in db.execute(f"SELECT a, b FROM pairs WHERE relation != 'unrelated' AND "
                                   f"(a IN ({marks}) OR b IN ({marks}))", chunk + chunk):
                seeds |= {a, b}
            fams = [r[0] for r in db.execute(f"SELECT DISTINCT family FROM documents WHERE rowid IN ({marks}) "
                                             f"AND family IS NOT NULL", chunk)]
            for fid in fams:  # rebuilt (keeping its id where it lives on) by _refamily
                seeds |= {r[0] for r in db.execute("SELECT rowid FROM documents WHERE family = ?", (fid,))}
            for table, col in (("bands", "doc"), ("prepared", "doc"), ("pairs", "a"), ("pairs", "b"),
                               ("documents", "rowid")):
                db.execute(f"DELETE FROM {table} WHERE {col} IN ({marks})", chunk)
        db.execute("DELETE FROM families WHERE id NOT IN "
                   "(SELECT family FROM documents WHERE family IS NOT NULL)")  # every member replaced
        seeds -= set(rowids)
        if leads is not None:
            seeds |= self._shrink_leads(leads, rowids)
        seeds |= self._restar(bodies, leads)
        return seeds

    def _restar(self, bodies: set[int], leads: _Leads | None) -> set[int]:
        """Copies of one body are candidates of the first copy only (see
        :mod:`reprints.candidates`); when that first copy goes, the next one
        becomes the centre, as in a scan without it."""
        db = self._db
        todo: dict[tuple[int, int], bool] = {}
        for h in sorted(bodies):
            rows = [r[0] for r in db.execute("SELECT rowid FROM documents WHERE body_hash = ? AND n_shingles > 0 "
                                             "ORDER BY rowid", (h,))]
            for r in rows[1:]:
                pair = (rows[0], r)
                if db.execute("UPDATE pairs SET lexical = 1, active = 1 WHERE a = ? AND b = ?", pair).rowcount == 0:
                    todo[pair] = True
        self._align(todo, leads, active_lexical=True)
        return {x for h in sorted(bodies) for (x,) in db.execute(
            "SELECT rowid FROM documents WHERE body_hash = ? AND n_shingles > 0", (h,))}

    def _shrink_leads(self, leads: _Leads, rowids: list[int]) -> set[int]:
        """Drop leads; documents that had one among their ``k`` best get their
        background recomputed, and may gain semantic pairs (aligned here)."""
        gone = np.array([leads.pos[r] for r in rowids if r in leads.pos], dtype=np.int64)
        if not len(gone):
            return set()
        s = leads.sims(leads.mat[gone])
        hit = np.any(s >= leads.top[:, -1][None, :], axis=0) if len(leads.top) else np.zeros(0, bool)
        keep = np.ones(len(leads.rowids), dtype=bool)
        keep[gone] = False
        n_live_before = int(leads.live.sum())
        leads.rowids, leads.mat, leads.live, leads.top = (leads.rowids[keep], leads.mat[keep], leads.live[keep],
                                                          leads.top[keep])
        hit = hit[keep]
        leads.pos = {int(r): i for i, r in enumerate(leads.rowids)}
        if n_live_before > leads.k + 1 >= int(leads.live.sum()):
            hit[:] = True  # backgrounds fall to zero for all
        todo = np.flatnonzero(hit & leads.live)
        p = self.params.semantic_index
        near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, cosine) above the threshold
        for c0 in range(0, len(todo), 256):
            idx = todo[c0 : c0 + 256]
            s = leads.sims(leads.mat[idx])
            s[np.arange(len(idx)), idx] = -np.inf
            leads.top[idx] = _top_k(s, leads.k)
            rows, cols = np.nonzero(s >= p.threshold)
            near.append((idx[rows], cols, s[rows, cols]))
        self._db.executemany("UPDATE documents SET top = ? WHERE rowid = ?",
                             ((leads.top[j].tobytes(), int(leads.rowids[j])) for j in todo))
        bg = leads.background()  # once every background is final
        pairs: dict[tuple[int, int], bool] = {}
        for i, cols, cos in near:
            ok = stands_out(cos, bg[i], bg[cols], p)
            for a, b in zip(leads.rowids[i[ok]], leads.rowids[cols[ok]]):
                pairs[(int(min(a, b)), int(max(a, b)))] = False
        fell = leads.rowids[todo].tolist()
        seeds = self._recheck(leads, fell)
        known = set()
        for a, b in pairs:
            if self._db.execute("SELECT 1 FROM pairs WHERE a = ? AND b = ?", (a, b)).fetchone():
                known.add((a, b))
        new = {k: v for k, v in pairs.items() if k not in known}
        self._align(new, leads, active_lexical=True)
        for a, b in new:
            seeds |= {a, b}
        return seeds

    def _align(self, pairs: dict[tuple[int, int], bool], leads: _Leads | None, active_lexical: bool,
               candidate: bool = True) -> dict[tuple[int, int], Relation]:
        """Align and relate rowid pairs (``{pair: lexical candidate?}``) exactly
        as ``scan`` does and store them; returns the relations."""
        out = self._relations(sorted(pairs))
        sp = self.params.semantic_index
        bg = leads.background() if leads is not None else None
        rows = []
        for (a, b), rel in out.items():
            cos = 0.0
            if leads is not None and a in leads.pos and b in leads.pos:
                ia, ib = leads.pos[a], leads.pos[b]
                cos = float(leads.mat[ia] @ leads.mat[ib]) if leads.live[ia] and leads.live[ib] else 0.0
            lexical = pairs[(a, b)]
            if not candidate:
                active = False
            elif lexical:
                active = active_lexical
            else:
                active = bg is not None and cos >= sp.threshold and \
                    bool(stands_out(cos, bg[leads.pos[a]], bg[leads.pos[b]], sp))
            rows.append((a, b, rel.relation, rel.score, int(lexical), cos, int(active), relation_record(rel)))
        self._db.executemany("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return out

    def _relations(self, pairs: Sequence[tuple[int, int]], query: tuple[Document, _Fresh] | None = None,
                   differences: bool = False) -> dict[tuple[int, int], Relation]:
        """Relations of rowid pairs as ``scan`` computes them: lexically, then by
        meaning where the lexical rules say ``unrelated``. ``query`` is a
        document that is not stored, under rowid -1; nothing of it is written."""
        if not pairs:
            return {}
        docs: dict[int, Document] = {}
        body: dict[int, tuple[int, int]] = {}
        toks: dict[int, TokenizedText] = {}
        if query is not None:
            qdoc, fresh = query
            docs[-1], body[-1], toks[-1] = qdoc, (int(fresh.body_hash[0]), int(fresh.n_shingles[0])), \
                tokenize(fresh.norms[0])
        ids = sorted({x for pair in pairs for x in pair} - docs.keys())
        for chunk in _chunks(ids, 900):
            for row in self._db.execute(f"SELECT rowid, id, text, meta, header, body_hash, n_shingles FROM "
                                        f"documents WHERE rowid IN ({_marks(chunk)})", chunk):
                docs[row[0]] = document_from_record(row[1:5])
                body[row[0]] = (row[5], row[6])
        for r in ids:
            toks[r] = tokenize(normalize(docs[r]))
        params = self.params
        out: dict[tuple[int, int], Relation] = {}
        weak: list[tuple[int, int]] = []
        for a, b in pairs:
            same = same_body(body[a][0], body[a][1], body[b][0])
            out[(a, b)] = relate_words(docs[a], docs[b], toks[a], toks[b], same, params, differences)
            if needs_meaning(out[(a, b)], params):
                weak.append((a, b))
        if weak:
            stored = sorted({x for pair in weak for x in pair} - {-1})
            prepared = self._prepared(stored, docs, toks, write=query is None)
            if any(-1 in pair for pair in weak):
                prepared[docs[-1].id] = prepare_many([toks[-1].norm])[0]
            for pair in weak:
                rel = out[pair]
                out[pair] = relate_meaning(rel, prepared[rel.a], prepared[rel.b], params, differences)
        return out

    def _prepared(self, rowids: list[int], docs: dict[int, Document], toks: dict[int, TokenizedText],
                  write: bool = True) -> dict[str, SemanticText]:
        """Semantic texts of stored documents: rebuilt from stored vectors, or
        embedded now and (unless ``write`` is off, as for a query) stored, so
        each document is embedded once, ever."""
        db = self._db
        out: dict[str, SemanticText] = {}
        for chunk in _chunks(rowids, 900):
            for rid, vec, qvec, langs in db.execute(f"SELECT doc, vectors, quotes, langs FROM prepared "
                                                    f"WHERE doc IN ({_marks(chunk)})", chunk):
                norm = toks[rid].norm if rid in toks else normalize(docs[rid])
                out[docs[rid].id] = rebuild(norm, np.frombuffer(vec, np.float16).reshape(-1, DIM),
                                            np.frombuffer(qvec, np.float16).reshape(-1, DIM), orjson.loads(langs))
        need = [r for r in rowids if docs[r].id not in out]
        for chunk in _chunks(need, 32):
            norms = [toks[r].norm if r in toks else normalize(docs[r]) for r in chunk]
            for r, st in zip(chunk, prepare_many(norms)):
                out[docs[r].id] = st
                if write:
                    db.execute("INSERT OR REPLACE INTO prepared VALUES (?, ?, ?, ?)",
                               (r, st.vectors.astype(np.float16).tobytes(),
                                st.quote_vectors.astype(np.float16).tobytes(), orjson.dumps(st.langs).decode()))
        return out

    # -- families --------------------------------------------------------------------------------

    def _component(self, seeds: set[int]) -> tuple[set[int], list[tuple[int, int, bytes]]]:
        """All documents linked to ``seeds`` by active related pairs, and those pairs."""
        db = self._db
        seen = set(seeds)
        frontier = sorted(seeds)
        edges: dict[tuple[int, int], bytes] = {}
        while frontier:
            nxt: set[int] = set()
            for chunk in _chunks(frontier, 400):
                marks = _marks(chunk)
                for a, b, data in db.execute(f"SELECT a, b, data FROM pairs WHERE active = 1 AND relation != "
                                             f"'unrelated' AND (a IN ({marks}) OR b IN ({marks}))", chunk + chunk):
                    edges[(a, b)] = data
                    nxt |= {a, b}
            frontier = sorted(nxt - seen)
            seen |= nxt
        return seen, [(a, b, d) for (a, b), d in edges.items()]

    def _refamily(self, seeds: set[int], leads: _Leads | None) -> int:
        """Rebuild the families of every group ``seeds`` touch, as ``scan``
        would: families from candidate pairs, then each origin's relation to
        every member added where it was not a candidate, then families again."""
        db = self._db
        # the groups, grown until they hold every member of the families they touch
        docs, edges = self._component(seeds)
        while True:
            old = self._old_families(docs)
            members = {r[0] for fid in old for r in db.execute("SELECT rowid FROM documents WHERE family = ?", (fid,))}
            if members <= docs:
                break
            docs, edges = self._component(docs | members)
        info: dict[int, tuple[str, dict[str, str], int]] = {}
        for chunk in _chunks(sorted(docs), 900):
            for rid, did, meta, words in db.execute(f"SELECT rowid, id, meta, words FROM documents WHERE rowid IN "
                                                    f"({_marks(chunk)})", chunk):
                info[rid] = (did, orjson.loads(meta), words)
        rowid = {v[0]: k for k, v in info.items()}
        meta = {v[0]: v[1] for v in info.values()}
        words = {v[0]: v[2] for v in info.values()}
        rels = [relation_from_record(d) for _, _, d in edges]
        fills: list[Relation] = []

        def fill(missing: list[tuple[str, str]]) -> list[Relation]:
            fill_pairs = sorted({tuple(sorted((rowid[o], rowid[m]))) for o, m in missing})
            stored = {}
            for a, b in fill_pairs:
                row = db.execute("SELECT data FROM pairs WHERE a = ? AND b = ?", (a, b)).fetchone()
                if row:
                    stored[(a, b)] = relation_from_record(row[0])
            todo = {pair: False for pair in fill_pairs if pair not in stored}
            stored.update(self._align(todo, leads, True, candidate=False))
            fills.extend(stored[pair] for pair in fill_pairs)
            return fills

        fams, _ = settle_families(rels, meta, words, fill)
        # keep family ids stable: each new family takes the id of the old one it shares most members with
        # (``old`` is still the families of ``docs``, read in the loop above)
        old_members = {fid: {r[0] for r in db.execute("SELECT id FROM documents WHERE family = ?", (fid,))}
                       for fid in old}
        overlap = sorted(((len(set(f.members) & m), fid, k) for k, f in enumerate(fams)
                          for fid, m in old_members.items() if set(f.members) & m), reverse=True)
        ids: dict[int, str] = {}
        used: set[str] = set()
        for _, fid, k in overlap:
            if k not in ids and fid not in used:
                ids[k] = fid
                used.add(fid)
        nxt = int(self._info(db, "next_family"))
        for k in range(len(fams)):
            if k not in ids:
                ids[k] = f"F{nxt:04d}"
                nxt += 1
        db.execute("UPDATE info SET value = ? WHERE key = 'next_family'", (str(nxt),))
        for fid in old:
            db.execute("DELETE FROM families WHERE id = ?", (fid,))
        for chunk in _chunks(sorted(docs), 900):
            db.execute(f"UPDATE documents SET family = NULL WHERE rowid IN ({_marks(chunk)})", chunk)
        fill_ids = [(r.a, r.b) for r in fills]
        for k, f in enumerate(fams):
            f = Family(ids[k], f.origin, f.reasons, f.members, f.tree)
            inside = set(f.members)
            data = f.as_dict() | {"fills": [list(p) for p in fill_ids if p[0] in inside and p[1] in inside]}
            db.execute("INSERT INTO families VALUES (?, ?, ?, ?)", (f.id, f.origin, len(f.members),
                                                                   orjson.dumps(data)))
            chunk_ids = [rowid[m] for m in f.members]
            for chunk in _chunks(chunk_ids, 900):
                db.execute(f"UPDATE documents SET family = ? WHERE rowid IN ({_marks(chunk)})", [f.id, *chunk])
        return len(fams)

    def _old_families(self, docs: set[int]) -> set[str]:
        out: set[str] = set()
        for chunk in _chunks(sorted(docs), 900):
            out.update(r[0] for r in self._db.execute(
                f"SELECT DISTINCT family FROM documents WHERE family IS NOT NULL AND rowid IN ({_marks(chunk)})",
                chunk))
        return out

    # -- querying --------------------------------------------------------------------------------

    def query(self, doc: Document) -> QueryResult:
        """How ``doc`` relates to the stored documents, without adding it.

        Finds its candidates as :meth:`add` would, aligns them, and names the
        family of its best match, its relation to that family's origin, and
        whether it would become the origin.
        """
        t0 = time.perf_counter()
        with self._lock:
            db = self._db
            db.execute("BEGIN")  # one snapshot for the whole query
            try:
                self._sync()
                out = self._query(doc)
            finally:
                db.execute("COMMIT")
        out.seconds = time.perf_counter() - t0
        return out

    def _query(self, doc: Document) -> QueryResult:
        db = self._db
        doc = Document(doc.id, doc.text, dict(doc.meta), doc.header)
        fresh = self._sketch([doc])
        row = db.execute("SELECT rowid, hash FROM documents WHERE id = ?", (doc.id,)).fetchone()
        known = bool(row and row[1] == fresh.hashes[0])
        qid = -1  # placeholder rowid: the query is never written
        pairs = {pair: True for pair in self._lexical([qid], fresh, query=True, skip=row[0] if row else None)}
        leads = self._leads
        if leads is not None and len(leads.rowids):
            x = fresh.leads.astype(np.float32)
            if np.abs(x).sum() > 0:
                sp = self.params.semantic_index
                s = leads.sims(x)[0]
                if row is not None and row[0] in leads.pos:
                    s[leads.pos[row[0]]] = -np.inf  # its own stored copy is not a neighbour
                n_live = int(leads.live.sum()) + 1
                own = _top_k(s[None, :], leads.k)[0]
                bg_q = background(own[-1:], n_live, leads.k)[0]
                near = np.flatnonzero(s >= sp.threshold)
                if n_live > leads.k + 1:  # each neighbour's background if the query were added, vectorised
                    top = leads.top[near]
                    raised = np.minimum(top[:, -2], s[near]) if leads.k > 1 else s[near]
                    bg = np.where(s[near] > top[:, -1], raised, top[:, -1])
                    bg = np.where(np.isfinite(bg), bg, 0.0)
                else:
                    bg = np.zeros(len(near), dtype=np.float32)
                ok = stands_out(s[near], bg_q, bg, sp)
                for j in near[ok]:
                    pairs.setdefault((qid, int(leads.rowids[j])), False)
        pairs = {(a, b): v for (a, b), v in pairs.items() if not (row and row[0] in (a, b))}
        rels = self._relations(list(pairs), (doc, fresh))
        related = sorted((r for r in rels.values() if r.relation != "unrelated"), key=lambda r: -r.score)
        if not related:
            return QueryResult(doc, [], None, None, False, known)
        best = related[0]
        other = best.b if best.a == doc.id else best.a
        fid = db.execute("SELECT family FROM documents WHERE id = ?", (other,)).fetchone()[0]
        family = self.family(fid) if fid else None
        if family is None:  # a lone stored document: the two would make a family
            members = tuple(sorted({doc.id, other}))
            rel_meta = {doc.id: doc.meta, other: orjson.loads(db.execute(
                "SELECT meta FROM documents WHERE id = ?", (other,)).fetchone()[0])}
            origin_id, reasons = choose_origin(members, rel_meta, [best], {})
            family = Family("", origin_id, reasons, members, ())
            return QueryResult(doc, related, family, best, origin_id == doc.id, known)
        origin_rel = next((r for r in related if family.origin in (r.a, r.b)), None)
        if origin_rel is None and family.origin != doc.id:
            orow = db.execute("SELECT rowid FROM documents WHERE id = ?", (family.origin,)).fetchone()
            origin_rel = self._relations([(qid, orow[0])], (doc, fresh), differences=True).get((qid, orow[0]))
        rel_rows = [relation_from_record(r[0]) for r in db.execute(
            "SELECT p.data FROM pairs p JOIN documents d ON d.rowid = p.a JOIN documents e ON e.rowid = p.b "
            "WHERE d.family = ?1 AND e.family = ?1 AND p.relation != 'unrelated'", (fid,))]
        meta = {doc.id: doc.meta}
        words = {doc.id: fresh.words[0]}
        for did, m, w in db.execute("SELECT id, meta, words FROM documents WHERE family = ?", (fid,)):
            meta[did] = orjson.loads(m)
            words[did] = w
        mine = [r for r in related if r.a in meta and r.b in meta]
        members = tuple(sorted(set(family.members) | {doc.id}))
        origin_id, _ = choose_origin(members, meta, rel_rows + mine, words)
        return QueryResult(doc, related, family, origin_rel, origin_id == doc.id, known)


# -- serialisation -------------------------------------------------------------------------------


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))


def _chunks(items: Sequence[int] | Sequence[str], size: int) -> Iterator[list]:
    items = list(items)
    for k in range(0, len(items), size):
        yield items[k : k + size]
