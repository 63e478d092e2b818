"""Calibrate: search the decision thresholds that best reproduce a labelled corpus.

Teams label differently: one counts a short excerpt as a version, another
wants near-verbatim copies only and keeps rewrites apart. The thresholds that
turn evidence into a relation (:class:`~reprints.relate.RelateParams`) can be
fitted to such labels. One scan aligns every candidate pair by words and by
meaning and keeps the evidence; each setting tried then only classifies that
evidence again and regroups the families, so searching a hundred settings
costs little more than the one scan. The search is coordinate-wise (one
threshold at a time over a grid, two rounds), starting from the defaults and
moving only for a real gain, so thresholds without labelled evidence keep
their defaults; a threshold that moves goes to the middle of the range of
values that fit best, not to its edge. Each move is cross-validated by story:
the fitted stories are cut into folds, the value is chosen on all folds but
one and scored on that one, and the move is made only if it gains on the
held-out folds taken together. Labelled stories are also split in two: the
thresholds are fitted on one part and scored on the other with a real scan,
so the figures are honest, and a fit that scores below the starting
thresholds there is not reported.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace
from typing import Sequence

from reprints.config import ScanParams
from reprints.document import Document
from reprints.evaluate import METRICS, Scores, Truth, evaluate, found_from, metric_of
from reprints.families import build_families
from reprints.pipeline import ScanResult, scan
from reprints.progress import Progress
from reprints.relate import RelateParams, Relation, classify, oriented, relate_meaning, word_counts

__all__ = ["GRID", "METRICS", "Calibration", "split_truth", "story_folds", "calibrate"]

#: Values tried for each threshold (the current value is always tried too).
GRID: dict[str, tuple[float, ...]] = {
    "reformatted": (0.8, 0.85, 0.9, 0.95, 0.98),
    "excerpt": (0.6, 0.7, 0.8, 0.9, 0.95),
    "excerpt_words": (15, 20, 30, 40, 60, 80, 120),
    "partial": (0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5),
    "partial_words": (8, 10, 15, 25, 40, 50, 80, 120),
    "rewrite": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "rewrite_min": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
    "rewrite_passages": (1, 2, 3, 4, 6, 8),
    "rewrite_similarity": (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9),
    "rewrite_facts": (0.0, 0.25, 0.5, 0.75, 0.9, 1.0),
    "rewrite_words": (20, 40, 60, 100),
}



@dataclass
class Calibration:
    """The fitted settings and how they score against the defaults.

    ``train``/``held_out``: (scores with the starting settings, scores with
    the fitted ones); ``held_out`` is None without a held-out part.
    ``changed``: threshold name -> (before, after). ``rejected``: the changes
    the fit made but dropped because, with them, the held-out stories scored
    below the starting settings (``params`` are then the starting ones).
    ``unconfirmed``: moves that fitted the labels better but did not gain on
    the cross-validation folds, so were not made. ``gains``: for each change,
    its gain in the metric summed over the held-out folds.
    """

    params: ScanParams
    metric: str
    train: tuple[Scores, Scores]
    held_out: tuple[Scores, Scores] | None
    changed: dict[str, tuple[float, float]]
    tried: int
    train_documents: int
    held_out_documents: int
    rejected: dict[str, tuple[float, float]] = field(default_factory=dict)
    unconfirmed: dict[str, tuple[float, float]] = field(default_factory=dict)
    gains: dict[str, float] = field(default_factory=dict)
    folds: int = 0


def split_truth(truth: Truth, held_out: float, seed: int = 0) -> tuple[Truth, Truth]:
    """Split labels by story (family label), so no story is in both parts.

    A pair label goes with its documents' part (pairs across parts are dropped).

    >>> t = Truth({"a": "x", "b": "x", "c": "y", "d": "z"})
    >>> fit, test = split_truth(t, 0.5)
    >>> sorted(fit.family.items()), sorted(test.family.items())
    ([('c', 'y')], [('a', 'x'), ('b', 'x'), ('d', 'z')])
    """
    if not 0 <= held_out < 1:
        raise ValueError(f"held-out share must be in [0, 1), got {held_out}")
    labels = sorted(set(truth.family.values()))
    random.Random(seed).shuffle(labels)
    cut = round(len(labels) * held_out)
    test_labels = set(labels[:cut])
    fit, test = Truth(), Truth()
    for doc, label in truth.family.items():
        (test if label in test_labels else fit).family[doc] = label
    for pair, rel in truth.relations.items():
        for part in (fit, test):
            if all(d in part.family for d in pair):
                part.relations[pair] = rel
    return fit, test


def story_folds(truth: Truth, folds: int, seed: int = 0) -> list[frozenset[str]]:
    """The labelled documents cut into ``folds`` groups of whole stories (fewer
    when there are fewer stories), as even in documents as a greedy fill makes them.

    >>> t = Truth({"a": "x", "b": "x", "c": "y", "d": "z"})
    >>> sorted(sorted(f) for f in story_folds(t, 2))
    [['a', 'b'], ['c', 'd']]
    """
    stories: dict[str, list[str]] = {}
    for doc, label in sorted(truth.family.items()):
        stories.setdefault(label, []).append(doc)
    labels = sorted(stories)
    random.Random(seed).shuffle(labels)
    labels.sort(key=lambda lab: -len(stories[lab]))  # stable: shuffled order within one size
    groups: list[list[str]] = [[] for _ in range(max(1, min(folds, len(labels))))]
    for label in labels:
        min(groups, key=len).extend(stories[label])
    return [frozenset(g) for g in groups if g]


def _reclassify(r: Relation, rp: RelateParams) -> Relation:
    """``r`` classified again under ``rp``, oriented as a scan orients it."""
    name, score, swap = classify(r.evidence, rp)
    out = replace(r, relation=name, score=score)
    return out.swapped() if oriented(name, swap, r.a, r.b) else out


def _with_semantic(result: ScanResult, params: ScanParams) -> list[Relation]:
    """Every aligned pair with evidence by meaning too, so a stricter lexical
    threshold can still let a pair through as a rewrite."""
    from reprints.align_semantic import prepare_many
    from reprints.normalize import normalize

    rels = list(result.relations)
    if not params.semantic:
        return rels
    todo = [k for k, r in enumerate(rels) if r.evidence.semantic is None]
    need = sorted({x for k in todo for x in (rels[k].a, rels[k].b)})
    by_id = {d.id: d for d in result.documents}
    prepared = dict(zip(need, prepare_many([normalize(by_id[x]) for x in need]))) if need else {}
    for k in todo:
        r = rels[k]
        sem = relate_meaning(r, prepared[r.a], prepared[r.b], params).evidence.semantic
        rels[k] = replace(r, evidence=replace(r.evidence, semantic=sem))
    return rels


def _plateau_middle(values: Sequence[float], good: Sequence[bool], current: float) -> float:
    """The middle of the longest run of best-scoring values (ties: the run nearest
    ``current``): a threshold in the middle of the range that fits the labels
    holds better on unseen stories than one at its edge.

    >>> _plateau_middle([0.5, 0.6, 0.7, 0.8, 0.9], [False, False, True, True, True], 0.5)
    0.8
    """
    runs: list[list[float]] = []
    for k, (value, ok) in enumerate(zip(values, good)):
        if ok and k and good[k - 1]:
            runs[-1].append(value)
        elif ok:
            runs.append([value])
    run = max(runs, key=lambda r: (len(r), -min(abs(v - current) for v in r)))
    return run[len(run) // 2]


def _without(truth: Truth, docs: frozenset[str]) -> Truth:
    return Truth({d: lab for d, lab in truth.family.items() if d not in docs},
                 {p: rel for p, rel in truth.relations.items() if p.isdisjoint(docs)})


def _best_value(values: Sequence[float], scores: Sequence[float], current: float) -> float:
    """The value a fit picks from ``scores`` (one per value): ``current`` unless
    another scores higher, then the middle of the best run."""
    now = scores[list(values).index(current)]
    top = max(scores)
    if top <= now + 1e-9:
        return current
    return _plateau_middle(values, [x >= top - 1e-9 for x in scores], current)


def calibrate(
    documents: Sequence[Document],
    truth: Truth,
    params: ScanParams = ScanParams(),
    metric: str = "f1",
    held_out: float = 0.5,
    seed: int = 0,
    rounds: int = 2,
    folds: int = 5,
    progress: Progress | None = None,
) -> Calibration:
    """Fit the relation thresholds of ``params`` to ``truth`` on a corpus.

    ``metric`` is ``"f1"`` (pair F1 of the families) or ``"ari"``;
    ``held_out`` is the share of labelled stories kept out of the fit and
    scored at the end with a real scan (0: fit on all, no held-out score);
    ``folds``: the fitted stories are cut into this many folds, and a
    threshold moves only if the move gains on held-out folds (below 2: no
    cross-validation, every move that fits better is made).

    >>> from reprints.load import document_from_text
    >>> body = " ".join(f"word{k}" for k in range(60))
    >>> docs = [document_from_text("a", body), document_from_text("b", body[:200])]
    >>> cal = calibrate(docs, Truth({"a": "s", "b": "s"}), ScanParams(semantic=False), held_out=0)
    >>> cal.train[1].f1
    1.0
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    docs = list(documents)
    fit, test = split_truth(truth, held_out, seed)
    parts = story_folds(fit, folds, seed) if folds >= 2 else []
    if len(parts) < 2:
        parts = []
    rest = [_without(fit, part) for part in parts]
    base = scan(docs, params, progress=progress)
    rels = _with_semantic(base, params)
    meta = {d.id: d.meta for d in base.documents}
    words = word_counts(rels)
    tried = 0

    def trial(rp: RelateParams) -> tuple[Scores, list[tuple[float, float]]]:
        """Scores on all fitted stories, and (fit without fold, fold) metrics per fold."""
        nonlocal tried
        tried += 1
        now = [_reclassify(r, rp) for r in rels]
        found = found_from(build_families(now, meta, words), now)
        per_fold = [(metric_of(evaluate(other, found, worst=0), metric),
                     metric_of(evaluate(fit, found, worst=0, focus=part), metric))
                    for part, other in zip(parts, rest)]
        return evaluate(fit, found, worst=0), per_fold

    start = params.relate
    best, (best_scores, best_folds) = start, trial(start)
    names = [f.name for f in fields(RelateParams)]
    gains: dict[str, float] = {}
    unconfirmed: dict[str, tuple[float, float]] = {}
    for r in range(rounds):
        moved = False
        for k, name in enumerate(names):
            if progress:
                progress("calibrate", r * len(names) + k + 1, rounds * len(names))
            current = getattr(best, name)
            values = sorted(set(GRID.get(name, ())) | {current})
            scored = {current: (best_scores, best_folds)}
            for value in values:
                if value != current:
                    scored[value] = trial(replace(best, **{name: type(current)(value)}))
            value = _best_value(values, [metric_of(scored[v][0], metric) for v in values], current)
            if value == current:
                continue  # no gain: keep the value (no evidence to move it)
            # cross-validation: each fold's value is picked without it, then scored on it
            gain = 0.0
            for f in range(len(parts)):
                pick = _best_value(values, [scored[v][1][f][0] for v in values], current)
                gain += scored[pick][1][f][1] - scored[current][1][f][1]
            if parts and gain <= 1e-9:
                unconfirmed[name] = (getattr(start, name), value)
                continue
            unconfirmed.pop(name, None)
            gains[name] = round(gains.get(name, 0.0) + gain, 6)
            best, (best_scores, best_folds), moved = replace(best, **{name: type(current)(value)}), scored[value], True
        if not moved:
            break
    start_scores = evaluate(fit, found_from(base.families, base.relations), worst=0)
    fitted = replace(params, relate=best)
    changed = {n: (getattr(start, n), getattr(best, n)) for n in names if getattr(start, n) != getattr(best, n)}
    gains = {n: g for n, g in gains.items() if n in changed}
    scored_out = None
    rejected: dict[str, tuple[float, float]] = {}
    if test.family:
        after = scan(docs, fitted) if changed else base
        scored_out = (evaluate(test, found_from(base.families, base.relations), worst=0),
                      evaluate(test, found_from(after.families, after.relations), worst=0))
        if metric_of(scored_out[1], metric) < metric_of(scored_out[0], metric) - 1e-9:
            # a fit that does worse on stories it never saw is not reported as a calibration
            fitted, rejected, changed, gains = params, changed, {}, {}
    return Calibration(fitted, metric, (start_scores, best_scores), scored_out, changed, tried,
                       len(fit.family), len(test.family), rejected, unconfirmed, gains, len(parts))
