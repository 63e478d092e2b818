"""Semantic alignment: which passages of two versions say the same thing in other
words or another language.

Each version is cut into units (paragraphs, long ones into runs of sentences)
and every unit is embedded once (:func:`prepare`). Two versions are aligned
unit to unit by cosine similarity: first the best monotonic chain (dynamic
programming, as a rewrite mostly keeps the order), then strong matches out of
order (a moved paragraph), then neighbours of a matched unit that match the
same counterpart (a paragraph split in two). A match must also agree on facts:
two units that both state names or numbers and share none are not the same
passage, however close their vectors. Units already matched word for word by
the lexical aligner are left to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from reprints._pickle import by_fields
from reprints.align import Alignment, Passage
from reprints.embed import embed, units
from reprints.facts import Quote, agreement, anchors, quotations
from reprints.language import detect_many, other_languages
from reprints.normalize import NormText

__all__ = ["SemanticParams", "SemanticText", "QuoteMatch", "SemanticAlignment", "prepare", "prepare_many", "rebuild",
           "align_semantic"]


@dataclass(frozen=True, slots=True)
class SemanticParams:
    """Thresholds on cosine similarity of unit vectors.

    ``match``: least similarity of a unit pair in the ordered chain. ``strong``:
    least similarity of a pair out of order. ``split``: least similarity of
    a second unit matched to the same counterpart. ``quote``: least similarity
    of two quotations taken as versions of one quote. ``lexical``: share of a
    unit's characters the lexical aligner must cover for the unit to be left
    to it.
    """

    match: float = 0.55
    strong: float = 0.7
    split: float = 0.5
    quote: float = 0.6
    lexical: float = 0.5


@by_fields
@dataclass(frozen=True, slots=True)
class SemanticText:
    """What semantic alignment needs of one version, computed once per document:
    unit spans of the normalized text, their vectors (float16 to halve memory),
    languages and facts, the document's language, and its quotations with
    their vectors."""

    norm: NormText
    units: tuple[tuple[int, int], ...]
    vectors: np.ndarray
    langs: tuple[str, ...]
    lang: str
    facts: tuple[frozenset[str], ...]
    words: tuple[int, ...]
    quotes: tuple[Quote, ...]
    quote_vectors: np.ndarray


def _doc_language(langs: Sequence[str], words: Sequence[int]) -> str:
    """The language holding most words, ``und`` when none is known."""
    weight: dict[str, int] = {}
    for lang, n in zip(langs, words):
        if lang != "und":
            weight[lang] = weight.get(lang, 0) + n
    return max(weight, key=lambda k: weight[k]) if weight else "und"


def prepare_many(norms: Sequence[NormText]) -> list[SemanticText]:
    """:func:`prepare` for many texts with one call to the embedding model."""
    spans = [tuple(units(n)) for n in norms]
    quotes = [tuple(quotations(n.text, n.paragraphs)) for n in norms]
    texts = [n.text[a:b] for n, sp in zip(norms, spans) for a, b in sp]
    qtexts = [n.text[q.start : q.end] for n, qs in zip(norms, quotes) for q in qs]
    vec = embed(texts + qtexts).astype(np.float16)
    langs = [x.code for x in detect_many(texts)]
    out: list[SemanticText] = []
    k, kq = 0, len(texts)
    for n, sp, qs in zip(norms, spans, quotes):
        out.append(_assemble(n, sp, qs, vec[k : k + len(sp)], tuple(langs[k : k + len(sp)]),
                             vec[kq : kq + len(qs)]))
        k += len(sp)
        kq += len(qs)
    return out


def _assemble(n: NormText, sp: tuple[tuple[int, int], ...], qs: tuple[Quote, ...], vectors: np.ndarray,
              langs: tuple[str, ...], quote_vectors: np.ndarray) -> SemanticText:
    unit_text = [n.text[a:b] for a, b in sp]
    words = tuple(len(t.split()) for t in unit_text)
    known = anchors(n.text)
    return SemanticText(n, sp, vectors, langs, _doc_language(langs, words),
                        tuple(anchors(t, known) for t in unit_text), words, qs, quote_vectors)


def rebuild(norm: NormText, vectors: np.ndarray, quote_vectors: np.ndarray, langs: Sequence[str]) -> SemanticText:
    """The :class:`SemanticText` of ``norm`` from the vectors and unit languages
    :func:`prepare` gave it before (kept in a store), without the model: units,
    facts and quotations are cheap to find again, vectors are not."""
    sp = tuple(units(norm))
    qs = tuple(quotations(norm.text, norm.paragraphs))
    if len(sp) != len(vectors) or len(qs) != len(quote_vectors) or len(langs) != len(sp):
        raise ValueError("stored vectors do not fit this text (was it normalized differently?)")
    return _assemble(norm, sp, qs, vectors, tuple(langs), quote_vectors)


def prepare(norm: NormText) -> SemanticText:
    """Units, vectors, languages, facts and quotations of one normalized text.

    >>> from reprints.normalize import normalize_text
    >>> s = prepare(normalize_text('Ministers met in Rome on Monday.\\n\\n"We agreed on 12 points," Rossi said.'))
    >>> len(s.units), s.lang, s.vectors.shape, s.quotes[0].speaker
    (2, 'en', (2, 512), 'Rossi')
    """
    return prepare_many([norm])[0]


@by_fields
@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """One quotation found in both versions: original-text spans of the quoted
    words, the speakers as each names them, similarity, and whether the
    wording is the same (same words, case and punctuation aside)."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_speaker: str
    b_speaker: str
    similarity: float
    same_wording: bool

    def as_dict(self) -> dict[str, object]:
        """The JSON shape used in ``pairs.jsonl``."""
        return {"a_start": self.a_start, "a_end": self.a_end, "b_start": self.b_start, "b_end": self.b_end,
                "a_speaker": self.a_speaker, "b_speaker": self.b_speaker,
                "similarity": round(self.similarity, 3), "same_wording": self.same_wording}


@dataclass(frozen=True, slots=True)
class SemanticAlignment:
    """Passages matched by meaning (kind ``reworded`` or ``translated``), B's
    words in them (``Passage.words`` counts A's), the share of each side's
    words in a matched unit (lexical matches included),
    the mean similarity of the semantic matches, how far the facts of the
    matched units agree (None: no facts to compare), the two languages, and
    the quotations found in both."""

    passages: tuple[Passage, ...]
    b_words: int
    a_cover: float
    b_cover: float
    similarity: float
    facts: float | None
    lang_a: str
    lang_b: str
    quotes: tuple[QuoteMatch, ...]


def _passage_facts(st: SemanticText, units: list[int]) -> frozenset[str]:
    """Names and numbers of the matched ``units`` that belong to a passage, not to
    the whole text: stated in at most half of the text's units (or in one). The
    topic's own names ("Dynamic Programming" in every answer on it, the
    minister in every paragraph of every story about him) say nothing about
    whether two texts tell the same story.

    >>> from reprints.normalize import normalize_text
    >>> st = prepare(normalize_text("Lavrov met NATO.\\n\\nLavrov left at 35,000 feet.\\n\\nLavrov spoke in Geneva."))
    >>> sorted(_passage_facts(st, [0, 1, 2]))
    ['#:35000', 'n:genev', 'n:nato']
    """
    if not units:
        return frozenset()
    seen: dict[str, int] = {}
    for f in st.facts:
        for x in f:
            seen[x] = seen.get(x, 0) + 1
    most = max(1, len(st.facts) // 2)
    return frozenset(x for i in units for x in st.facts[i] if seen[x] <= most)


def _lexically_covered(st: SemanticText, spans: list[tuple[int, int]], share: float) -> np.ndarray:
    """Which units the lexical passages (original offsets) already cover."""
    out = np.zeros(len(st.units), dtype=bool)
    if not spans:
        return out
    for k, (a, b) in enumerate(st.units):
        o0, o1 = st.norm.span_to_original(a, b)
        hit = sum(max(0, min(o1, e) - max(o0, s)) for s, e in spans)
        out[k] = hit >= share * max(1, o1 - o0)
    return out


def _chain(score: np.ndarray) -> list[tuple[int, int]]:
    """The monotonic set of unit pairs with the largest total positive score."""
    m, n = score.shape
    best = np.zeros((m + 1, n + 1))
    move = np.zeros((m + 1, n + 1), dtype=np.int8)  # 0 skip a, 1 skip b, 2 match
    for i in range(1, m + 1):
        row, prev = best[i], best[i - 1]
        for j in range(1, n + 1):
            s = score[i - 1, j - 1]
            choices = (prev[j], row[j - 1], prev[j - 1] + s if s > 0 else -1.0)
            k = int(np.argmax(choices))
            row[j], move[i, j] = choices[k], k
    out = []
    i, j = m, n
    while i > 0 and j > 0:
        if move[i, j] == 2:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif move[i, j] == 0:
            i -= 1
        else:
            j -= 1
    return out[::-1]


def _facts_ok(fa: frozenset[str], fb: frozenset[str], sim: float) -> bool:
    """False when both units state facts and share none (unless nearly the same text)."""
    agree = agreement(fa, fb)
    return agree is None or agree > 0 or min(len(fa), len(fb)) < 2 or sim >= 0.85


def _match_units(sa: SemanticText, sb: SemanticText, skip_a: np.ndarray, skip_b: np.ndarray,
                 params: SemanticParams) -> list[tuple[int, int, float]]:
    """Unit pairs ``(i, j, similarity)``: ordered chain, strong moves, then splits."""
    if not len(sa.units) or not len(sb.units):
        return []
    sim = sa.vectors.astype(np.float32) @ sb.vectors.astype(np.float32).T
    ok = np.ones_like(sim, dtype=bool)
    for i in range(sim.shape[0]):
        for j in np.flatnonzero(sim[i] >= params.split):
            ok[i, j] = _facts_ok(sa.facts[i], sb.facts[j], float(sim[i, j]))
    live = ok & ~skip_a[:, None] & ~skip_b[None, :]
    masked = np.where(live, sim, -1.0)
    score = np.where(live, sim - params.match, -1.0)
    pairs = {(i, j) for i, j in _chain(score)}
    used_a = {i for i, _ in pairs}
    used_b = {j for _, j in pairs}
    # strong matches out of order, best first
    for flat in np.argsort(-masked, axis=None):
        i, j = divmod(int(flat), sim.shape[1])
        if sim[i, j] < params.strong:
            break
        if i not in used_a and j not in used_b and live[i, j]:
            pairs.add((i, j))
            used_a.add(i)
            used_b.add(j)
    # a unit split in two: the neighbour of a matched unit that matches the same counterpart
    # (only where that counterpart is the neighbour's best match)
    best_b = masked.argmax(axis=1)
    best_a = masked.argmax(axis=0)
    for i, j in sorted(pairs):
        for i2 in (i - 1, i + 1):
            if 0 <= i2 < sim.shape[0] and i2 not in used_a and live[i2, j] and sim[i2, j] >= params.split \
                    and best_b[i2] == j:
                pairs.add((i2, j))
                used_a.add(i2)
        for j2 in (j - 1, j + 1):
            if 0 <= j2 < sim.shape[1] and j2 not in used_b and live[i, j2] and sim[i, j2] >= params.split \
                    and best_a[j2] == i:
                pairs.add((i, j2))
                used_b.add(j2)
    return sorted((i, j, float(sim[i, j])) for i, j in pairs)


def _same_wording(a: str, b: str) -> bool:
    return [w.lower().strip(".,;:!?'\"") for w in a.split()] == [w.lower().strip(".,;:!?'\"") for w in b.split()]


def _match_quotes(sa: SemanticText, sb: SemanticText, params: SemanticParams) -> tuple[QuoteMatch, ...]:
    """Pairs of quotations that say the same thing, each quote used once, best first."""
    if not sa.quotes or not sb.quotes:
        return ()
    sim = sa.quote_vectors.astype(np.float32) @ sb.quote_vectors.astype(np.float32).T
    out = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for flat in np.argsort(-sim, axis=None):
        i, j = divmod(int(flat), sim.shape[1])
        if sim[i, j] < params.quote:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        qa, qb = sa.quotes[i], sb.quotes[j]
        a0, a1 = sa.norm.span_to_original(qa.start, qa.end)
        b0, b1 = sb.norm.span_to_original(qb.start, qb.end)
        same = _same_wording(sa.norm.text[qa.start : qa.end], sb.norm.text[qb.start : qb.end])
        out.append(QuoteMatch(a0, a1, b0, b1, qa.speaker, qb.speaker, float(sim[i, j]), same))
    return tuple(sorted(out, key=lambda q: q.a_start))


def align_semantic(sa: SemanticText, sb: SemanticText, lexical: Alignment | None = None,
                   params: SemanticParams = SemanticParams()) -> SemanticAlignment:
    """Match the units of two versions by meaning, on top of a lexical alignment.

    >>> from reprints.normalize import normalize_text
    >>> a = prepare(normalize_text("The city council approved a congestion charge of 8 euros on Tuesday.\\n\\n"
    ...                            "Mayor Anna Berg said the money will pay for 40 new buses."))
    >>> b = prepare(normalize_text("Il sindaco Anna Berg ha detto che i soldi pagheranno 40 nuovi autobus.\\n\\n"
    ...                            "Martedì il consiglio comunale ha approvato un pedaggio urbano di 8 euro."))
    >>> s = align_semantic(a, b)
    >>> [(p.kind, p.words) for p in s.passages], s.lang_a, s.lang_b, s.a_cover
    ([('translated', 12), ('translated', 12)], 'en', 'it', 1.0)
    """
    spans_a = [(p.a_start, p.a_end) for p in lexical.passages] if lexical else []
    spans_b = [(p.b_start, p.b_end) for p in lexical.passages] if lexical else []
    lex_a = _lexically_covered(sa, spans_a, params.lexical)
    lex_b = _lexically_covered(sb, spans_b, params.lexical)
    matches = _match_units(sa, sb, lex_a, lex_b, params)
    passages = []
    for i, j, s in matches:
        a0, a1 = sa.norm.span_to_original(*sa.units[i])
        b0, b1 = sb.norm.span_to_original(*sb.units[j])
        la, lb = sa.langs[i], sb.langs[j]
        kind = "translated" if other_languages(la, lb) else "reworded"
        passages.append(Passage(a0, a1, b0, b1, kind, sa.words[i], round(s, 4)))
    in_a = lex_a.copy()
    in_b = lex_b.copy()
    for i, j, _ in matches:
        in_a[i] = in_b[j] = True
    wa = np.asarray(sa.words, dtype=float)
    wb = np.asarray(sb.words, dtype=float)
    a_cover = float(wa[in_a].sum() / wa.sum()) if wa.sum() else 0.0
    b_cover = float(wb[in_b].sum() / wb.sum()) if wb.sum() else 0.0
    similarity = float(np.mean([s for _, _, s in matches])) if matches else 0.0
    fa = _passage_facts(sa, [i for i, _, _ in matches])
    fb = _passage_facts(sb, [j for _, j, _ in matches])
    b_words = int(sum(sb.words[j] for j in {j for _, j, _ in matches}))
    return SemanticAlignment(tuple(passages), b_words, a_cover, b_cover, similarity, agreement(fa, fb),
                             sa.lang, sb.lang, _match_quotes(sa, sb, params))
