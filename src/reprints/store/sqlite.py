"""Every SQL statement the store runs once it is open, behind one table interface.

:class:`Tables` wraps the connection; each method is one statement (or one
statement over chunks of ids, SQLite takes at most 999 parameters) and speaks
rowids, ids, bytes and rows. What the rows mean, and what to do with them, is
for :mod:`reprints.store.store` and :mod:`reprints.store.incremental`.
"""

from __future__ import annotations

import sqlite3
from typing import Iterable, Iterator, Sequence

import orjson

__all__ = ["Tables", "chunks"]


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of at most ``size``.

    >>> list(chunks(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    items = list(items)
    for k in range(0, len(items), size):
        yield items[k : k + size]


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))


class Tables:
    """The store's tables (``info``, ``documents``, ``bands``, ``marks``, ``pairs``,
    ``prepared``, ``families``) as methods over one connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- transactions and info ---------------------------------------------------------------------

    def begin(self, immediate: bool = True) -> None:
        """Start a transaction: ``immediate`` takes the write lock now; otherwise a read snapshot."""
        self.db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        """Undo the transaction in progress, if any."""
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def close(self) -> None:
        self.db.close()

    def info(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise sqlite3.DatabaseError(f"store is missing its {key!r} entry")
        return row[0]

    def set_info(self, key: str, value: str) -> None:
        self.db.execute("UPDATE info SET value = ? WHERE key = ?", (value, key))

    # -- documents ---------------------------------------------------------------------------------

    def count_documents(self, up_to: int | None = None) -> int:
        """Stored documents (with rowid at most ``up_to``, when given)."""
        if up_to is None:
            return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]
        return self.db.execute("SELECT count(*) FROM documents WHERE rowid <= ?", (up_to,)).fetchone()[0]

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY rowid")]

    def has_document(self, doc_id: object) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None

    def document(self, doc_id: str) -> tuple | None:
        """``(id, text, meta, header)`` of one document."""
        return self.db.execute("SELECT id, text, meta, header FROM documents WHERE id = ?", (doc_id,)).fetchone()

    def documents_by_id(self, ids: Sequence[str]) -> Iterator[tuple]:
        """``(id, text, meta, header)`` of the stored ones among ``ids``."""
        for chunk in chunks(ids, 900):
            yield from self.db.execute(f"SELECT id, text, meta, header FROM documents WHERE id IN ({_marks(chunk)})",
                                       chunk)

    def documents_by_rowid(self, rowids: Sequence[int]) -> Iterator[tuple]:
        """``(rowid, id, text, meta, header, body_hash, n_shingles)`` of ``rowids``."""
        for chunk in chunks(rowids, 900):
            yield from self.db.execute(f"SELECT rowid, id, text, meta, header, body_hash, n_shingles FROM "
                                       f"documents WHERE rowid IN ({_marks(chunk)})", chunk)

    def rowid_family(self, doc_id: str) -> tuple[int, str | None] | None:
        return self.db.execute("SELECT rowid, family FROM documents WHERE id = ?", (doc_id,)).fetchone()

    def rowid_hash(self, doc_id: str) -> tuple[int, bytes] | None:
        return self.db.execute("SELECT rowid, hash FROM documents WHERE id = ?", (doc_id,)).fetchone()

    def rowid_of(self, doc_id: str) -> int | None:
        row = self.db.execute("SELECT rowid FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def family_of(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT family FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def meta_of(self, doc_id: str) -> str:
        return self.db.execute("SELECT meta FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]

    def rowids_of(self, ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in chunks(sorted(ids), 900):
            out.update(self.db.execute(f"SELECT id, rowid FROM documents WHERE id IN ({_marks(chunk)})",
                                       chunk).fetchall())
        return out

    def known(self, ids: Sequence[str]) -> dict[str, tuple[int, bytes]]:
        """``{id: (rowid, content hash)}`` of the stored ones among ``ids``."""
        out: dict[str, tuple[int, bytes]] = {}
        for chunk in chunks(ids, 900):
            out.update((r[0], (r[1], r[2])) for r in self.db.execute(
                f"SELECT id, rowid, hash FROM documents WHERE id IN ({_marks(chunk)})", chunk))
        return out

    def insert_document(self, row: tuple) -> int:
        """Insert ``(id, hash, text, meta, header, words, body_hash, n_shingles, signature, lead, added)``;
        returns the new rowid."""
        cur = self.db.execute(
            "INSERT INTO documents(id, hash, text, meta, header, words, body_hash, n_shingles, signature, "
            "lead, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        return cur.lastrowid

    def sketches(self, rowids: Sequence[int]) -> Iterator[tuple[int, bytes, int, int]]:
        """``(rowid, signature, n_shingles, body_hash)`` of ``rowids``."""
        for chunk in chunks(rowids, 900):
            yield from self.db.execute(f"SELECT rowid, signature, n_shingles, body_hash FROM documents "
                                       f"WHERE rowid IN ({_marks(chunk)})", chunk)

    def first_copies(self, hashes: Sequence[int], skip: int | None) -> dict[int, int]:
        """``{body hash: first rowid}`` among documents with text, ``skip`` left out."""
        out: dict[int, int] = {}
        for chunk in chunks(hashes, 900):
            for h, doc in self.db.execute(f"SELECT body_hash, min(rowid) FROM documents WHERE n_shingles > 0 AND "
                                          f"rowid != ? AND body_hash IN ({_marks(chunk)}) GROUP BY body_hash",
                                          [-1 if skip is None else skip, *chunk]):
                out[h] = doc
        return out

    def copies(self, body_hash: int, skip: int | None = None, limit: int = -1) -> list[int]:
        """Rowids of the documents with text of one body, in order (``skip`` left out)."""
        return [r[0] for r in self.db.execute(
            "SELECT rowid FROM documents WHERE body_hash = ? AND n_shingles > 0 AND rowid != ? ORDER BY rowid LIMIT ?",
            (body_hash, -1 if skip is None else skip, limit))]

    def bodies(self, rowids: Sequence[int]) -> set[int]:
        """Body hashes of the documents with text among ``rowids``."""
        out: set[int] = set()
        for chunk in chunks(rowids, 400):
            out.update(r[0] for r in self.db.execute(
                f"SELECT body_hash FROM documents WHERE n_shingles > 0 AND rowid IN ({_marks(chunk)})", chunk))
        return out

    def delete_documents(self, rowids: Sequence[int]) -> None:
        """Delete documents with their bands, marks, prepared vectors and pairs."""
        for chunk in chunks(rowids, 400):
            marks = _marks(chunk)
            for table, col in (("bands", "doc"), ("marks", "doc"), ("prepared", "doc"), ("pairs", "a"), ("pairs", "b"),
                               ("documents", "rowid")):
                self.db.execute(f"DELETE FROM {table} WHERE {col} IN ({marks})", chunk)

    def doc_info(self, rowids: Sequence[int]) -> Iterator[tuple[int, str, str, int]]:
        """``(rowid, id, meta, words)`` of ``rowids``."""
        for chunk in chunks(sorted(rowids), 900):
            yield from self.db.execute(f"SELECT rowid, id, meta, words FROM documents WHERE rowid IN "
                                       f"({_marks(chunk)})", chunk)

    # -- leads -------------------------------------------------------------------------------------

    def leads_after(self, rowid: int) -> list[tuple[int, bytes, str | None]]:
        """``(rowid, lead, language)`` of documents after ``rowid``, in order."""
        return self.db.execute("SELECT rowid, lead, json_extract(meta, '$.lang') FROM documents WHERE rowid > ? "
                               "ORDER BY rowid", (rowid,)).fetchall()

    def tops(self) -> bytes:
        """Every document's best lead cosines, in rowid order, as one buffer."""
        return b"".join(r[0] for r in self.db.execute("SELECT top FROM documents ORDER BY rowid"))

    def set_tops(self, rows: Iterable[tuple[bytes, int]]) -> None:
        """Store ``(top, rowid)`` rows."""
        self.db.executemany("UPDATE documents SET top = ? WHERE rowid = ?", rows)

    # -- bands -------------------------------------------------------------------------------------

    def insert_bands(self, rows: Iterable[tuple[int, int]]) -> None:
        """Store ``(key, rowid)`` rows."""
        self.db.executemany("INSERT INTO bands(key, doc) VALUES (?, ?)", rows)

    def band_members(self, keys: Sequence[int]) -> Iterator[tuple[int, int]]:
        """``(key, rowid)`` of every stored document holding one of ``keys``."""
        for chunk in chunks(keys, 900):
            yield from self.db.execute(f"SELECT key, doc FROM bands WHERE key IN ({_marks(chunk)})", chunk)

    # -- marks -------------------------------------------------------------------------------------

    def insert_marks(self, rows: Iterable[tuple[int, int]]) -> None:
        """Store ``(mark, rowid)`` rows (a document's marks, each once)."""
        self.db.executemany("INSERT OR IGNORE INTO marks(key, doc) VALUES (?, ?)", rows)

    def keys_of(self, table: str, rowids: Sequence[int]) -> set[int]:
        """The distinct band keys (``table`` "bands") or marks ("marks") of ``rowids``."""
        assert table in ("bands", "marks")
        out: set[int] = set()
        for chunk in chunks(sorted(rowids), 900):
            out.update(r[0] for r in self.db.execute(f"SELECT DISTINCT key FROM {table} WHERE doc IN ({_marks(chunk)})",
                                                     chunk))
        return out

    def marks_by_doc(self, rowids: Sequence[int]) -> Iterator[tuple[int, int]]:
        """``(rowid, mark)`` of every mark of ``rowids``."""
        for chunk in chunks(sorted(rowids), 900):
            yield from self.db.execute(f"SELECT doc, key FROM marks WHERE doc IN ({_marks(chunk)})", chunk)

    def added_rows(self) -> Iterator[tuple[str, int, float, str]]:
        """``(id, rowid, added, meta)`` of every document."""
        yield from self.db.execute("SELECT id, rowid, added, meta FROM documents")

    def mark_members(self, keys: Sequence[int], first: int) -> Iterator[tuple[int, int]]:
        """``(mark, rowid)`` of the first ``first`` stored documents (by rowid) holding each of ``keys``.

        One indexed query per mark, each stopping after ``first`` rows: a mark
        of boilerplate is held by thousands of documents, and a window function
        over ``key IN (...)`` read them all (37 ms a query on the 100,000-document
        store, against 1.2 ms this way)."""
        query = "SELECT key, doc FROM marks WHERE key = ? ORDER BY doc LIMIT ?"
        for key in keys:
            yield from self.db.execute(query, (key, first))

    def mark_counts(self, rowids: Sequence[int]) -> Iterator[tuple[int, int]]:
        """``(rowid, distinct marks)`` of those of ``rowids`` holding any."""
        for chunk in chunks(sorted(rowids), 900):
            yield from self.db.execute(f"SELECT doc, count(*) FROM marks WHERE doc IN ({_marks(chunk)}) GROUP BY doc",
                                       chunk)

    # -- pairs -------------------------------------------------------------------------------------

    def pair(self, a: int, b: int) -> bytes | None:
        """The stored relation of rowids ``a < b``, or None."""
        row = self.db.execute("SELECT data FROM pairs WHERE a = ? AND b = ?", (a, b)).fetchone()
        return row[0] if row else None

    def put_pairs(self, rows: Iterable[tuple]) -> None:
        """Store ``(a, b, relation, score, lexical, cos, active, data)`` rows, replacing old ones."""
        self.db.executemany("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def related_pairs_of(self, rowid: int) -> list[bytes]:
        """Related pairs of one document, best first."""
        return [r[0] for r in self.db.execute(
            "SELECT data FROM pairs WHERE (a = ?1 OR b = ?1) AND relation != 'unrelated' ORDER BY score DESC",
            (rowid,))]

    def active_related_pairs(self) -> list[bytes]:
        return [r[0] for r in self.db.execute("SELECT data FROM pairs WHERE active = 1 AND relation != 'unrelated'")]

    def active_related_touching(self, rowids: Sequence[int]) -> Iterator[tuple[int, int, bytes]]:
        """``(a, b, data)`` of active related pairs with a side among ``rowids``."""
        for chunk in chunks(rowids, 400):
            marks = _marks(chunk)
            yield from self.db.execute(f"SELECT a, b, data FROM pairs WHERE active = 1 AND relation != "
                                       f"'unrelated' AND (a IN ({marks}) OR b IN ({marks}))", chunk + chunk)

    def related_touching(self, rowids: Sequence[int]) -> Iterator[tuple[int, int]]:
        """``(a, b)`` of related pairs (active or not) with a side among ``rowids``."""
        for chunk in chunks(rowids, 400):
            marks = _marks(chunk)
            yield from self.db.execute(f"SELECT a, b FROM pairs WHERE relation != 'unrelated' AND "
                                       f"(a IN ({marks}) OR b IN ({marks}))", chunk + chunk)

    def semantic_pairs_touching(self, rowids: Sequence[int]) -> list[tuple[int, int, float, int, str]]:
        """``(a, b, cos, active, relation)`` of pairs found by meaning only, with a side among ``rowids``."""
        out = []
        for chunk in chunks(rowids, 400):
            marks = _marks(chunk)
            out += self.db.execute(f"SELECT a, b, cos, active, relation FROM pairs WHERE lexical = 0 AND "
                                   f"(a IN ({marks}) OR b IN ({marks}))", chunk + chunk).fetchall()
        return out

    def set_active(self, a: int, b: int, active: bool) -> None:
        self.db.execute("UPDATE pairs SET active = ? WHERE a = ? AND b = ?", (int(active), a, b))

    def is_lexical(self, a: int, b: int) -> bool | None:
        """Whether a stored pair is a lexical candidate (None: not stored)."""
        row = self.db.execute("SELECT lexical FROM pairs WHERE a = ? AND b = ?", (a, b)).fetchone()
        return None if row is None else bool(row[0])

    def make_lexical(self, a: int, b: int) -> bool:
        """Mark a stored pair as a lexical, active candidate; False when it is not stored."""
        return self.db.execute("UPDATE pairs SET lexical = 1, active = 1 WHERE a = ? AND b = ?", (a, b)).rowcount > 0

    def family_pairs(self, family_id: str) -> list[bytes]:
        """Related pairs with both sides in one family."""
        return [r[0] for r in self.db.execute(
            "SELECT p.data FROM pairs p JOIN documents d ON d.rowid = p.a JOIN documents e ON e.rowid = p.b "
            "WHERE d.family = ?1 AND e.family = ?1 AND p.relation != 'unrelated'", (family_id,))]

    # -- prepared (passage vectors) ----------------------------------------------------------------

    def prepared(self, rowids: Sequence[int]) -> Iterator[tuple[int, bytes, bytes, str]]:
        """``(rowid, vectors, quote vectors, languages)`` of the prepared ones among ``rowids``."""
        for chunk in chunks(rowids, 900):
            yield from self.db.execute(f"SELECT doc, vectors, quotes, langs FROM prepared "
                                       f"WHERE doc IN ({_marks(chunk)})", chunk)

    def put_prepared(self, rowid: int, vectors: bytes, quotes: bytes, langs: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO prepared VALUES (?, ?, ?, ?)", (rowid, vectors, quotes, langs))

    # -- families ----------------------------------------------------------------------------------

    def family_rows(self) -> list[bytes]:
        return [r[0] for r in self.db.execute("SELECT data FROM families")]

    def family_page(self, limit: int, offset: int) -> tuple[list[bytes], int]:
        """Family rows largest first, then by origin, and the number of families."""
        # the page's rowids from the (size, origin) index first, then only their rows
        rows = [r[0] for r in self.db.execute(
            "SELECT f.data FROM (SELECT rowid AS r, size, origin FROM families ORDER BY size DESC, origin "
            "LIMIT ? OFFSET ?) AS p JOIN families AS f ON f.rowid = p.r ORDER BY p.size DESC, p.origin",
            (limit, offset))]
        return rows, self.db.execute("SELECT count(*) FROM families").fetchone()[0]

    def family_row(self, family_id: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM families WHERE id = ?", (family_id,)).fetchone()
        return row[0] if row else None

    def families_of(self, rowids: Sequence[int]) -> set[str]:
        """Ids of the families the documents ``rowids`` belong to."""
        out: set[str] = set()
        for chunk in chunks(sorted(rowids), 900):
            out.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT family FROM documents WHERE family IS NOT NULL AND rowid IN ({_marks(chunk)})",
                chunk))
        return out

    def member_rowids(self, family_id: str) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT rowid FROM documents WHERE family = ?", (family_id,))}

    def member_ids(self, family_id: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM documents WHERE family = ?", (family_id,))}

    def member_info(self, family_id: str) -> Iterator[tuple[str, str, int]]:
        """``(id, meta, words)`` of a family's members."""
        yield from self.db.execute("SELECT id, meta, words FROM documents WHERE family = ?", (family_id,))

    def delete_family(self, family_id: str) -> None:
        self.db.execute("DELETE FROM families WHERE id = ?", (family_id,))

    def delete_empty_families(self) -> None:
        """Families none of whose members is stored any more."""
        self.db.execute("DELETE FROM families WHERE id NOT IN (SELECT family FROM documents WHERE family IS NOT NULL)")

    def clear_family(self, rowids: Sequence[int]) -> None:
        for chunk in chunks(sorted(rowids), 900):
            self.db.execute(f"UPDATE documents SET family = NULL WHERE rowid IN ({_marks(chunk)})", chunk)

    def put_family(self, family_id: str, origin: str, size: int, data: bytes, rowids: Sequence[int]) -> None:
        """Store a family and mark its members."""
        self.db.execute("INSERT INTO families VALUES (?, ?, ?, ?)", (family_id, origin, size, data))
        for chunk in chunks(rowids, 900):
            self.db.execute(f"UPDATE documents SET family = ? WHERE rowid IN ({_marks(chunk)})", [family_id, *chunk])

    # -- counts and checks -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Documents, families, pairs aligned and pairs related."""
        q = self.db.execute
        return {
            "documents": q("SELECT count(*) FROM documents").fetchone()[0],
            "families": q("SELECT count(*) FROM families").fetchone()[0],
            "pairs": q("SELECT count(*) FROM pairs").fetchone()[0],
            "related_pairs": q("SELECT count(*) FROM pairs WHERE active = 1 AND relation != 'unrelated'").fetchone()[0],
        }

    def problems(self, bands_per_document: int, semantic: bool) -> list[str]:
        """What is inconsistent: SQLite's integrity check, band keys, pairs and
        families against the documents, and missing lead vectors."""
        q = self.db.execute
        try:
            out = [line for r in q("PRAGMA integrity_check(20)") if r[0] != "ok"
                   for line in r[0].splitlines() if not line.startswith("***")]
        except sqlite3.DatabaseError as exc:  # damage where the check itself starts
            return [f"SQLite cannot read it: {exc}"]
        if out:  # the other checks would read the damaged pages
            return out
        nb = q("SELECT count(*) FROM documents WHERE n_shingles > 0").fetchone()[0]
        have = q("SELECT count(*) FROM bands").fetchone()[0]
        if have != nb * bands_per_document:
            out.append(f"{have} band keys for {nb} documents with text ({bands_per_document} each expected)")
        orphans = q("SELECT count(*) FROM bands WHERE doc NOT IN (SELECT rowid FROM documents)").fetchone()[0]
        if orphans:
            out.append(f"{orphans} band keys of missing documents")
        has_marks = q("SELECT count(*) FROM sqlite_master WHERE name = 'marks'").fetchone()[0]  # (schema 1: none)
        orphans = has_marks and q("SELECT count(*) FROM marks WHERE doc NOT IN (SELECT rowid FROM documents)"
                                  ).fetchone()[0]
        if orphans:
            out.append(f"{orphans} marks of missing documents")
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
        if semantic:
            missing = q("SELECT count(*) FROM documents WHERE lead IS NULL OR top IS NULL").fetchone()[0]
            if missing:
                out.append(f"{missing} documents without a lead vector")
        return out
