"""The scan pipeline end to end: documents in, pairs and families out.

normalize -> sketch -> candidates -> align -> relate -> families, each stage in
its own module; this one only runs them in order, in batches, and times them.

With semantic matching on (the default), the sketch stage also embeds each
document's lead and detects its language; lead neighbours join the lexical
candidates; and every candidate pair the lexical rules leave ``unrelated`` is
aligned again by meaning (:mod:`reprints.align_semantic`), embedding the
passages of each document involved once.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from typing import Callable, Iterable, Sequence, TypeVar

import numpy as np

from reprints.align import Alignment, AlignParams, TokenizedText, align, gaps, tokenize, tokenize_many
from reprints.align_semantic import SemanticParams, SemanticText, align_semantic, prepare_many
from reprints.candidates import LSHParams, SemanticIndexParams, candidate_pairs, semantic_pairs
from reprints.embed import embed, lead_text
from reprints.families import Family, build_families, rebuild_families
from reprints.language import detect_many
from reprints.load import Document, LoadProblem, parsed
from reprints.normalize import NormText, fold, normalize
from reprints.relate import Evidence, RelateParams, Relation, SemanticEvidence, classify, metadata_agreement
from reprints.sketch import SketchParams, Sketches, sketch_texts

__all__ = ["ScanParams", "ScanResult", "scan", "compare_documents", "params_to_dict", "params_from_dict"]

#: ``progress(stage, done, total)`` is called as work advances (``total`` 0: not known yet).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class ScanParams:
    """All settings of a scan, one block per stage; the defaults are documented there.

    ``batch``: documents sketched together (vectorised). ``jobs``: worker
    processes that sketch batches while this process reads the input, then
    align the candidate pairs (0: one per core; 1: no workers). Workers start
    only once a second batch is read, so small inputs never start any.
    Results do not depend on ``jobs``. ``semantic``: also find rewrites and
    translations (embeddings, :mod:`reprints.align_semantic`); off, a scan is
    purely lexical and much faster.
    """

    sketch: SketchParams = SketchParams()
    lsh: LSHParams = LSHParams()
    align: AlignParams = AlignParams()
    relate: RelateParams = RelateParams()
    semantic: bool = True
    semantic_index: SemanticIndexParams = SemanticIndexParams()
    semantic_align: SemanticParams = SemanticParams()
    batch: int = 1000
    jobs: int = 0


def params_to_dict(params: ScanParams) -> dict[str, object]:
    """All settings as plain JSON-ready data, one block per stage.

    >>> params_to_dict(ScanParams())["relate"]["reformatted"]
    0.9
    """
    return asdict(params)


def params_from_dict(data: dict[str, object], base: ScanParams = ScanParams()) -> ScanParams:
    """Settings from :func:`params_to_dict`'s shape; keys left out keep ``base``'s
    values, unknown keys are an error (a typo must not pass silently).

    >>> params_from_dict({"relate": {"rewrite": 0.6}}).relate.rewrite
    0.6
    >>> params_from_dict({"relate": {"excerpt": "high"}})
    Traceback (most recent call last):
    ...
    ValueError: setting 'relate.excerpt' must be a number, got 'high'
    """
    return _merge(base, data, "")


def _merge(obj, data: dict[str, object], where: str):
    if not isinstance(data, dict):
        raise ValueError(f"{where or 'settings'}: expected a table of settings, got {type(data).__name__}")
    known = {f.name: f for f in fields(obj)}
    changes = {}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"unknown setting {where + key!r}; known: {', '.join(sorted(known))}")
        current = getattr(obj, key)
        if is_dataclass(current):
            changes[key] = _merge(current, value, f"{where}{key}.")
        else:
            changes[key] = _typed(current, value, where + key)
    return replace(obj, **changes)


def _typed(current: object, value: object, name: str) -> object:
    """``value`` as the type of the setting's default, or a ``ValueError`` naming it
    (a threshold given as text must fail here, not deep inside a scan)."""
    kinds = ((bool, "true or false"), (int, "a whole number"), (float, "a number"), (str, "text"),
             (tuple, "a list"))
    want, said = next(((t, s) for t, s in kinds if isinstance(current, t)), (None, ""))
    if want is None:
        return value
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if want is tuple and isinstance(value, list):
        return tuple(value)
    if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
        raise ValueError(f"setting {name!r} must be {said}, got {value!r}")
    return value


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
        a_only = _only(ta.norm, [(p.a_start, p.a_end) for p in al.passages])
        b_only = _only(tb.norm, [(p.b_start, p.b_end) for p in al.passages])
    rel = Relation(da.id, db.id, name, score, ev, al, a_only, b_only)
    return rel.swapped() if swap else rel


def _only(norm: NormText, covered: list[tuple[int, int]]) -> tuple[tuple[int, int, str], ...]:
    """What one side holds that the other lacks: unmatched story text and left-out lines."""
    spans = [(s, e, "text") for s, e in gaps(covered, norm)] + list(norm.removed)
    return tuple(sorted(spans))


def _semantic(rel: Relation, sa: SemanticText, sb: SemanticText, params: ScanParams,
              differences: bool = False) -> Relation:
    """Align an ``unrelated`` pair (``rel.a`` is ``sa``'s document) by meaning and
    classify it again; a rewrite or translation keeps the semantic passages."""
    s = align_semantic(sa, sb, rel.alignment, params.semantic_align)
    sem = SemanticEvidence(s.a_cover, s.b_cover, len(s.passages), s.similarity, s.facts, s.lang_a, s.lang_b)
    ev = replace(rel.evidence, semantic=sem)
    name, score, _ = classify(ev, params.relate)
    if name == "unrelated" and not differences:
        return replace(rel, evidence=ev)
    al = rel.alignment
    passages = tuple(sorted(al.passages + s.passages, key=lambda p: (p.a_start, p.b_start)))
    extra_a = sum(p.words for p in s.passages)
    al = Alignment(passages, al.a_words, al.b_words, min(al.a_words, al.a_covered + extra_a),
                   min(al.b_words, al.b_covered + s.b_words))
    a_only = _only(sa.norm, [(p.a_start, p.a_end) for p in passages])
    b_only = _only(sb.norm, [(p.b_start, p.b_end) for p in passages])
    return Relation(rel.a, rel.b, name, score if name != "unrelated" else rel.score, ev, al, a_only, b_only,
                    s.quotes)


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
    rel = _relate(a, b, ta, tb, same, params, differences=True)
    if params.semantic and rel.relation == "unrelated":
        first, second = (ta, tb) if rel.a == a.id else (tb, ta)
        sa, sb = prepare_many([first.norm, second.norm])
        rel = _semantic(rel, sa, sb, params, differences=True)
    return rel


@dataclass(frozen=True, slots=True)
class _Batch:
    """What the sketch stage returns for a batch: MinHash sketches, with
    semantic matching the lead vectors (float16), languages and seconds spent
    embedding, and the metadata and header spans of the documents whose header
    lines it parsed (None for the others)."""

    sketches: Sketches
    leads: np.ndarray | None
    langs: list[str]
    seconds_embed: float
    headers: list[tuple[dict[str, str], tuple[tuple[int, int, str], ...]] | None]


def _sketch_batch(docs: Sequence[Document], params: ScanParams) -> _Batch:
    """Parse headers where the loader left them, normalize and sketch one batch
    (runs in a worker process when there are any)."""
    full = [parsed(d) for d in docs]
    headers = [None if f is d else (f.meta, f.header) for f, d in zip(full, docs)]
    docs = full
    norms = [normalize(d) for d in docs]
    sk = sketch_texts([n.text for n in norms], params.sketch)
    if not params.semantic:
        return _Batch(sk, None, [], 0.0, headers)
    leads = [lead_text(n, d.meta.get("title", "")) for d, n in zip(docs, norms)]
    t0 = time.perf_counter()
    vec = embed(leads).astype(np.float16)
    took = time.perf_counter() - t0
    langs = [x.code for x in detect_many([n.text[:1000] for n in norms])]
    return _Batch(sk, vec, langs, took, headers)


def _workers(params: ScanParams) -> int:
    """Worker processes for sketching: ``jobs`` (0: one per core) where fork exists."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    jobs = params.jobs or os.cpu_count() or 1
    return jobs if jobs > 1 else 0


def _threads_per_worker(workers: int) -> int:
    """Embedding threads each worker may use so that workers times threads fits the
    cores: two workers with two threads each on two cores ran 2.4 times slower."""
    cores = os.cpu_count() or 1
    asked = int(os.environ.get("REPRINTS_THREADS", "0") or 0)
    return max(1, min(asked or cores, cores // max(workers, 1)))


def _worker_threads(threads: int) -> None:
    """Worker start-up: cap the embedding threads (read by :func:`reprints.embed.embed`)."""
    os.environ["REPRINTS_THREADS"] = str(threads)


def _load_and_sketch(documents: Iterable[Document], params: ScanParams, progress: Progress | None,
                     pools: list[ProcessPoolExecutor]) -> tuple[list[Document], Sketches, _Batch | None]:
    """Consume ``documents`` and sketch them batch by batch.

    With worker processes, each full batch is sent to a worker as soon as it is
    read, so reading the input (in this process) overlaps with parsing headers
    (of documents read with ``parse_headers=False``), normalizing and sketching
    (in the workers). The pool is started at the
    second batch, before this process holds much, so forking copies little; it
    is left in ``pools`` for the alignment stage, and the caller shuts it down.
    """
    docs: list[Document] = []
    parts: list[_Batch | Future[_Batch]] = []
    want = _workers(params)
    pool: ProcessPoolExecutor | None = None
    batch: list[Document] = []
    for doc in documents:
        batch.append(doc)
        if len(batch) < params.batch:
            continue
        docs.extend(batch)
        if want and pool is None and len(docs) > params.batch:
            pool = ProcessPoolExecutor(want, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_worker_threads, initargs=(_threads_per_worker(want),))
            pools.append(pool)
        parts.append(pool.submit(_sketch_batch, batch, params) if pool else _sketch_batch(batch, params))
        if pool is not None and len(parts) > 2 * want:
            _wait(parts[-2 * want - 1])  # back-pressure: two batches per worker in flight at most
        batch = []
        gc.freeze()  # see scan(): what is read lives until the end, the collector need not walk it again
        if progress:
            progress("read", len(docs), 0)
    if batch:
        docs.extend(batch)
        parts.append(_sketch_batch(batch, params))
    done: list[_Batch] = []
    for k, part in enumerate(parts):
        done.append(_wait(part))
        for i, got in enumerate(done[-1].headers, k * params.batch):
            if got is not None:
                d = docs[i]
                docs[i] = Document(d.id, d.text, got[0], got[1])
        if progress:
            progress("sketch", min((k + 1) * params.batch, len(docs)), len(docs))
    if not done:
        return docs, sketch_texts([], params.sketch), None
    sk = Sketches(
        np.concatenate([p.sketches.signatures for p in done]),
        np.concatenate([p.sketches.n_shingles for p in done]),
        np.concatenate([p.sketches.body_hash for p in done]),
    )
    if not params.semantic:
        return docs, sk, None
    sem = _Batch(sk, np.concatenate([p.leads for p in done]), [x for p in done for x in p.langs],
                 sum(p.seconds_embed for p in done), [])
    return docs, sk, sem


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


def _prepare_chunk(docs: list[Document]) -> tuple[list[SemanticText], float]:
    """Units, vectors, languages and quotes of a few documents (runs in a worker)."""
    t0 = time.perf_counter()
    out = prepare_many([normalize(d) for d in docs])
    return out, time.perf_counter() - t0


def _semantic_pass(docs: Sequence[Document], relations: list[Relation], params: ScanParams,
                   cache: dict[str, SemanticText], progress: Progress | None,
                   pool: ProcessPoolExecutor | None) -> float:
    """Align every ``unrelated`` pair again by meaning, in place; returns the
    seconds spent preparing (embedding) documents. Each document is prepared
    once and kept in ``cache`` (by id) for later passes."""
    weak = [k for k, r in enumerate(relations) if r.relation == "unrelated" and r.evidence.semantic is None]
    by_id = {d.id: d for d in docs}
    need = sorted({x for k in weak for x in (relations[k].a, relations[k].b)} - cache.keys())
    step = 32
    parts = []
    for k in range(0, len(need), step):
        chunk = [by_id[x] for x in need[k : k + step]]
        parts.append((need[k : k + step], pool.submit(_prepare_chunk, chunk) if pool else _prepare_chunk(chunk)))
    seconds = 0.0
    for n, (ids, part) in enumerate(parts):
        texts, took = _wait(part)
        seconds += took
        cache.update(zip(ids, texts))
        if progress:
            progress("embed", min((n + 1) * step, len(need)), len(need))
    for k in weak:
        r = relations[k]
        relations[k] = _semantic(r, cache[r.a], cache[r.b], params)
    return seconds


def _merge_pairs(*parts: np.ndarray) -> np.ndarray:
    """Sorted unique index pairs of several ``(n, 2)`` arrays."""
    pairs = np.concatenate([p.reshape(-1, 2).astype(np.int64) for p in parts])
    return np.unique(pairs, axis=0) if len(pairs) else pairs


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
    cache: dict[str, SemanticText] = {}
    seconds_embed = 0.0
    # Documents, sketches and relations live until the scan returns, and there are
    # millions of them: each full collection walked them all again (15% of a
    # 100,000-document scan). They are moved out of the collector's sight as each
    # stage ends (gc.freeze) and handed back at the end, unless the caller froze
    # objects of its own.
    unfreeze = gc.get_freeze_count() == 0
    try:
        docs, sk, sem = _load_and_sketch(documents, params, progress, pools)
        pool = pools[0] if pools else None
        workers = _workers(params) if pool else 0
        # ``problems`` may be filled while ``documents`` is consumed (see the CLI)
        stats: dict[str, float] = {"documents": len(docs), "problems": len(problems), "jobs": max(workers, 1)}
        t1 = time.perf_counter()
        pairs = candidate_pairs(sk, params.lsh)
        lexical = len(pairs)
        if sem is not None:
            seconds_embed += sem.seconds_embed
            for d, lang in zip(docs, sem.langs):
                if lang != "und":
                    d.meta.setdefault("lang", lang)
            pairs = _merge_pairs(pairs, semantic_pairs(sem.leads, params.semantic_index))
        t2 = time.perf_counter()
        todo = pairs.tolist()
        relations = _relate_pairs(docs, todo, sk, params, progress, pool, workers)
        if sem is not None:
            seconds_embed += _semantic_pass(docs, relations, params, cache, progress, pool)
        gc.freeze()
        t3 = time.perf_counter()
        meta = {d.id: d.meta for d in docs}
        words = {r.a: r.alignment.a_words for r in relations} | {r.b: r.alignment.b_words for r in relations}
        families = build_families(relations, meta, words)
        # every member's relation to its origin belongs in the output, even where
        # candidate search paired it with another version only (exact copies, see candidates)
        index = {d.id: k for k, d in enumerate(docs)}
        have = {frozenset((r.a, r.b)) for r in relations}
        missing = [(index[f.origin], index[m]) for f in families for m in f.members
                   if m != f.origin and frozenset((f.origin, m)) not in have]
        if missing:
            extra = _relate_pairs(docs, missing, sk, params, None, pool, workers)
            if sem is not None:
                seconds_embed += _semantic_pass(docs, extra, params, cache, None, pool)
            relations += extra
            families = rebuild_families(families, relations, {x for r in extra for x in (r.a, r.b)}, meta, words)
    finally:
        for pool in pools:
            pool.shutdown(cancel_futures=True)
        if unfreeze:
            gc.unfreeze()
    t4 = time.perf_counter()
    stats.update(
        candidates=len(pairs),
        candidates_lexical=lexical,
        related_pairs=sum(r.relation != "unrelated" for r in relations),
        families=len(families),
        embedded_documents=len(cache),
        seconds_read_sketch=t1 - t0,
        seconds_candidates=t2 - t1,
        seconds_align=t3 - t2,
        seconds_families=t4 - t3,
        seconds_embed=seconds_embed,
        seconds_total=t4 - t0,
    )
    return ScanResult(docs, relations, families, list(problems), stats)
