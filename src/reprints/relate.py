"""Relate: classify a pair of versions from its alignment, keeping the evidence.

The classifier is a short ordered list of rules over :class:`Evidence`; each rule
either names the relation or passes. Lexical rules come first (``identical``,
``reformatted``, ``excerpt``); semantic ones (``rewrite``, ``translation``) only
see pairs the lexical rules let pass. ``partial`` is the commonest reuse in a
newsroom: a version built on part of another (the article written from wire
copy) with material of its own. Sharing a quoted sentence or a boilerplate
paragraph covers only a small share of either text in few words, so it never
reaches ``excerpt`` or ``partial``; and similar vectors alone never make a ``rewrite``: the
matched passages must cover much of both texts and agree on names and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from reprints._pickle import by_fields
from reprints.align import Alignment, TokenizedText, WordChange, align, gaps, tokenize_many, word_changes
from reprints.align_semantic import QuoteMatch, SemanticText, align_semantic
from reprints.document import Document
from reprints.facts import quotations
from reprints.language import other_languages
from reprints.normalize import NormText, fold, normalize, sentences

if TYPE_CHECKING:
    from reprints.config import ScanParams

__all__ = ["word_counts", "changes_by_pair", "RelateParams", "Evidence", "SemanticEvidence", "Relation", "classify",
           "quoted_words", "directed", "oriented", "relate_words", "relate_meaning", "needs_meaning", "relate_pairs",
           "only_in", "metadata_agreement", "meta_date"]


@dataclass(frozen=True, slots=True)
class RelateParams:
    """Decision thresholds.

    ``reformatted``: both texts at least this much found in the other.
    ``excerpt``: the shorter text at least this much found in the longer, and
    at least ``excerpt_words`` words shared (a quoted sentence is shorter).
    ``partial``: one text at least this much found in the other, in at least
    ``partial_words`` shared words outside quotations (two reporters quoting
    the same witness is no reuse of each other) or ``long_quote`` shared words
    in all (no one in the room takes down forty words of testimony exactly as
    the wire did), the rest its own. Measured on
    METER (``benchmarks/bench_quality.py``): newspaper articles sharing 10-25
    words with their story's wire copy have 8% or more of their text in it,
    pairs across stories sharing as many words mostly under 5%.
    ``rewrite``/``translation``: passages matched by meaning or words cover at
    least ``rewrite`` of one text and ``rewrite_min`` of the other, in at least
    ``rewrite_passages`` passages of mean similarity ``rewrite_similarity``,
    whose names and numbers agree at least ``rewrite_facts`` (see
    :func:`_facts_hold` where a side states none), in at least
    ``rewrite_words`` matched words (on the side with more:
    three-line wire snippets all look alike, a court adjourned, a case
    resumed). Other languages on the two sides make it a ``translation``.
    """

    reformatted: float = 0.9
    excerpt: float = 0.8
    excerpt_words: int = 40
    partial: float = 0.08
    partial_words: int = 10
    long_quote: int = 40
    rewrite: float = 0.5
    rewrite_min: float = 0.3
    rewrite_passages: int = 3
    rewrite_similarity: float = 0.6
    rewrite_facts: float = 0.5
    rewrite_words: int = 40


@by_fields
@dataclass(frozen=True, slots=True)
class Evidence:
    """What a relation rests on: containment each way, shared words and passages,
    whether the whole text or the body are the same once normalized, which
    metadata agree, and how many of the shared words are quotations (counted
    where fewer than ``RelateParams.long_quote`` words are shared: only there
    can they decide a partial reuse)."""

    a_in_b: float
    b_in_a: float
    shared_words: int
    passages: int
    same_text: bool
    same_body: bool
    metadata: dict[str, object] = field(default_factory=dict)
    semantic: SemanticEvidence | None = None
    quoted_words: int = 0

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
        if self.quoted_words:
            out["quoted_words"] = self.quoted_words
        if self.semantic is not None:
            out["semantic"] = self.semantic.as_dict()
        return out


@by_fields
@dataclass(frozen=True, slots=True)
class SemanticEvidence:
    """What semantic alignment found: share of each text in matched passages
    (by meaning or by words), passages matched by meaning and their mean
    similarity, agreement of their names and numbers (None: none stated),
    each side's language, and the words in matched passages on the side with
    more (0 where not known; a text in Chinese or Japanese has few words between
    spaces, so the other side's count is the one that says how much matched)."""

    a_cover: float
    b_cover: float
    passages: int
    similarity: float
    facts: float | None
    lang_a: str
    lang_b: str
    words: int = 0

    def as_dict(self) -> dict[str, object]:
        """The JSON shape used in ``pairs.jsonl``."""
        return {"a_cover": round(self.a_cover, 4), "b_cover": round(self.b_cover, 4), "passages": self.passages,
                "similarity": round(self.similarity, 4),
                "facts": None if self.facts is None else round(self.facts, 4),
                "lang_a": self.lang_a, "lang_b": self.lang_b, "words": self.words}

    def swapped(self) -> SemanticEvidence:
        """The same evidence seen from B's side."""
        return SemanticEvidence(self.b_cover, self.a_cover, self.passages, self.similarity, self.facts,
                                self.lang_b, self.lang_a, self.words)


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


def _facts_hold(sem: SemanticEvidence, params: RelateParams) -> bool:
    """Whether the names and numbers of a pair matched by meaning allow a rewrite
    or translation: they agree at least ``rewrite_facts``; where one side states
    none, across languages that is no evidence either way (Chinese and Japanese
    write no capitals, a short post may name nobody), but in one language a
    rewrite keeps its names as written, so stating none is no support (answers
    on one topic, written apart, look alike).

    >>> p = RelateParams()
    >>> (_facts_hold(SemanticEvidence(1, 1, 5, 0.8, None, "en", "zh", 200), p),
    ...  _facts_hold(SemanticEvidence(1, 1, 5, 0.8, None, "en", "en", 200), p))
    (True, False)
    """
    if sem.facts is None:
        return other_languages(sem.lang_a, sem.lang_b)
    return sem.facts >= params.rewrite_facts


def classify(ev: Evidence, params: RelateParams = RelateParams()) -> tuple[str, float, bool]:
    """Relation name, score in [0, 1], and whether A and B must swap (B holds A).

    >>> classify(Evidence(1.0, 0.45, 300, 4, False, False))
    ('excerpt', 1.0, True)
    >>> classify(Evidence(0.3, 0.72, 349, 13, False, False))  # an article built on wire copy
    ('partial', 0.72, False)
    >>> classify(Evidence(0.04, 0.05, 25, 1, False, False))
    ('unrelated', 0.05, False)
    >>> classify(Evidence(0.09, 0.07, 29, 1, False, False, quoted_words=29))  # one quotation in common
    ('unrelated', 0.09, False)
    >>> classify(Evidence(0.04, 0.05, 25, 1, False, False, {}, SemanticEvidence(0.8, 0.7, 6, 0.75, 0.9, "en", "it", 120)))
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
    if hi >= params.partial and (ev.shared_words - ev.quoted_words >= params.partial_words
                                 or ev.shared_words >= params.long_quote):
        # the text found more in the other is the one built on it
        return "partial", hi, ev.a_in_b > ev.b_in_a
    sem = ev.semantic
    if sem is not None:
        lo_c, hi_c = min(sem.a_cover, sem.b_cover), max(sem.a_cover, sem.b_cover)
        if (hi_c >= params.rewrite and lo_c >= params.rewrite_min and sem.passages >= params.rewrite_passages
                and sem.similarity >= params.rewrite_similarity
                and _facts_hold(sem, params)
                and sem.words >= params.rewrite_words):
            name = "translation" if other_languages(sem.lang_a, sem.lang_b) else "rewrite"
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


def directed(relation: str) -> bool:
    """Whether ``relation`` has a direction: ``b`` was cut from (``excerpt``) or
    built on (``partial``) ``a``; the others are symmetric.

    >>> directed("partial"), directed("rewrite")
    (True, False)
    """
    return relation in ("excerpt", "partial")


def oriented(relation: str, swap: bool, a: str, b: str) -> bool:
    """Whether a pair classified as ``relation`` must swap sides: a directed
    relation puts the source first (``swap`` from :func:`classify`); every other
    relation is symmetric and lists the pair in id order.

    >>> oriented("excerpt", True, "a", "b"), oriented("rewrite", False, "b", "a")
    (True, True)
    """
    return swap if directed(relation) else a > b


def only_in(norm: NormText, covered: Sequence[tuple[int, int]]) -> tuple[tuple[int, int, str], ...]:
    """What one side holds that the other lacks: story text outside the ``covered``
    spans, and the lines normalizing left out of the body (header, credits, links).

    >>> from reprints.load import document_from_text
    >>> n = normalize(document_from_text("x", "Title line\\n\\nBy AFP\\n\\nThe talks begin today in Vienna."))
    >>> [kind for _, _, kind in only_in(n, [])]
    ['header:title', 'header:byline', 'text']
    """
    spans = [(s, e, "text") for s, e in gaps(list(covered), norm)] + list(norm.removed)
    return tuple(sorted(spans))


def _sides_only(passages: Sequence, na: NormText, nb: NormText) -> tuple[tuple, tuple]:
    """:func:`only_in` for both sides of a pair, given its passages."""
    return (only_in(na, [(p.a_start, p.a_end) for p in passages]),
            only_in(nb, [(p.b_start, p.b_end) for p in passages]))


def quoted_words(passages: Sequence, na: NormText, nb: NormText) -> int:
    """Aligned words that lie in quoted sentences (a sentence holding a quotation
    of three words or more, its attribution included) on either side, the
    larger count of the two: a wire service and a paper may mark quotes
    differently, and one side marking it is enough.

    >>> from reprints.align import align, tokenize
    >>> from reprints.normalize import normalize_text
    >>> q = 'Rehn said: "We did everything we could to keep flying, but the money simply ran out."'
    >>> na, nb = normalize_text("Markets fell. " + q), normalize_text(q + " Shares fell.")
    >>> quoted_words(align(tokenize(na), tokenize(nb)).passages, na, nb)  # all 16 shared words
    16
    """
    if not passages:
        return 0

    def side(norm: NormText, spans: list[tuple[int, int]]) -> int:
        text = norm.text
        qs = quotations(text, norm.paragraphs)
        if not qs:
            return 0
        quoted = [(s0, s1) for s0, s1 in sentences(norm) if any(q.start < s1 and s0 < q.end for q in qs)]
        quoted = norm.spans_to_original(quoted)
        total = 0
        for (p0, p1), words in zip(spans, [p.words for p in passages]):
            inside = sum(max(0, min(p1, e) - max(p0, s)) for s, e in quoted)
            total += round(words * min(1.0, inside / max(p1 - p0, 1)))
        return total

    return max(side(na, [(p.a_start, p.a_end) for p in passages]), side(nb, [(p.b_start, p.b_end) for p in passages]))


def _flat(text: str) -> str:
    return " ".join(fold(text).split())


def relate_words(da: Document, db: Document, ta: TokenizedText, tb: TokenizedText, same_body: bool,
                 params: ScanParams, differences: bool = False) -> Relation:
    """Align two versions by their words, classify and orient the pair. What each
    side alone holds is listed for versions of one story, or for any pair when
    ``differences`` is set (``compare`` shows it).

    >>> from reprints.config import ScanParams
    >>> from reprints.load import document_from_text
    >>> from reprints.align import tokenize
    >>> a = document_from_text("a", "The council voted on Tuesday to close the old bridge to all traffic from May.")
    >>> b = document_from_text("b", "City news\\n\\n" + a.text)
    >>> relate_words(a, b, tokenize(normalize(a)), tokenize(normalize(b)), True, ScanParams()).relation
    'reformatted'
    """
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
    if 0 < ev.shared_words < params.relate.long_quote and not same_body:  # both may quote someone's words
        ev = replace(ev, quoted_words=quoted_words(al.passages, ta.norm, tb.norm))
    name, score, swap = classify(ev, params.relate)
    a_only = b_only = ()
    if differences or name != "unrelated":
        a_only, b_only = _sides_only(al.passages, ta.norm, tb.norm)
    rel = Relation(da.id, db.id, name, score, ev, al, a_only, b_only)
    return rel.swapped() if oriented(name, swap, da.id, db.id) else rel


def needs_meaning(rel: Relation, params: ScanParams) -> bool:
    """Whether a pair related by words is aligned again by meaning: with semantic
    matching on, every pair the lexical rules leave ``unrelated``, once."""
    return params.semantic and rel.relation == "unrelated" and rel.evidence.semantic is None


def relate_meaning(rel: Relation, sa: SemanticText, sb: SemanticText, params: ScanParams,
                   differences: bool = False) -> Relation:
    """Align a pair :func:`relate_words` left ``unrelated`` (``rel.a`` is ``sa``'s
    document) by meaning and classify it again. A rewrite or translation keeps
    the semantic passages; any other pair only the evidence (and, with
    ``differences``, the quotations found in both): passages matched by meaning
    in a pair that is no version of the other are not reuse, and listing them
    would only lower the alignment's precision."""
    s = align_semantic(sa, sb, rel.alignment, params.semantic_align)
    al = rel.alignment
    words = round(max(s.a_cover * al.a_words, s.b_cover * al.b_words))  # (Chinese and Japanese: few "words")
    sem = SemanticEvidence(s.a_cover, s.b_cover, len(s.passages), s.similarity, s.facts, s.lang_a, s.lang_b, words)
    ev = replace(rel.evidence, semantic=sem)
    name, score, _ = classify(ev, params.relate)
    if name == "unrelated":
        return replace(rel, evidence=ev, quotes=s.quotes) if differences else replace(rel, evidence=ev)
    al = rel.alignment
    passages = tuple(sorted(al.passages + s.passages, key=lambda p: (p.a_start, p.b_start)))
    extra_a = sum(p.words for p in s.passages)
    al = Alignment(passages, al.a_words, al.b_words, min(al.a_words, al.a_covered + extra_a),
                   min(al.b_words, al.b_covered + s.b_words))
    a_only, b_only = _sides_only(passages, sa.norm, sb.norm)
    return Relation(rel.a, rel.b, name, score, ev, al, a_only, b_only, s.quotes)


def relate_pairs(docs: Sequence[Document], pairs: Sequence[tuple[int, int, bool]],
                 params: ScanParams) -> list[Relation]:
    """Relate ``(i, j, same_body)`` index pairs of ``docs`` by their words: the
    per-pair work an engine hands to a worker with the documents it needs.

    >>> from reprints.config import ScanParams
    >>> from reprints.load import document_from_text
    >>> docs = [document_from_text("a", "One two three four five six seven."), document_from_text("b", "Other words.")]
    >>> [r.relation for r in relate_pairs(docs, [(0, 1, False)], ScanParams())]
    ['unrelated']
    """
    toks = tokenize_many([normalize(d) for d in docs])
    return [relate_words(docs[i], docs[j], toks[i], toks[j], same, params) for i, j, same in pairs]


def word_counts(relations: Iterable[Relation]) -> dict[str, int]:
    """Each document's number of words, as its alignments counted them (what
    the family stage weighs texts by; every document in a pair has one)."""
    rels = list(relations)
    return {r.a: r.alignment.a_words for r in rels} | {r.b: r.alignment.b_words for r in rels}


def changes_by_pair(relations: Iterable[Relation],
                    texts: Mapping[str, str]) -> dict[frozenset[str], tuple[WordChange, ...]]:
    """The words changed inside each relation's passages (:func:`reprints.align.word_changes`),
    by pair of ids, for the relations whose two texts ``texts`` holds (outputs, query)."""
    return {frozenset((r.a, r.b)): word_changes(texts[r.a], texts[r.b], r.alignment.passages)
            for r in relations if r.a in texts and r.b in texts}
