"""The scan pipeline end to end: documents in, pairs and families out.

load -> normalize -> sketch -> candidates -> align -> relate -> families, each
stage in its own module; this one only says in what order they run, on what
pieces of work, and times them. An engine (:mod:`reprints.engine`) decides
where each piece runs: the local engine uses this process and forked workers.

With semantic matching on (the default), the sketch stage also embeds each
document's lead and detects its language; lead neighbours join the lexical
candidates; and every candidate pair the lexical rules leave ``unrelated`` is
aligned again by meaning (:mod:`reprints.align_semantic`), embedding the
passages of each document involved once.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Sequence

import numpy as np

from reprints.align import tokenize
from reprints.align_semantic import SemanticText, prepare_many
from reprints.candidates import candidate_pairs, language_groups, semantic_pairs
from reprints.config import ScanParams, params_from_dict, params_to_dict
from reprints.document import Document, LoadProblem
from reprints.embed import uncovered_languages
from reprints.engine import Engine, LocalEngine
from reprints.families import Family, settle_families
from reprints.load import parsed
from reprints.normalize import normalize
from reprints.progress import Progress
from reprints.relate import Relation, needs_meaning, relate_meaning, relate_pairs, relate_words, word_counts
from reprints.sketch import SketchBatch, Sketches, same_body, sketch_batch, sketch_texts, with_language

__all__ = ["ScanParams", "ScanResult", "scan", "compare_documents", "params_to_dict", "params_from_dict"]

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


def compare_documents(a: Document, b: Document, params: ScanParams = ScanParams()) -> Relation:
    """Align and relate two documents directly, without candidate search.

    >>> from reprints.load import document_from_text
    >>> body = "The council voted on Tuesday to close the old bridge to all traffic from May."
    >>> r = compare_documents(document_from_text("a", body), document_from_text("b", "City news\\n\\n" + body))
    >>> r.relation
    'reformatted'
    """
    na, nb = normalize(a), normalize(b)
    ta, tb = tokenize(na), tokenize(nb)
    sk = sketch_texts([na.text, nb.text], params.sketch)
    same = same_body(sk.body_hash[0], sk.n_shingles[0], sk.body_hash[1])
    rel = relate_words(a, b, ta, tb, same, params, differences=True)
    if needs_meaning(rel, params):
        first, second = (ta, tb) if rel.a == a.id else (tb, ta)
        sa, sb = prepare_many([first.norm, second.norm])
        rel = relate_meaning(rel, sa, sb, params, differences=True)
    return rel


# -- the pieces of work an engine runs (module level, so any engine can ship them) --


def _sketch_step(docs: Sequence[Document], params: ScanParams) -> tuple[SketchBatch, list]:
    """Parse headers where the loader left them, normalize and sketch one batch.
    Returns the sketches and, per document, its parsed ``(meta, header)`` or None
    where nothing was left to parse."""
    full = [parsed(d) for d in docs]
    headers = [None if f is d else (f.meta, f.header) for f, d in zip(full, docs)]
    norms = [normalize(d) for d in full]
    return sketch_batch(norms, [d.meta.get("title", "") for d in full], params.sketch, params.semantic), headers


def _prepare_step(docs: Sequence[Document]) -> tuple[list[SemanticText], float]:
    """Units, vectors, languages and quotes of a few documents, and the seconds spent."""
    t0 = time.perf_counter()
    out = prepare_many([normalize(d) for d in docs])
    return out, time.perf_counter() - t0


# -- the stages in order ----------------------------------------------------------------------


def _batches(documents: Iterable[Document], size: int, docs: list[Document],
             progress: Progress | None) -> Iterator[list[Document]]:
    """``documents`` in batches of ``size``, each appended to ``docs`` as it is read."""
    batch: list[Document] = []
    for doc in documents:
        batch.append(doc)
        if len(batch) < size:
            continue
        docs.extend(batch)
        yield batch
        batch = []
        gc.freeze()  # see scan(): what is read lives until the end, the collector need not walk it again
        if progress:
            progress("read", len(docs), 0)
    if batch:
        docs.extend(batch)
        yield batch


def _read_and_sketch(documents: Iterable[Document], params: ScanParams, progress: Progress | None,
                     engine: Engine) -> tuple[list[Document], Sketches, SketchBatch | None]:
    """Consume ``documents`` and sketch them batch by batch (the engine overlaps
    reading here with sketching in its workers). Returns the documents with their
    headers parsed and their languages in ``meta``, the sketches, and with
    semantic matching the lead vectors, languages and embedding seconds."""
    docs: list[Document] = []
    done: list[SketchBatch] = []
    steps = engine.map(_sketch_step, ((b, params) for b in _batches(documents, params.batch, docs, progress)),
                       start=True)
    for k, (part, headers) in enumerate(steps):
        done.append(part)
        for i, got in enumerate(headers, k * params.batch):
            if got is not None:
                d = docs[i]
                docs[i] = Document(d.id, d.text, got[0], got[1])
        if progress:
            progress("sketch", min((k + 1) * params.batch, len(docs)), len(docs))
    if not done:
        return docs, sketch_texts([], params.sketch), None
    sk = Sketches.concat([p.sketches for p in done])
    if not params.semantic:
        return docs, sk, None
    langs = tuple(x for p in done for x in p.langs)
    docs = [with_language(d, lang) for d, lang in zip(docs, langs)]
    sem = SketchBatch(sk, np.concatenate([p.leads for p in done]), langs, sum(p.seconds_embed for p in done))
    return docs, sk, sem


def _relate_all(docs: Sequence[Document], todo: Sequence[Sequence[int]], sk: Sketches, params: ScanParams,
                progress: Progress | None, engine: Engine) -> list[Relation]:
    """Align and relate index pairs by their words, 256 at a time.

    Each piece carries its own documents (pickled: a few milliseconds against a
    few hundred of alignment), so workers never touch this process's memory.
    """
    step = 256

    def pieces() -> Iterator[tuple[list[Document], list[tuple[int, int, bool]], ScanParams]]:
        for k in range(0, len(todo), step):
            local: dict[int, int] = {}
            pairs = []
            for i, j in todo[k : k + step]:
                same = same_body(sk.body_hash[i], sk.n_shingles[i], sk.body_hash[j])
                pairs.append((local.setdefault(i, len(local)), local.setdefault(j, len(local)), same))
            yield [docs[i] for i in local], pairs, params

    out: list[Relation] = []
    for part in engine.map(relate_pairs, pieces()):
        out.extend(part)
        if progress:
            progress("align", len(out), len(todo))
    return out


def _by_meaning(docs: Sequence[Document], relations: list[Relation], params: ScanParams,
                cache: dict[str, SemanticText], progress: Progress | None, engine: Engine) -> float:
    """Align by meaning, in place, every pair that :func:`~reprints.relate.needs_meaning`;
    returns the seconds spent preparing (embedding) documents. Each document is
    prepared once and kept in ``cache`` (by id) for later passes."""
    weak = [k for k, r in enumerate(relations) if needs_meaning(r, params)]
    by_id = {d.id: d for d in docs}
    need = sorted({x for k in weak for x in (relations[k].a, relations[k].b)} - cache.keys())
    step = 32
    seconds = 0.0
    chunks = [need[k : k + step] for k in range(0, len(need), step)]
    for n, (ids, (texts, took)) in enumerate(zip(chunks, engine.map(_prepare_step,
                                                                    (([by_id[x] for x in c],) for c in chunks)))):
        seconds += took
        cache.update(zip(ids, texts))
        if progress:
            progress("embed", min((n + 1) * step, len(need)), len(need))
    for k in weak:
        r = relations[k]
        relations[k] = relate_meaning(r, cache[r.a], cache[r.b], params)
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
    engine: Engine | None = None,
) -> ScanResult:
    """Find the versions of each story among ``documents`` (never changed: the
    result holds its own copies where headers or languages were added).

    ``engine`` runs the stages; by default a :class:`~reprints.engine.LocalEngine`
    with ``params.jobs`` workers, closed when the scan ends.

    >>> from reprints.load import document_from_text
    >>> body = ("Rail workers across the region will strike for two days next week after talks "
    ...         "over pay and rosters broke down on Monday evening, the union said in a statement.")
    >>> docs = [document_from_text("a", body), document_from_text("b", body.replace(". ", ".\\n")),
    ...         document_from_text("c", "A different story about the weather on Sunday afternoon.")]
    >>> [f.members for f in scan(docs).families]
    [('a', 'b')]
    """
    t0 = time.perf_counter()
    own = engine is None
    engine = engine if engine is not None else LocalEngine(params.jobs)
    cache: dict[str, SemanticText] = {}
    seconds_embed = 0.0
    # Documents, sketches and relations live until the scan returns, and there are
    # millions of them: each full collection walked them all again (15% of a
    # 100,000-document scan). They are moved out of the collector's sight as each
    # stage ends (gc.freeze) and handed back at the end, unless the caller froze
    # objects of its own.
    unfreeze = gc.get_freeze_count() == 0
    try:
        docs, sk, sem = _read_and_sketch(documents, params, progress, engine)
        # ``problems`` may be filled while ``documents`` is consumed (see the CLI)
        stats: dict[str, float] = {"documents": len(docs), "problems": len(problems),
                                   "jobs": max(engine.workers, 1)}
        t1 = time.perf_counter()
        pairs = candidate_pairs(sk, params.lsh)
        sk = sk.without_marks()  # 160 MB at 100,000 documents, needed no more
        if sem is not None:
            sem = replace(sem, sketches=sk)
        lexical = len(pairs)
        if sem is not None:
            seconds_embed += sem.seconds_embed
            groups = language_groups([d.meta.get("lang") for d in docs])
            pairs = _merge_pairs(pairs, semantic_pairs(sem.leads, params.semantic_index, groups))
        t2 = time.perf_counter()
        relations = _relate_all(docs, pairs.tolist(), sk, params, progress, engine)
        if sem is not None:
            seconds_embed += _by_meaning(docs, relations, params, cache, progress, engine)
        gc.freeze()
        t3 = time.perf_counter()
        meta = {d.id: d.meta for d in docs}
        words = word_counts(relations)
        index = {d.id: k for k, d in enumerate(docs)}

        def relate_missing(missing: list[tuple[str, str]]) -> list[Relation]:
            nonlocal seconds_embed
            extra = _relate_all(docs, [(index[o], index[m]) for o, m in missing], sk, params, None, engine)
            if sem is not None:
                seconds_embed += _by_meaning(docs, extra, params, cache, None, engine)
            return extra

        # every member's relation to its origin belongs in the output, even where
        # candidate search paired it with another version only (exact copies, see candidates)
        families, extra = settle_families(relations, meta, words, relate_missing)
        relations += extra
    finally:
        if own:
            engine.close()
        if unfreeze:
            gc.unfreeze()
    t4 = time.perf_counter()
    if params.semantic:
        stats["uncovered_documents"] = sum(uncovered_languages(d.meta.get("lang") for d in docs).values())
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
