"""Relate: classify a pair of versions from its alignment, keeping the evidence.

The classifier is a short ordered list of rules over :class:`Evidence`; each rule
either names the relation or passes. Lexical rules come first (``identical``,
``reformatted``, ``excerpt``); semantic ones (``rewrite``, ``translation``) only
see pairs the lexical rules let pass. Sharing a quoted sentence or a
boilerplate paragraph covers only a small share of either text, so it never
reaches ``excerpt``; and similar vectors alone never make a ``rewrite``: the
matched passages must cover much of both texts and agree on names and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Mapping

from reprints._pickle import by_fields
from reprints.align import Alignment
from reprints.align_semantic import QuoteMatch

__all__ = ["RELATIONS", "RelateParams", "Evidence", "SemanticEvidence", "Relation", "classify", "metadata_agreement", "meta_date"]

RELATIONS = ("identical", "reformatted", "excerpt", "rewrite", "translation", "unrelated")


@dataclass(frozen=True, slots=True)
class RelateParams:
    """Decision thresholds.

    ``reformatted``: both texts at least this much found in the other.
    ``excerpt``: the shorter text at least this much found in the longer, and
    at least ``excerpt_words`` words shared (a quoted sentence is shorter).
    ``rewrite``/``translation``: passages matched by meaning or words cover at
    least ``rewrite`` of one text and ``rewrite_min`` of the other, in at least
    ``rewrite_passages`` passages of mean similarity ``rewrite_similarity``,
    whose names and numbers agree at least ``rewrite_facts`` (where they state
    any). Other languages on the two sides make it a ``translation``.
    """

    reformatted: float = 0.9
    excerpt: float = 0.8
    excerpt_words: int = 40
    rewrite: float = 0.5
    rewrite_min: float = 0.3
    rewrite_passages: int = 3
    rewrite_similarity: float = 0.6
    rewrite_facts: float = 0.5


@by_fields
@dataclass(frozen=True, slots=True)
class Evidence:
    """What a relation rests on: containment each way, shared words and passages,
    whether the whole text or the body are the same once normalized, and which
    metadata agree."""

    a_in_b: float
    b_in_a: float
    shared_words: int
    passages: int
    same_text: bool
    same_body: bool
    metadata: dict[str, object] = field(default_factory=dict)
    semantic: SemanticEvidence | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON shape used in ``pairs.jsonl``."""
        out = {
            "a_in_b": round(self.a_in_b, 4),
            "b_in_a": round(self.b_in_a, 4),
            "shared_words": self.shared_words,
            "passages": self.passages,
            "same_text": self.same_text,
            "same_body": self.same_body,
            "metadata": self.metadata,
        }
        if self.semantic is not None:
            out["semantic"] = self.semantic.as_dict()
        return out


@by_fields
@dataclass(frozen=True, slots=True)
class SemanticEvidence:
    """What semantic alignment found: share of each text in matched passages
    (by meaning or by words), passages matched by meaning and their mean
    similarity, agreement of their names and numbers (None: none stated), and
    each side's language."""

    a_cover: float
    b_cover: float
    passages: int
    similarity: float
    facts: float | None
    lang_a: str
    lang_b: str

    def as_dict(self) -> dict[str, object]:
        """The JSON shape used in ``pairs.jsonl``."""
        return {"a_cover": round(self.a_cover, 4), "b_cover": round(self.b_cover, 4), "passages": self.passages,
                "similarity": round(self.similarity, 4),
                "facts": None if self.facts is None else round(self.facts, 4),
                "lang_a": self.lang_a, "lang_b": self.lang_b}

    def swapped(self) -> SemanticEvidence:
        """The same evidence seen from B's side."""
        return SemanticEvidence(self.b_cover, self.a_cover, self.passages, self.similarity, self.facts,
                                self.lang_b, self.lang_a)


@by_fields
@dataclass(frozen=True, slots=True)
class Relation:
    """How version ``b`` relates to version ``a``.

    For ``excerpt``, ``a`` is the fuller text and ``b`` the excerpt; otherwise
    ``a`` and ``b`` are in id order. ``a_only``/``b_only`` are ``(start, end,
    kind)`` spans of each original text the other lacks: ``text`` for story
    text that found no match, or why a line was left out of the body
    (``header:title``, ``credit``, ``url``...).
    """

    a: str
    b: str
    relation: str
    score: float
    evidence: Evidence
    alignment: Alignment
    a_only: tuple[tuple[int, int, str], ...] = ()
    b_only: tuple[tuple[int, int, str], ...] = ()
    quotes: tuple[QuoteMatch, ...] = ()

    def swapped(self) -> Relation:
        """The same relation seen from B's side (A and B, their spans and evidence exchanged)."""
        al, ev = self.alignment, self.evidence
        return replace(
            self, a=self.b, b=self.a, a_only=self.b_only, b_only=self.a_only,
            alignment=Alignment(tuple(p.swapped() for p in al.passages), al.b_words, al.a_words,
                                al.b_covered, al.a_covered),
            evidence=replace(ev, a_in_b=ev.b_in_a, b_in_a=ev.a_in_b,
                             semantic=ev.semantic.swapped() if ev.semantic else None),
            quotes=tuple(replace(q, a_start=q.b_start, a_end=q.b_end, b_start=q.a_start, b_end=q.a_end,
                                 a_speaker=q.b_speaker, b_speaker=q.a_speaker) for q in self.quotes),
        )

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of one ``pairs.jsonl`` line."""
        return {
            "a": self.a,
            "b": self.b,
            "relation": self.relation,
            "score": round(self.score, 4),
            "passages": [p.as_dict() for p in self.alignment.passages],
            "a_only": [{"start": s, "end": e, "kind": k} for s, e, k in self.a_only],
            "b_only": [{"start": s, "end": e, "kind": k} for s, e, k in self.b_only],
            "quotes": [q.as_dict() for q in self.quotes],
            "evidence": self.evidence.as_dict(),
        }


def classify(ev: Evidence, params: RelateParams = RelateParams()) -> tuple[str, float, bool]:
    """Relation name, score in [0, 1], and whether A and B must swap (B holds A).

    >>> classify(Evidence(1.0, 0.45, 300, 4, False, False))
    ('excerpt', 1.0, True)
    >>> classify(Evidence(0.04, 0.05, 25, 1, False, False))
    ('unrelated', 0.05, False)
    >>> classify(Evidence(0.04, 0.05, 25, 1, False, False, {}, SemanticEvidence(0.8, 0.7, 6, 0.75, 0.9, "en", "it")))
    ('translation', 0.5625, False)
    """
    if ev.same_text:
        return "identical", 1.0, False
    if ev.same_body:
        return "reformatted", 1.0, False
    lo, hi = min(ev.a_in_b, ev.b_in_a), max(ev.a_in_b, ev.b_in_a)
    if lo >= params.reformatted:
        return "reformatted", lo, False
    if hi >= params.excerpt and ev.shared_words >= params.excerpt_words:
        # the text found almost whole in the other is the excerpt
        return "excerpt", hi, ev.a_in_b > ev.b_in_a
    sem = ev.semantic
    if sem is not None:
        lo_c, hi_c = min(sem.a_cover, sem.b_cover), max(sem.a_cover, sem.b_cover)
        if (hi_c >= params.rewrite and lo_c >= params.rewrite_min and sem.passages >= params.rewrite_passages
                and sem.similarity >= params.rewrite_similarity
                and (sem.facts is None or sem.facts >= params.rewrite_facts)):
            known = "und" not in (sem.lang_a, sem.lang_b)
            name = "translation" if known and sem.lang_a != sem.lang_b else "rewrite"
            return name, round(sem.similarity * (lo_c + hi_c) / 2, 4), False
    return "unrelated", hi, False


def meta_date(meta: Mapping[str, str]) -> date | None:
    """The ``date`` of a version's metadata as a date, or None when absent or not ISO.

    >>> meta_date({"date": "2021-12-22"}), meta_date({"date": "Dec 22"})
    (datetime.date(2021, 12, 22), None)
    """
    try:
        return date.fromisoformat(str(meta.get("date", ""))[:10])
    except ValueError:
        return None


def metadata_agreement(meta_a: dict[str, str], meta_b: dict[str, str]) -> dict[str, object]:
    """Which metadata two versions share: title, byline, URL, and days between dates.

    >>> metadata_agreement({"title": "Talks in January", "date": "2021-12-22"},
    ...                    {"title": "talks in january", "date": "2021-12-24"})
    {'same_title': True, 'date_gap_days': 2}
    """
    out: dict[str, object] = {}
    for key in ("title", "byline", "url"):
        va, vb = meta_a.get(key), meta_b.get(key)
        if va and vb:
            out[f"same_{key}"] = " ".join(va.lower().split()) == " ".join(vb.lower().split())
    da, db = meta_date(meta_a), meta_date(meta_b)
    if da and db:
        out["date_gap_days"] = abs((db - da).days)
    return out
