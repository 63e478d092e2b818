"""The scan pipeline end to end: documents in, pairs and families out.

normalize -> sketch -> candidates -> align -> relate -> families, each stage in
its own module; this one only runs them in order, in batches, and times them.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence, TypeVar

import numpy as np

from reprints.align import Alignment, AlignParams, Passage, TokenizedText, align, gaps, tokenize, tokenize_many
from reprints.candidates import LSHParams, candidate_pairs
from reprints.families import Family, build_families
from reprints.load import Document, LoadProblem
from reprints.normalize import fold, normalize
from reprints.relate import Evidence, RelateParams, Relation, classify, metadata_agreement
from reprints.sketch import SketchParams, Sketches, sketch_texts

__all__ = ["ScanParams", "ScanResult", "scan", "compare_documents"]

#: ``progress(stage, done, total)`` is called as work advances (``total`` 0: not known yet).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class ScanParams:
    """All settings of a scan, one block per stage; the defaults are documented there.

    ``batch``: documents sketched together (vectorised). ``jobs``: worker
    processes that sketch batches while this process reads the input, then
    align the candidate pairs (0: one per core; 1: no workers). Workers start
    only once a second batch is read, so small inputs never start any.
    Results do not depend on ``jobs``.
    """

    sketch: SketchParams = SketchParams()
    lsh: LSHParams = LSHParams()
    align: AlignParams = AlignParams()
    relate: RelateParams = RelateParams()
    batch: int = 1000
    jobs: int = 0


@dataclass
class ScanResult:
    """What a scan found: every aligned pair (``unrelated`` ones included),
    the families, the load problems passed in, and counts and timings."""

    documents: list[Document]
    relations: list[Relation]
    families: list[Family]
    problems: list[LoadProblem] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def related(self) -> list[Relation]:
        """Pairs that are versions of one another (not ``unrelated``)."""
        return [r for r in self.relations if r.relation != "unrelated"]


def _flat(text: str) -> str:
    return " ".join(fold(text).split())


def _relate(da: Document, db: Document, ta: TokenizedText, tb: TokenizedText, same_body: bool,
            params: ScanParams, differences: bool = False) -> Relation:
    """Align, classify and orient one pair; what each side alone holds is listed for
    versions of one story, or for any pair when ``differences`` is set."""
    al = align(ta, tb, params.align)
    ev = Evidence(
        a_in_b=al.a_in_b,
        b_in_a=al.b_in_a,
        shared_words=min(al.a_covered, al.b_covered),
        passages=len(al.passages),
        same_text=same_body and _flat(da.text) == _flat(db.text),
        same_body=same_body,
        metadata=metadata_agreement(da.meta, db.meta),
    )
    name, score, swap = classify(ev, params.relate)
    if name != "excerpt":  # symmetric relations list the pair in id order
        swap = da.id > db.id
    a_only = b_only = ()
    if differences or name != "unrelated":
        a_only = _only(ta, [(p.a_start, p.a_end) for p in al.passages])
        b_only = _only(tb, [(p.b_start, p.b_end) for p in al.passages])
    if swap:
        al = Alignment(
            tuple(Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.kind, p.words) for p in al.passages),
            al.b_words, al.a_words, al.b_covered, al.a_covered,
        )
        ev = Evidence(ev.b_in_a, ev.a_in_b, ev.shared_words, ev.passages, ev.same_text, ev.same_body,
                      ev.metadata)
        da, db, a_only, b_only = db, da, b_only, a_only
    return Relation(da.id, db.id, name, score, ev, al, a_only, b_only)


def _only(t: TokenizedText, covered: list[tuple[int, int]]) -> tuple[tuple[int, int, str], ...]:
    """What one side holds that the other lacks: unmatched story text and left-out lines."""
    spans = [(s, e, "text") for s, e in gaps(covered, t.norm)] + list(t.norm.removed)
    return tuple(sorted(spans))


def compare_documents(a: Document, b: Document, params: ScanParams = ScanParams()) -> Relation:
    """Align and relate two documents directly, without candidate search.

    >>> from reprints.load import document_from_text
    >>> body = "The council voted on Tuesday to close the old bridge to all traffic from May."
    >>> r = compare_documents(document_from_text("a", body), document_from_text("b", "City news\\n\\n" + body))
    >>> r.relation
    'reformatted'
    """
    ta, tb = tokenize(normalize(a)), tokenize(normalize(b))
    same = len(ta) > 0 and len(ta) == len(tb) and bool((ta.ids == tb.ids).all())
    return _relate(a, b, ta, tb, same, params, differences=True)


def _sketch_batch(docs: Sequence[Document], params: SketchParams) -> Sketches:
    """Normalize and sketch one batch (runs in a worker process when there are any)."""
    return sketch_texts([normalize(d).text for d in docs], params)


def _workers(params: ScanParams) -> int:
    """Worker processes for sketching: ``jobs`` (0: one per core) where fork exists."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    jobs = params.jobs or os.cpu_count() or 1
    return jobs if jobs > 1 else 0


def _load_and_sketch(documents: Iterable[Document], params: ScanParams, progress: Progress | None,
                     pools: list[ProcessPoolExecutor]) -> tuple[list[Document], Sketches]:
    """Consume ``documents`` and sketch them batch by batch.

    With worker processes, each full batch is sent to a worker as soon as it is
    read, so reading and parsing the input (in this process) overlaps with
    normalizing and sketching (in the workers). The pool is started at the
    second batch, before this process holds much, so forking copies little; it
    is left in ``pools`` for the alignment stage, and the caller shuts it down.
    """
    docs: list[Document] = []
    parts: list[Sketches | Future[Sketches]] = []
    want = _workers(params)
    pool: ProcessPoolExecutor | None = None
    batch: list[Document] = []
    for doc in documents:
        batch.append(doc)
        if len(batch) < params.batch:
            continue
        docs.extend(batch)
        if want and pool is None and len(docs) > params.batch:
            pool = ProcessPoolExecutor(want, mp_context=multiprocessing.get_context("fork"))
            pools.append(pool)
        parts.append(pool.submit(_sketch_batch, batch, params.sketch) if pool else
                     _sketch_batch(batch, params.sketch))
        if pool is not None and len(parts) > 2 * want:
            _wait(parts[-2 * want - 1])  # back-pressure: two batches per worker in flight at most
        batch = []
        if progress:
            progress("read", len(docs), 0)
    if batch:
        docs.extend(batch)
        parts.append(_sketch_batch(batch, params.sketch))
    done: list[Sketches] = []
    for k, part in enumerate(parts):
        done.append(_wait(part))
        if progress:
            progress("sketch", min((k + 1) * params.batch, len(docs)), len(docs))
    if not done:
        return docs, sketch_texts([], params.sketch)
    sk = Sketches(
        np.concatenate([p.signatures for p in done]),
        np.concatenate([p.n_shingles for p in done]),
        np.concatenate([p.body_hash for p in done]),
    )
    return docs, sk


T = TypeVar("T")


def _wait(part: T | Future[T]) -> T:
    return part.result() if isinstance(part, Future) else part


def _relate_chunk(docs: list[Document], pairs: list[tuple[int, int, bool]], params: ScanParams) -> list[Relation]:
    """Relate pairs of a small document list (runs in a worker process when there are any)."""
    toks = tokenize_many([normalize(d) for d in docs])
    return [_relate(docs[i], docs[j], toks[i], toks[j], same, params) for i, j, same in pairs]


def _relate_pairs(docs: Sequence[Document], todo: Sequence[Sequence[int]], sk: Sketches, params: ScanParams,
                  progress: Progress | None, pool: ProcessPoolExecutor | None, workers: int) -> list[Relation]:
    """Align and relate index pairs, 256 at a time, in the workers when there are any.

    Each chunk carries its own documents (pickled: a few milliseconds against a
    few hundred of alignment), so workers never touch this process's memory.
    """
    chunks: list[list[Relation] | Future[list[Relation]]] = []
    out: list[Relation] = []
    step = 256
    for k in range(0, len(todo), step):
        local: dict[int, int] = {}
        pairs = []
        for i, j in todo[k : k + step]:
            same = bool(sk.body_hash[i] == sk.body_hash[j]) and bool(sk.n_shingles[i] > 0)
            pairs.append((local.setdefault(i, len(local)), local.setdefault(j, len(local)), same))
        chunk_docs = [docs[i] for i in local]
        if pool is None:
            chunks.append(_relate_chunk(chunk_docs, pairs, params))
        else:
            chunks.append(pool.submit(_relate_chunk, chunk_docs, pairs, params))
            if len(chunks) > 2 * workers:
                _wait(chunks[-2 * workers - 1])
        while chunks and (not isinstance(chunks[0], Future) or chunks[0].done()):
            out.extend(_wait(chunks.pop(0)))
            if progress:
                progress("align", len(out), len(todo))
    for part in chunks:
        out.extend(_wait(part))
        if progress:
            progress("align", len(out), len(todo))
    return out


def scan(
    documents: Iterable[Document],
    params: ScanParams = ScanParams(),
    progress: Progress | None = None,
    problems: Sequence[LoadProblem] = (),
) -> ScanResult:
    """Find the versions of each story among ``documents``.

    >>> from reprints.load import document_from_text
    >>> body = ("Rail workers across the region will strike for two days next week after talks "
    ...         "over pay and rosters broke down on Monday evening, the union said in a statement.")
    >>> docs = [document_from_text("a", body), document_from_text("b", body.replace(". ", ".\\n")),
    ...         document_from_text("c", "A different story about the weather on Sunday afternoon.")]
    >>> [f.members for f in scan(docs).families]
    [('a', 'b')]
    """
    t0 = time.perf_counter()
    pools: list[ProcessPoolExecutor] = []
    try:
        docs, sk = _load_and_sketch(documents, params, progress, pools)
        pool = pools[0] if pools else None
        workers = _workers(params) if pool else 0
        # ``problems`` may be filled while ``documents`` is consumed (see the CLI)
        stats: dict[str, float] = {"documents": len(docs), "problems": len(problems), "jobs": max(workers, 1)}
        t1 = time.perf_counter()
        pairs = candidate_pairs(sk, params.lsh)
        t2 = time.perf_counter()
        todo = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))].tolist() if len(pairs) else []
        relations = _relate_pairs(docs, todo, sk, params, progress, pool, workers)
        t3 = time.perf_counter()
        meta = {d.id: d.meta for d in docs}
        words = {r.a: r.alignment.a_words for r in relations} | {r.b: r.alignment.b_words for r in relations}
        families = build_families(relations, meta, words)
        # every member's relation to its origin belongs in the output, even where
        # candidate search paired it with another copy only (exact copies, see candidates)
        index = {d.id: k for k, d in enumerate(docs)}
        have = {frozenset((r.a, r.b)) for r in relations}
        missing = [(index[f.origin], index[m]) for f in families for m in f.members
                   if m != f.origin and frozenset((f.origin, m)) not in have]
        if missing:
            relations += _relate_pairs(docs, missing, sk, params, None, pool, workers)
            families = build_families(relations, meta, words)
    finally:
        for pool in pools:
            pool.shutdown(cancel_futures=True)
    t4 = time.perf_counter()
    stats.update(
        candidates=len(pairs),
        related_pairs=sum(r.relation != "unrelated" for r in relations),
        families=len(families),
        seconds_read_sketch=t1 - t0,
        seconds_candidates=t2 - t1,
        seconds_align=t3 - t2,
        seconds_families=t4 - t3,
        seconds_total=t4 - t0,
    )
    return ScanResult(docs, relations, families, list(problems), stats)
