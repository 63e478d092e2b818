"""The store: a persistent index in one SQLite file that grows one batch at a time.

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

Layers: :mod:`~reprints.store.schema` opens, creates and migrates the file;
:mod:`~reprints.store.sqlite` holds every SQL statement; what a batch
changes is decided in :mod:`~reprints.store.incremental` and, for lead
vectors, :mod:`reprints.leads`, neither of which knows SQL; this module runs
them: open, add, query and the reads.

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

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import orjson

from reprints.align import TokenizedText, WordChange, tokenize
from reprints.align_semantic import SemanticText, prepare_many, rebuild
from reprints.candidates import band_keys
from reprints.config import ScanParams
from reprints.document import Document, LoadProblem, id_problem
from reprints.embed import DIM
from reprints.families import Family, choose_origin, settle_families
from reprints.leads import LeadIndex
from reprints.normalize import NormText, normalize
from reprints.pipeline import ScanResult
from reprints.progress import Progress
from reprints.records import (document_from_record, document_record, family_from_row, relation_from_record,
                              relation_record)
from reprints.relate import Relation, changes_by_pair, needs_meaning, relate_meaning, relate_words
from reprints.sketch import same_body, sketch_batch, with_language
from reprints.store.incremental import (admitted_pairs, bucket_pairs, content_hash, marked_pairs, stable_ids,
                                       verified_pairs)
from reprints.store.schema import StoreError, connect
from reprints.store.sqlite import Tables, chunks

__all__ = ["Store", "AddResult", "QueryResult", "RemoveResult"]

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
class RemoveResult:
    """What one :meth:`Store.remove` or :meth:`Store.expire` did: documents
    ``removed``, ids asked for that are not stored (``missing``), and the
    families rebuilt."""

    removed: int = 0
    missing: list[str] = field(default_factory=list)
    families_rebuilt: int = 0
    seconds: float = 0.0


@dataclass
class QueryResult:
    """How one document relates to what the store holds, without adding it.

    ``relations``: its related stored versions, best first (the query document
    is ``a`` or ``b`` by its id). ``family``: the family of the best one.
    ``origin``: its relation to that family's origin. ``would_be_origin``:
    whether it would take the origin's place if added (older, agency credit...).
    ``known``: the same id and content are already stored. ``changes``: the
    words changed inside the passages of each of those relations, by pair of ids
    (:func:`reprints.align.word_changes`); in JSON each change also gives the
    words of both sides (``a_words``, ``b_words``). ``texts``: the texts of the
    stored versions those offsets index.
    """

    document: Document
    relations: list[Relation]
    family: Family | None
    origin: Relation | None
    would_be_origin: bool
    known: bool
    seconds: float = 0.0
    changes: dict[frozenset[str], tuple[WordChange, ...]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def text_of(self, doc_id: str) -> str | None:
        """The text of the query document or of a stored version it was compared with."""
        return self.document.text if doc_id == self.document.id else self.texts.get(doc_id)

    def _row(self, r: Relation) -> dict[str, object]:
        row = r.as_dict()
        a, b = self.text_of(r.a) or "", self.text_of(r.b) or ""
        row["changes"] = [{**c.as_dict(), "a_words": a[c.a_start:c.a_end], "b_words": b[c.b_start:c.b_end]}
                          for c in self.changes.get(frozenset((r.a, r.b)), ())]
        return row

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
            "relation_to_origin": self._row(self.origin) if self.origin else None,
            "would_be_origin": self.would_be_origin,
            "matches": [self._row(r) for r in self.relations],
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
    marks: list[np.ndarray]


class Store:
    """A reprints index in one SQLite file: add documents over time, query one
    at a time, list families, export what :func:`~reprints.pipeline.scan` writes.

    ``params`` apply when the file is created and are kept in it; an existing
    store uses its own. ``readonly`` opens for queries only. Use as a context
    manager, or call :meth:`close`. One process may write at a time; any number
    may read. Methods are safe to call from several threads (they take turns).
    Opening for writes first reads every page (SQLite's quick check) and
    refuses a damaged file; ``check_pages=False`` skips that for a second
    connection to a store the caller has just opened and checked.
    """

    def __init__(self, path: str | os.PathLike[str], params: ScanParams | None = None, *,
                 readonly: bool = False, check_pages: bool = True) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._leads: LeadIndex | None = None
        self._generation = -1
        db, self.params = connect(self.path, params, readonly, check_pages)
        self._t = Tables(db)

    def close(self) -> None:
        """Close the file (pending work is already committed)."""
        with self._lock:
            self._t.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._lock:
            return self._t.count_documents()

    def families(self) -> list[Family]:
        """All families, largest first (then by origin), as ``scan`` orders them."""
        return self.families_page(-1)[0]

    def families_page(self, limit: int, offset: int = 0) -> tuple[list[Family], int]:
        """``limit`` families from ``offset`` on (-1: all), largest first, then by
        origin, and how many there are: a page read in SQL."""
        with self._lock:
            rows, total = self._t.family_page(limit, offset)
        return [family_from_row(orjson.loads(r)) for r in rows], total

    def family(self, family_id: str) -> Family | None:
        """One family by id, or None."""
        with self._lock:
            row = self._t.family_row(family_id)
        return family_from_row(orjson.loads(row)) if row else None

    def ids(self) -> list[str]:
        """Every stored document's id, in the order they were added."""
        with self._lock:
            return self._t.ids()

    def __contains__(self, doc_id: object) -> bool:
        """Whether a document of this id is stored (``"wire/a.txt" in store``)."""
        with self._lock:
            return self._t.has_document(doc_id)

    def document(self, doc_id: str) -> Document | None:
        """A stored document by id, or None."""
        with self._lock:
            row = self._t.document(doc_id)
        return document_from_record(row) if row else None

    def versions(self, doc_id: str) -> tuple[Family | None, list[Relation]]:
        """The family of a stored document and its relations to the other
        versions the store has aligned it with (related ones only)."""
        with self._lock:
            row = self._t.rowid_family(doc_id)
            if row is None:
                raise KeyError(doc_id)
            rels = [relation_from_record(r) for r in self._t.related_pairs_of(row[0])]
        return (self.family(row[1]) if row[1] else None), rels

    def result(self, documents: bool = True) -> ScanResult:
        """Everything as a :class:`~reprints.pipeline.ScanResult`: the pairs and
        families ``scan`` would give for the stored corpus. ``documents`` holds
        the family members only (all of them, unless ``documents`` is False;
        ``stats`` counts every stored document)."""
        with self._lock:
            t = self._t
            fams = self.families()
            fills = set()
            for data in t.family_rows():
                fills.update(tuple(p) for p in orjson.loads(data)["fills"])
            rels = [relation_from_record(r) for r in t.active_related_pairs()]
            have = {(r.a, r.b) for r in rels}
            rowid = t.rowids_of(sorted({x for pair in fills for x in pair}))
            for a, b in sorted(fills):
                ra, rb = sorted((rowid[a], rowid[b]))
                rel = relation_from_record(t.pair(ra, rb))
                if rel.relation != "unrelated" and (rel.a, rel.b) not in have:
                    rels.append(rel)
            n = t.count_documents()
            docs: list[Document] = []
            if documents:
                members = [m for f in fams for m in f.members]
                found = {row[0]: document_from_record(row) for row in t.documents_by_id(members)}
                docs = [found[m] for m in members if m in found]
        rels.sort(key=lambda r: (r.a, r.b))
        return ScanResult(docs, rels, fams, [], {"documents": n, "families": len(fams)})

    def stats(self) -> dict[str, float]:
        """Counts: documents, families, pairs aligned, pairs related, bytes on disk."""
        with self._lock:
            out: dict[str, float] = dict(self._t.counts())
        out["bytes"] = sum(f.stat().st_size for f in (self.path, Path(f"{self.path}-wal")) if f.exists())
        return out

    def check(self) -> list[str]:
        """Consistency problems (none on a healthy store): SQLite's integrity
        check, and that every document, band, pair and family agrees with the
        others. Used after crashes and in tests."""
        with self._lock:
            bands = self.params.lsh.layout(self.params.sketch.num_perm)[0]
            return self._t.problems(bands, self.params.semantic)

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
            problem = id_problem(item.id) if isinstance(item, Document) else None
            if problem is not None:  # documents made in code, not by the loaders, which check already
                item = LoadProblem(ascii(item.id), None, problem)
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

    def remove(self, ids: Iterable[str]) -> RemoveResult:
        """Forget documents by id, in one transaction: their pairs, bands and
        marks go, and the families they were in are rebuilt as a scan of what
        remains would build them (the next copy of a body becomes the centre of
        its star; a full band bucket or mark admits the next holder).

        >>> import tempfile, os
        >>> from reprints.load import document_from_text
        >>> body = "Rail workers across the region will strike for two days next week over pay and rosters."
        >>> with Store(os.path.join(tempfile.mkdtemp(), "s.db"), ScanParams(semantic=False)) as s:
        ...     _ = s.add([document_from_text("a", body), document_from_text("b", "Strike\\n\\n" + body)])
        ...     gone = s.remove(["a", "zzz"])
        ...     left = [f.members for f in s.families()]
        >>> gone.removed, gone.missing, left
        (1, ['zzz'], [])
        """
        want = list(dict.fromkeys(ids))
        return self._forget(lambda t: t.rowids_of(want), want)

    def expire(self, older_than: float, by: str = "added", now: float | None = None) -> RemoveResult:
        """Forget the documents older than ``older_than`` seconds: by when they
        were added (``by="added"``), or by their own date (``"date"``; those
        without one by when they were added). A news feed never ends; a store
        that keeps a window of it stays the size of the window.

        >>> import tempfile, os
        >>> from reprints.load import document_from_text
        >>> with Store(os.path.join(tempfile.mkdtemp(), "s.db"), ScanParams(semantic=False)) as s:
        ...     _ = s.add([document_from_text("old", "Dated 2001-05-03. A vote in the council.", {"date": "2001-05-03"}),
        ...                document_from_text("new", "A vote in the council today, on the budget.")])
        ...     gone = s.expire(365 * 86400, by="date")
        ...     left = len(s)
        >>> gone.removed, left
        (1, 1)
        """
        if by not in ("added", "date"):
            raise ValueError(f"expire by 'added' or 'date', got {by!r}")
        if not older_than >= 0:
            raise ValueError(f"older_than must be at least 0 seconds, got {older_than}")
        cutoff = (time.time() if now is None else now) - older_than

        def pick(t: Tables) -> dict[str, int]:
            out = {}
            for doc_id, rowid, added, meta in t.added_rows():
                when = _date_seconds(orjson.loads(meta).get("date")) if by == "date" else None
                if (added if when is None else when) < cutoff:
                    out[doc_id] = rowid
            return out

        return self._forget(pick)

    def _forget(self, pick: Callable[[Tables], dict[str, int]], asked: Sequence[str] = ()) -> RemoveResult:
        """Remove the documents ``pick`` chooses (``{id: rowid}``, read inside
        the transaction) and rebuild their families; ``asked``: ids the caller
        named, those not stored are reported missing."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        t0 = time.perf_counter()
        out = RemoveResult()

        def work(leads: LeadIndex | None) -> bool:
            chosen = pick(self._t)
            out.removed = len(chosen)
            out.missing = [i for i in asked if i not in chosen]
            if chosen:
                seeds = self._remove(sorted(chosen.values()), leads)
                out.families_rebuilt = self._refamily(seeds, leads) if seeds else 0
            return bool(chosen)

        with self._lock:
            self._write(work)
        out.seconds = time.perf_counter() - t0
        return out

    def _write(self, work: Callable[[LeadIndex | None], bool]) -> None:
        """Run ``work`` as one write transaction: it gets a copy of the lead
        index to change and says whether it changed the store (the generation
        then moves on, so other processes catch up). On any error nothing is
        kept, and the leads are reloaded on next use."""
        t = self._t
        t.begin()
        try:
            self._sync()
            leads = self._leads.copy() if self._leads is not None else None
            changed = work(leads)
            if changed:
                gen = int(t.info("generation")) + 1
                t.set_info("generation", str(gen))
            t.commit()
        except BaseException:
            t.rollback()
            self._leads, self._generation = None, -1  # reload on next use
            raise
        if changed:
            self._leads, self._generation = leads, gen

    def _add_batch(self, docs: list[Document]) -> AddResult:
        t = self._t
        out = AddResult()

        def work(leads: LeadIndex | None) -> bool:
            known = t.known([d.id for d in docs])
            fresh, stale = [], []
            for d in docs:
                have = known.get(d.id)
                if have and have[1] == content_hash(d):
                    out.unchanged += 1
                    continue
                if have:
                    stale.append(have[0])
                    out.updated += 1
                else:
                    out.added += 1
                fresh.append(d)
            seeds: set[int] = set()
            if stale:
                seeds |= self._remove(stale, leads)
            if fresh:
                seeds |= self._insert(self._sketch(fresh), leads)
            out.families_rebuilt = self._refamily(seeds, leads) if seeds else 0
            return True  # the generation moves on with every batch, as it always did

        self._write(work)
        return out

    def _sync(self) -> None:
        """Catch up with what other processes wrote since we last read: new leads
        are appended and every background reread; a removal (rowids are never
        reused, so the count shows it) reloads everything."""
        t = self._t
        gen = int(t.info("generation"))
        if gen == self._generation and (self._leads is not None or not self.params.semantic):
            return
        old, self._leads = self._leads, None
        if self.params.semantic:
            last = int(old.rowids[-1]) if old is not None and len(old.rowids) else 0
            if old is None or t.count_documents(up_to=last) != len(old.rowids):
                sp = self.params.semantic_index
                old, last = LeadIndex(sp.k, by_language=sp.by_language), 0
            rows = t.leads_after(last)
            rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vec = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16)
            self._leads = old.extended(rowids, vec, np.frombuffer(t.tops(), dtype=np.float32),
                                       [r[2] for r in rows])
        self._generation = gen

    def _sketch(self, docs: list[Document]) -> _Fresh:
        """Normalize, sketch and (with semantic matching) embed the leads of new documents."""
        p = self.params
        hashes = [content_hash(d) for d in docs]  # before the language joins the metadata
        norms = [normalize(d) for d in docs]
        got = sketch_batch(norms, [d.meta.get("title", "") for d in docs], p.sketch, p.semantic)
        sk = got.sketches
        if got.langs:
            docs = [with_language(d, lang) for d, lang in zip(docs, got.langs)]
        bands, rows = p.lsh.layout(p.sketch.num_perm)
        keys = band_keys(sk.signatures, bands, rows).view(np.int64)
        marks = [sk.marks_of(i).view(np.int64) for i in range(len(docs))]  # each distinct mark once already
        return _Fresh(docs, hashes, norms, [len(tokenize(n)) for n in norms], sk.signatures, sk.n_shingles,
                      sk.body_hash.astype(np.uint64).view(np.int64), keys, got.leads, marks)

    def _insert(self, fresh: _Fresh, leads: LeadIndex | None) -> set[int]:
        """Write new documents, find and align their candidate pairs; returns
        the documents whose families must be rebuilt."""
        t = self._t
        now = time.time()
        rowids = []
        for i, d in enumerate(fresh.docs):
            _, text, meta, header = document_record(d)
            rowids.append(t.insert_document((
                d.id, fresh.hashes[i], text, meta, header, fresh.words[i], int(fresh.body_hash[i]),
                int(fresh.n_shingles[i]), fresh.signatures[i].tobytes(),
                None if fresh.leads is None else fresh.leads[i].tobytes(), now)))
        live = [k for k in range(len(rowids)) if fresh.n_shingles[k] > 0]
        t.insert_bands((int(key), rowids[k]) for k in live for key in fresh.keys[k])
        t.insert_marks((int(m), rowids[k]) for k in live for m in fresh.marks[k])
        pairs: dict[tuple[int, int], bool] = {(a, b): True for a, b in self._lexical(rowids, fresh)}
        seeds = set(rowids)
        if leads is not None:
            sem, rose, changed = leads.grow(rowids, fresh.leads, self.params.semantic_index,
                                            [d.meta.get("lang") for d in fresh.docs])
            seeds |= self._recheck(leads, rose) if rose else set()
            t.set_tops((leads.stored_top(j), int(leads.rowids[j])) for j in changed)
            for pair in sem:
                pairs.setdefault(pair, False)
        self._align(pairs, leads, active_lexical=True)
        return seeds

    def _lexical(self, rowids: list[int], fresh: _Fresh, query: bool = False,
                 skip: int | None = None) -> list[tuple[int, int]]:
        """Stored documents sharing a band bucket or the body hash with each new
        one, verified on the full signatures as in
        :func:`~reprints.candidates.candidate_pairs`. For a query the new
        document is not stored (``rowids`` holds a placeholder) and may meet
        any stored document but ``skip`` (its own stored copy)."""
        t = self._t
        p = self.params.lsh
        want = sorted({int(k) for i in range(len(rowids)) if fresh.n_shingles[i] > 0 for k in fresh.keys[i]})
        bucket: dict[int, list[int]] = {}
        for key, doc in t.band_members(want):
            if doc != skip:
                bucket.setdefault(key, []).append(doc)
        for docs in bucket.values():
            docs.sort()
        first = t.first_copies(sorted({int(h) for h in fresh.body_hash}), skip)
        found, star = bucket_pairs(rowids, fresh.keys, fresh.n_shingles, fresh.body_hash, bucket, first, p, query)
        marked: set[tuple[int, int]] = set()
        if p.min_marks:
            holders: dict[int, list[int]] = {}
            for key, doc in t.mark_members(sorted({int(m) for ms in fresh.marks for m in ms}), p.max_df):
                if doc != skip:
                    holders.setdefault(key, []).append(doc)
            for docs in holders.values():
                docs.sort()
            held = dict(t.mark_counts({d for docs in holders.values() for d in docs} - set(rowids)))
            held.update((r, len(ms)) for r, ms in zip(rowids, fresh.marks))
            marked = marked_pairs(rowids, fresh.marks, holders, held, p, query)
        if query:  # a query hears of every stored copy, not just the first
            for i, r in enumerate(rowids):
                if fresh.n_shingles[i] > 0 and int(fresh.body_hash[i]) in first:
                    star.update((c, r) for c in t.copies(int(fresh.body_hash[i]), skip, p.max_bucket))
        if not found and not star and not marked:
            return []
        others = sorted({a for a, _ in found | star | marked} - set(rowids))
        info = {rid: (np.frombuffer(sig, dtype=np.uint32), nsh, bh) for rid, sig, nsh, bh in t.sketches(others)}
        for i, r in enumerate(rowids):
            info[r] = (fresh.signatures[i], int(fresh.n_shingles[i]), int(fresh.body_hash[i]))
        return verified_pairs(found, star, info, p, marked)

    def _recheck(self, leads: LeadIndex, docs: list[int]) -> set[int]:
        """Switch stored semantic-only pairs of ``docs`` on or off by today's
        backgrounds; returns the documents of related pairs that switched."""
        rows = self._t.semantic_pairs_touching(docs)
        now = leads.candidates_among([(a, b, cos) for a, b, cos, _, _ in rows], self.params.semantic_index)
        flipped: set[int] = set()
        for (a, b, _cos, active, relation), on in zip(rows, now):
            if int(on) != active:
                self._t.set_active(a, b, on)
                if relation != "unrelated":
                    flipped |= {a, b}
        return flipped

    def _remove(self, rowids: list[int], leads: LeadIndex | None) -> set[int]:
        """Delete stored documents (replaced by new content); returns the
        documents whose families must be rebuilt."""
        t = self._t
        bodies = t.bodies(rowids)
        buckets, firsts = self._full_holders(rowids)
        seeds: set[int] = {x for pair in t.related_touching(rowids) for x in pair}
        for fid in t.families_of(rowids):  # rebuilt (keeping its id where it lives on) by _refamily
            seeds |= t.member_rowids(fid)
        t.delete_documents(rowids)
        t.delete_empty_families()  # every member replaced
        seeds -= set(rowids)
        if leads is not None:
            seeds |= self._shrink_leads(leads, rowids)
        seeds |= self._restar(bodies, leads)
        seeds |= self._admit(set(rowids), buckets, firsts, leads)
        return seeds

    def _full_holders(self, rowids: list[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """Before ``rowids`` are deleted: the band buckets they are in that hold
        more than ``max_bucket + 1`` documents (smaller ones pair all their
        members already), and the first ``max_df`` holders of their marks."""
        t, p = self._t, self.params.lsh
        buckets: dict[int, list[int]] = {}
        for key, doc in t.band_members(sorted(t.keys_of("bands", rowids))):
            buckets.setdefault(key, []).append(doc)
        firsts: dict[int, list[int]] = {}
        if p.min_marks:
            for key, doc in t.mark_members(sorted(t.keys_of("marks", rowids)), p.max_df):
                firsts.setdefault(key, []).append(doc)
        return ({k: sorted(v) for k, v in buckets.items() if len(v) > p.max_bucket + 1},
                {k: v for k, v in firsts.items() if len(v) == p.max_df})

    def _admit(self, gone: set[int], buckets: dict[int, list[int]], firsts: dict[int, list[int]],
               leads: LeadIndex | None) -> set[int]:
        """A removal from a full band bucket or from a mark's first ``max_df``
        holders lets the next documents in, as in a scan without it: align the
        candidate pairs that makes (``buckets``, ``firsts``: as
        :meth:`_full_holders` read them before the removal); returns the
        documents of pairs that became candidates."""
        t, p = self._t, self.params.lsh
        found: set[tuple[int, int]] = set()
        for old in buckets.values():
            found |= admitted_pairs(old, gone, p)
        marked: set[tuple[int, int]] = set()
        if firsts:
            first: dict[int, list[int]] = {}
            for key, doc in t.mark_members(sorted(firsts), p.max_df):
                first.setdefault(key, []).append(doc)
            admitted = sorted({d for key, docs in first.items() for d in docs} - {d for docs in firsts.values()
                                                                                  for d in docs})
            if admitted:
                theirs: dict[int, list[int]] = {}
                for doc, key in t.marks_by_doc(admitted):
                    theirs.setdefault(doc, []).append(key)
                holders: dict[int, list[int]] = {}
                for key, doc in t.mark_members(sorted({k for ks in theirs.values() for k in ks}), p.max_df):
                    holders.setdefault(key, []).append(doc)
                for docs in holders.values():
                    docs.sort()
                held = dict(t.mark_counts({d for docs in holders.values() for d in docs}))
                marked = marked_pairs(admitted, [np.array(theirs.get(a, []), dtype=np.int64) for a in admitted],
                                      holders, held, p, admitted=True)
        if not found and not marked:
            return set()
        docs = sorted({x for pair in found | marked for x in pair})
        info = {rid: (np.frombuffer(sig, dtype=np.uint32), nsh, bh) for rid, sig, nsh, bh in t.sketches(docs)}
        was_lexical = {pair: t.is_lexical(*pair) for pair in verified_pairs(found, set(), info, p, marked)}
        todo = {pair: True for pair, lexical in was_lexical.items() if lexical is None}  # never met: aligned now
        for pair in (pair for pair, lexical in was_lexical.items() if lexical is False):
            t.make_lexical(*pair)  # met before by meaning only: now a lexical candidate too
        self._align(todo, leads, active_lexical=True)
        return {x for pair, lexical in was_lexical.items() if not lexical for x in pair}

    def _restar(self, bodies: set[int], leads: LeadIndex | None) -> set[int]:
        """Copies of one body are candidates of the first copy only (see
        :mod:`reprints.candidates`); when that first copy goes, the next one
        becomes the centre, as in a scan without it."""
        t = self._t
        todo: dict[tuple[int, int], bool] = {}
        for h in sorted(bodies):
            rows = t.copies(h)
            for r in rows[1:]:
                if not t.make_lexical(rows[0], r):
                    todo[(rows[0], r)] = True
        self._align(todo, leads, active_lexical=True)
        return {x for h in sorted(bodies) for x in t.copies(h)}

    def _shrink_leads(self, leads: LeadIndex, rowids: list[int]) -> set[int]:
        """Drop leads; documents that had one among their ``k`` best get their
        background recomputed, and may gain semantic pairs (aligned here)."""
        pairs, fell, changed = leads.shrink(rowids, self.params.semantic_index)
        if not fell and not changed and not pairs:
            return set()
        self._t.set_tops((leads.stored_top(j), int(leads.rowids[j])) for j in changed)
        seeds = self._recheck(leads, fell)
        new = {k: v for k, v in pairs.items() if self._t.pair(*k) is None}
        self._align(new, leads, active_lexical=True)
        for a, b in new:
            seeds |= {a, b}
        return seeds

    def _align(self, pairs: dict[tuple[int, int], bool], leads: LeadIndex | None, active_lexical: bool,
               candidate: bool = True) -> dict[tuple[int, int], Relation]:
        """Align and relate rowid pairs (``{pair: lexical candidate?}``) exactly
        as ``scan`` does and store them; returns the relations."""
        out = self._relations(sorted(pairs))
        sp = self.params.semantic_index
        cos = {pair: leads.cosine(*pair) if leads is not None else 0.0 for pair in out}
        semantic = [pair for pair in out if not pairs[pair]]
        on = dict(zip(semantic, leads.candidates_among([(a, b, cos[(a, b)]) for a, b in semantic], sp)
                      if leads is not None else [False] * len(semantic)))
        rows = []
        for (a, b), rel in out.items():
            lexical = pairs[(a, b)]
            active = False if not candidate else active_lexical if lexical else on[(a, b)]
            rows.append((a, b, rel.relation, rel.score, int(lexical), cos[(a, b)], int(active), relation_record(rel)))
        self._t.put_pairs(rows)
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
        for row in self._t.documents_by_rowid(ids):
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
        out: dict[str, SemanticText] = {}
        for rid, vec, qvec, langs in self._t.prepared(rowids):
            norm = toks[rid].norm if rid in toks else normalize(docs[rid])
            out[docs[rid].id] = rebuild(norm, np.frombuffer(vec, np.float16).reshape(-1, DIM),
                                        np.frombuffer(qvec, np.float16).reshape(-1, DIM), orjson.loads(langs))
        need = [r for r in rowids if docs[r].id not in out]
        for chunk in chunks(need, 32):
            norms = [toks[r].norm if r in toks else normalize(docs[r]) for r in chunk]
            for r, st in zip(chunk, prepare_many(norms)):
                out[docs[r].id] = st
                if write:
                    self._t.put_prepared(r, st.vectors.astype(np.float16).tobytes(),
                                         st.quote_vectors.astype(np.float16).tobytes(),
                                         orjson.dumps(st.langs).decode())
        return out

    # -- families --------------------------------------------------------------------------------

    def _component(self, seeds: set[int]) -> tuple[set[int], list[tuple[int, int, bytes]]]:
        """All documents linked to ``seeds`` by active related pairs, and those pairs."""
        seen = set(seeds)
        frontier = sorted(seeds)
        edges: dict[tuple[int, int], bytes] = {}
        while frontier:
            nxt: set[int] = set()
            for a, b, data in self._t.active_related_touching(frontier):
                edges[(a, b)] = data
                nxt |= {a, b}
            frontier = sorted(nxt - seen)
            seen |= nxt
        return seen, [(a, b, d) for (a, b), d in edges.items()]

    def _refamily(self, seeds: set[int], leads: LeadIndex | None) -> int:
        """Rebuild the families of every group ``seeds`` touch, as ``scan``
        would (:func:`~reprints.families.settle_families`), keeping family ids."""
        t = self._t
        # the groups, grown until they hold every member of the families they touch
        docs, edges = self._component(seeds)
        while True:
            old = t.families_of(docs)
            members = {r for fid in old for r in t.member_rowids(fid)}
            if members <= docs:
                break
            docs, edges = self._component(docs | members)
        info = {rid: (did, orjson.loads(meta), words) for rid, did, meta, words in t.doc_info(docs)}
        rowid = {v[0]: k for k, v in info.items()}
        meta = {v[0]: v[1] for v in info.values()}
        words = {v[0]: v[2] for v in info.values()}
        rels = [relation_from_record(d) for _, _, d in edges]
        fills: list[Relation] = []

        def fill(missing: list[tuple[str, str]]) -> list[Relation]:
            fill_pairs = sorted({tuple(sorted((rowid[o], rowid[m]))) for o, m in missing})
            stored = {pair: relation_from_record(data) for pair in fill_pairs
                      if (data := t.pair(*pair)) is not None}
            todo = {pair: False for pair in fill_pairs if pair not in stored}
            stored.update(self._align(todo, leads, True, candidate=False))
            fills.extend(stored[pair] for pair in fill_pairs)
            return fills

        fams, _ = settle_families(rels, meta, words, fill)
        # ``old`` is still the families of ``docs``, read in the loop above
        ids, nxt = stable_ids(fams, {fid: t.member_ids(fid) for fid in old}, int(t.info("next_family")))
        t.set_info("next_family", str(nxt))
        for fid in old:
            t.delete_family(fid)
        t.clear_family(docs)
        fill_ids = [(r.a, r.b) for r in fills]
        for fid, f in zip(ids, fams):
            f = Family(fid, f.origin, f.reasons, f.members, f.tree)
            inside = set(f.members)
            data = f.as_dict() | {"fills": [list(p) for p in fill_ids if p[0] in inside and p[1] in inside]}
            t.put_family(f.id, f.origin, len(f.members), orjson.dumps(data), [rowid[m] for m in f.members])
        return len(fams)

    # -- querying --------------------------------------------------------------------------------

    def query(self, doc: Document) -> QueryResult:
        """How ``doc`` relates to the stored documents, without adding it.

        Finds its candidates as :meth:`add` would, aligns them, and names the
        family of its best match, its relation to that family's origin, and
        whether it would become the origin.
        """
        t0 = time.perf_counter()
        with self._lock:
            self._t.begin(immediate=False)  # one snapshot for the whole query
            try:
                self._sync()
                out = self._query(doc)
                out.texts, out.changes = self._changes(doc, out.relations + ([out.origin] if out.origin else []))
            finally:
                self._t.commit()
        out.seconds = time.perf_counter() - t0
        return out

    def _changes(self, doc: Document, rels: list[Relation]) -> tuple[dict[str, str], dict]:
        """The stored versions' texts, and the words changed between ``doc`` and each of them."""
        others = sorted({r.b if r.a == doc.id else r.a for r in rels})
        stored = {row[0]: row[1] for row in self._t.documents_by_id(others)}
        return stored, changes_by_pair(rels, {**stored, doc.id: doc.text})

    def _query(self, doc: Document) -> QueryResult:
        t = self._t
        fresh = self._sketch([doc])
        row = t.rowid_hash(doc.id)
        known = bool(row and row[1] == fresh.hashes[0])
        qid = -1  # placeholder rowid: the query is never written
        pairs = {pair: True for pair in self._lexical([qid], fresh, query=True, skip=row[0] if row else None)}
        if self._leads is not None:
            for other in self._leads.neighbours(fresh.leads[0], row[0] if row else None, self.params.semantic_index,
                                                fresh.docs[0].meta.get("lang")):
                pairs.setdefault((qid, other), False)
        pairs = {(a, b): v for (a, b), v in pairs.items() if not (row and row[0] in (a, b))}
        rels = self._relations(list(pairs), (doc, fresh))
        related = sorted((r for r in rels.values() if r.relation != "unrelated"), key=lambda r: -r.score)
        if not related:
            return QueryResult(doc, [], None, None, False, known)
        best = related[0]
        other = best.b if best.a == doc.id else best.a
        fid = t.family_of(other)
        family = self.family(fid) if fid else None
        if family is None:  # a lone stored document: the two would make a family
            members = tuple(sorted({doc.id, other}))
            rel_meta = {doc.id: doc.meta, other: orjson.loads(t.meta_of(other))}
            origin_id, reasons = choose_origin(members, rel_meta, [best], {})
            family = Family("", origin_id, reasons, members, ())
            return QueryResult(doc, related, family, best, origin_id == doc.id, known)
        origin_rel = next((r for r in related if family.origin in (r.a, r.b)), None)
        if origin_rel is None and family.origin != doc.id:
            orow = t.rowid_of(family.origin)
            origin_rel = self._relations([(qid, orow)], (doc, fresh), differences=True).get((qid, orow))
        rel_rows = [relation_from_record(r) for r in t.family_pairs(fid)]
        meta = {doc.id: doc.meta}
        words = {doc.id: fresh.words[0]}
        for did, m, w in t.member_info(fid):
            meta[did] = orjson.loads(m)
            words[did] = w
        mine = [r for r in related if r.a in meta and r.b in meta]
        members = tuple(sorted(set(family.members) | {doc.id}))
        origin_id, _ = choose_origin(members, meta, rel_rows + mine, words)
        return QueryResult(doc, related, family, origin_rel, origin_id == doc.id, known)


def _date_seconds(date: object) -> float | None:
    """A document's ISO date (as the loaders write it) in seconds since the epoch, UTC when no zone is given."""
    if not isinstance(date, str) or not date:
        return None
    import datetime as _dt

    try:
        when = _dt.datetime.fromisoformat(date)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)).timestamp()
