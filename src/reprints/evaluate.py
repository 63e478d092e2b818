"""Evaluate: compare found families and pair relations with a labelled truth.

The truth is JSON Lines, as in NEWS-COPY-style benchmarks: ``{"id", "family"}``
cluster labels, and optionally ``{"a", "b", "relation"}`` pair labels. Cluster
quality is scored on document pairs (two documents in one family or not), with
the Adjusted Rand Index from scikit-learn and cluster purity; pair relations are
scored per relation. Documents the truth does not label are left out.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from reprints.report.files import read_jsonl


__all__ = ["Truth", "Found", "Scores", "METRICS", "metric_of", "read_truth", "read_found", "found_from", "evaluate",
           "explain"]

#: What ``calibrate`` can maximise: pair F1 of the families, or the Adjusted Rand Index.
METRICS = ("f1", "ari")


@dataclass
class Truth:
    """Labelled families (document id -> label) and labelled pair relations."""

    family: dict[str, str] = field(default_factory=dict)
    relations: dict[frozenset[str], str] = field(default_factory=dict)


@dataclass
class Found:
    """What a scan wrote: family of each document, and each related pair with its row."""

    family: dict[str, str] = field(default_factory=dict)
    pairs: dict[frozenset[str], dict] = field(default_factory=dict)


@dataclass
class Scores:
    """Pair precision/recall/F1 for families, ARI, purity, per-relation scores, worst errors."""

    precision: float
    recall: float
    f1: float
    ari: float
    purity: float
    documents: int
    relations: dict[str, dict[str, float]]
    missed: list[tuple[str, str]]
    false_merges: list[tuple[str, str, dict | None]]


def metric_of(scores: Scores, metric: str) -> float:
    """One of :data:`METRICS` read off ``scores``.

    >>> s = Scores(0.5, 0.5, 0.5, 0.25, 1.0, 4, {}, [], [])
    >>> metric_of(s, "f1"), metric_of(s, "ari")
    (0.5, 0.25)
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return scores.f1 if metric == "f1" else scores.ari


def read_truth(path: Path) -> Truth:
    """Read a truth file; lines of other shapes (e.g. ``{"family", "origin"}``) are ignored."""
    truth = Truth()
    for number, row in read_jsonl(path):
        if "id" in row and "family" in row:
            truth.family[str(row["id"])] = str(row["family"])
        elif {"a", "b", "relation"} <= row.keys():
            truth.relations[frozenset((str(row["a"]), str(row["b"])))] = str(row["relation"])
    if not truth.family and not truth.relations:
        raise ValueError(f"{path}: no {{id, family}} or {{a, b, relation}} lines")
    return truth


def read_found(outdir: Path) -> Found:
    """Read ``families.jsonl`` and ``pairs.jsonl`` written by ``reprints scan``."""
    found = Found()
    for _, row in read_jsonl(outdir / "families.jsonl"):
        for member in row["members"]:
            found.family[member] = row["family"]
    for _, row in read_jsonl(outdir / "pairs.jsonl"):
        found.pairs[frozenset((row["a"], row["b"]))] = row
    return found


def found_from(families: Iterable, relations: Iterable) -> Found:
    """What a scan or a store found, from its families and relations (a
    :class:`~reprints.pipeline.ScanResult`'s, or ``Store.result()``'s)."""
    found = Found()
    for fam in families:
        for member in fam.members:
            found.family[member] = fam.id
    for r in relations:
        if r.relation != "unrelated":
            found.pairs[frozenset((r.a, r.b))] = {"relation": r.relation, "score": round(r.score, 4),
                                                  "passages": r.alignment.passages}
    return found


def _same_family_pairs(labels: Mapping[str, str]) -> set[frozenset[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for doc, label in labels.items():
        groups[label].append(doc)
    return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(truth: Truth, found: Found, worst: int = 10, focus: frozenset[str] | None = None) -> Scores:
    """Score ``found`` against ``truth`` over the documents the truth labels.

    A document in no found family counts as a family of its own. With
    ``focus`` (some labelled ids), only document pairs with at least one
    member in it count, and ARI and purity are over it: a held-out fold of
    stories is then scored with its false merges into the other stories.

    >>> t = Truth({"a": "x", "b": "x", "c": "y"})
    >>> s = evaluate(t, Found({"a": "F1", "b": "F1"}))
    >>> (s.precision, s.recall, s.ari)
    (1.0, 1.0, 1.0)
    >>> evaluate(t, Found({"b": "F1", "c": "F1"}), focus=frozenset("c")).precision  # b~c touches c
    0.0
    """
    from sklearn.metrics import adjusted_rand_score

    docs: Sequence[str] = sorted(truth.family)
    got = {d: found.family.get(d, f"alone:{d}") for d in docs}
    want = {d: truth.family[d] for d in docs}
    true_pairs, got_pairs = _same_family_pairs(want), _same_family_pairs(got)
    if focus is not None:
        true_pairs = {pair for pair in true_pairs if not pair.isdisjoint(focus)}
        got_pairs = {pair for pair in got_pairs if not pair.isdisjoint(focus)}
        docs = [d for d in docs if d in focus]
    p, r, f = _prf(len(true_pairs & got_pairs), len(got_pairs - true_pairs), len(true_pairs - got_pairs))
    ari = float(adjusted_rand_score([want[d] for d in docs], [got[d] for d in docs])) if docs else 1.0
    purity_hits = 0
    by_found: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        by_found[got[d]].append(d)
    for members in by_found.values():
        purity_hits += Counter(want[m] for m in members).most_common(1)[0][1]
    purity = purity_hits / len(docs) if docs else 1.0
    relations: dict[str, dict[str, float]] = {}
    names = sorted(set(truth.relations.values()) | {row["relation"] for row in found.pairs.values()})
    for name in names:
        labelled = {k for k, v in truth.relations.items() if v == name}
        predicted = {k for k, row in found.pairs.items() if row["relation"] == name and k in truth.relations}
        rp, rr, rf = _prf(len(labelled & predicted), len(predicted - labelled), len(labelled - predicted))
        relations[name] = {"precision": rp, "recall": rr, "f1": rf, "support": len(labelled)}
    missed = sorted(tuple(sorted(pair)) for pair in true_pairs - got_pairs)[:worst]
    merges = sorted(tuple(sorted(pair)) for pair in got_pairs - true_pairs)[:worst]
    false_merges = [(a, b, found.pairs.get(frozenset((a, b)))) for a, b in merges]
    return Scores(p, r, f, ari, purity, len(docs), relations, missed, false_merges)  # type: ignore[arg-type]


def _snippet(text: str, start: int, end: int, limit: int = 120) -> str:
    flat = " ".join(text[start:end].split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def explain(a, b, row: dict | None, params=None) -> str:
    """Why a pair went wrong, in one line: for a pair found related (``row``, a
    pairs.jsonl row), the longest passage that tied the two; otherwise how the two
    documents align when compared directly (``a``, ``b``: Documents).

    >>> from reprints.load import document_from_text
    >>> x = document_from_text("x", "Rail workers will strike for two days next week over pay and rosters.")
    >>> y = document_from_text("y", "The museum opens a new wing on Friday with paintings from the north.")
    >>> explain(x, y, None)
    'compared directly: unrelated (x in y 0.00, y in x 0.00, 0 passages by words)'
    """
    if row is not None:
        passages = [p if isinstance(p, dict) else p.as_dict() for p in row.get("passages", [])]
        if not passages:
            return f"{row['relation']} (score {row['score']}) with no passage"
        swap = row.get("a") == b.id
        top = max(passages, key=lambda p: p["a_end"] - p["a_start"])
        s0, s1 = (top["b_start"], top["b_end"]) if swap else (top["a_start"], top["a_end"])
        return (f"{row['relation']} (score {row['score']}, {len(passages)} passages); longest, {top['kind']}: "
                f"\"{_snippet(a.text, s0, s1)}\"")
    from reprints.config import ScanParams
    from reprints.pipeline import compare_documents

    rel = compare_documents(a, b, params or ScanParams(semantic=False))
    ev = rel.evidence
    a_in_b, b_in_a = (ev.a_in_b, ev.b_in_a) if rel.a == a.id else (ev.b_in_a, ev.a_in_b)
    line = (f"compared directly: {rel.relation} ({a.id} in {b.id} {a_in_b:.2f}, {b.id} in {a.id} {b_in_a:.2f}, "
            f"{ev.passages} passages by words")
    if ev.semantic is not None:
        sem = ev.semantic
        facts = "no names or numbers" if sem.facts is None else f"names and numbers agree {sem.facts:.2f}"
        line += (f"; by meaning {sem.passages} passages, cover {sem.a_cover:.2f}/{sem.b_cover:.2f}, "
                 f"similarity {sem.similarity:.2f}, {facts}")
    return line + ")"
