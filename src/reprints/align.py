"""Align: which passages of two versions correspond, with offsets into the originals.

Seed and extend on word n-grams: every n-gram the two texts share is a seed;
seeds on the same diagonal form exact runs; runs close to each other in both
texts, in the same order, are merged into one passage (tolerating a changed,
added or dropped word or a few). Passages may come in any order, so a moved
paragraph is still found. Each passage is cut at paragraph breaks of either
text; then neighbouring pieces, in the same order in both texts and apart by
no more than a few words in either (a line break, a changed word, a short
insertion), are joined again, so a copied block comes back as one passage
however the copy was wrapped.

All of that runs in one C call (``reprints._align``) where it was compiled at
install, else in NumPy and Python below, with the same results.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from reprints._pickle import by_fields
from reprints.normalize import NormText, words

try:  # the aligner's core in C (src/reprints/_align.c), built at install where a compiler is
    from reprints._align import core as _align_core
except ImportError:  # pragma: no cover - no compiler at install: the NumPy path does the same
    _align_core = None

__all__ = ["AlignParams", "Passage", "Alignment", "TokenizedText", "tokenize", "tokenize_many", "align", "gaps"]


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Alignment settings.

    ``seed``: words per seed n-gram. ``max_gap``: most words skipped on either
    side inside one passage. ``min_words``: shortest passage kept, once the
    pieces of one block are joined (shorter shared bits are stock phrases, not
    reuse). ``join_gap``: most words
    between two neighbouring passages, in either text, for them to be one
    passage (-1: never join; 0: only across line and paragraph breaks).
    """

    seed: int = 5
    max_gap: int = 6
    min_words: int = 8
    join_gap: int = 6


@by_fields
@dataclass(frozen=True, slots=True)
class Passage:
    """One aligned passage: ``[a_start, a_end)`` in A's original text matches
    ``[b_start, b_end)`` in B's. ``kind`` is ``verbatim`` (same words),
    ``near-verbatim`` (small edits inside), or, from semantic alignment,
    ``reworded`` (same language) or ``translated``; ``words`` counts aligned
    words in A; ``similarity`` is the cosine of the two passages' vectors
    (1.0 for lexical passages)."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: str
    words: int
    similarity: float = 1.0

    def as_dict(self) -> dict[str, int | str | float]:
        """The JSON shape used in ``pairs.jsonl``."""
        out: dict[str, int | str | float] = {"a_start": self.a_start, "a_end": self.a_end,
                                             "b_start": self.b_start, "b_end": self.b_end, "kind": self.kind}
        if self.kind in ("reworded", "translated"):
            out["similarity"] = round(self.similarity, 3)
        return out

    def swapped(self) -> Passage:
        """The same passage seen from B's side."""
        return Passage(self.b_start, self.b_end, self.a_start, self.a_end, self.kind, self.words,
                       self.similarity)


@by_fields
@dataclass(frozen=True, slots=True)
class Alignment:
    """All passages of a pair and how much of each side they cover (in words)."""

    passages: tuple[Passage, ...]
    a_words: int
    b_words: int
    a_covered: int
    b_covered: int

    @property
    def a_in_b(self) -> float:
        """Share of A's words that are found in B (containment of A in B)."""
        return self.a_covered / self.a_words if self.a_words else 0.0

    @property
    def b_in_a(self) -> float:
        """Share of B's words that are found in A."""
        return self.b_covered / self.b_words if self.b_words else 0.0


@dataclass(frozen=True, slots=True)
class TokenizedText:
    """A normalized text with its word ids, spans and paragraph of each word."""

    norm: NormText
    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    para: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def tokenize(norm: NormText) -> TokenizedText:
    """Words of a normalized text, ready for :func:`align` (do it once per document).

    >>> from reprints.normalize import normalize_text
    >>> tokenize(normalize_text("One two.\\n\\nThree")).para.tolist()
    [0, 0, 1]
    """
    return tokenize_many([norm])[0]


def tokenize_many(norms: list[NormText]) -> list[TokenizedText]:
    """:func:`tokenize` for a batch at once (the tokenizer is vectorised per batch)."""
    w = words([n.text for n in norms])
    bounds = np.searchsorted(w.owner, np.arange(len(norms) + 1))
    ids = w.hashes.view(np.int64)
    out = []
    for k, norm in enumerate(norms):
        lo, hi = bounds[k], bounds[k + 1]
        starts = w.starts[lo:hi]
        pstarts = np.asarray([p[0] for p in norm.paragraphs] or [0], dtype=np.int64)
        para = np.searchsorted(pstarts, starts, side="right") - 1
        out.append(TokenizedText(norm, ids[lo:hi], starts, w.ends[lo:hi], para))
    return out


def _ngram_keys(ids: np.ndarray, n: int) -> np.ndarray:
    if len(ids) < n:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(over="ignore"):
        acc = ids[: len(ids) - n + 1].copy()
        for j in range(1, n):
            acc = acc * np.int64(1000003) + ids[j : len(ids) - n + 1 + j]
    return acc


def _seeds(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j) where A and B share an n-gram (rare n-grams only)."""
    ka, kb = _ngram_keys(a, n), _ngram_keys(b, n)
    if len(ka) == 0 or len(kb) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ob = np.argsort(kb, kind="stable")
    sb = kb[ob]
    lo = np.searchsorted(sb, ka, side="left")
    hi = np.searchsorted(sb, ka, side="right")
    count = hi - lo
    ok = (count > 0) & (count <= 4)  # n-grams repeated more often are noise
    ii = np.repeat(np.flatnonzero(ok), count[ok])
    offs = np.arange(len(ii)) - np.repeat(np.cumsum(count[ok]) - count[ok], count[ok])
    jj = ob[np.repeat(lo[ok], count[ok]) + offs]
    return ii.astype(np.int64), jj.astype(np.int64)


def _runs(ii: np.ndarray, jj: np.ndarray, n: int) -> list[list[int]]:
    """Exact runs ``[a0, a1, b0, b1]`` (word ranges) from seeds on one diagonal."""
    if len(ii) == 0:
        return []
    diag = jj - ii
    order = np.lexsort((ii, diag))
    ii, diag = ii[order], diag[order]
    brk = np.flatnonzero((np.diff(diag) != 0) | (np.diff(ii) != 1)) + 1
    first = np.concatenate([[0], brk])
    last = np.concatenate([brk - 1, [len(ii) - 1]])
    a0, a1 = ii[first], ii[last] + n
    d = diag[first]
    return [[int(x), int(y), int(x + z), int(y + z)] for x, y, z in zip(a0, a1, d)]


def _chain(runs: list[list[int]], max_gap: int) -> list[list[list[int]]]:
    """Merge runs that follow each other closely in both texts into passages."""
    runs.sort()
    chains: list[list[list[int]]] = []
    for run in runs:
        best = None
        for ch in reversed(chains[-8:]):
            last = ch[-1]
            ga, gb = run[0] - last[1], run[2] - last[3]
            if -2 <= ga <= max_gap and -2 <= gb <= max_gap:
                best = ch
                break
        if best is None:
            chains.append([run])
            continue
        last = best[-1]
        # trim overlaps so runs inside a chain never share words
        cut = max(last[1] - run[0], last[3] - run[2], 0)
        if cut:
            run = [run[0] + cut, run[1], run[2] + cut, run[3]]
        if run[1] > run[0]:
            best.append(run)
    return chains


def _select(chains: list[list[list[int]]], na: int, nb: int, min_words: int) -> list[list[list[int]]]:
    """Keep the longest passages first; later ones lose the words already aligned.

    A word is aligned at most once. A passage overlapping a kept one (often by
    a seed that straddles a paragraph break) is trimmed, not thrown away.
    """
    used_a = np.zeros(na, dtype=bool)
    used_b = np.zeros(nb, dtype=bool)
    kept = []
    for ch in sorted(chains, key=lambda c: (-sum(r[1] - r[0] for r in c), c[0][0], c[0][2])):
        runs = []
        for a0, a1, b0, b1 in ch:
            free = ~used_a[a0:a1] & ~used_b[b0:b1]
            if free.all():
                runs.append([a0, a1, b0, b1])
                continue
            edges = np.diff(np.concatenate([[0], free.view(np.int8), [0]]))
            for s, e in zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()):
                runs.append([a0 + s, a0 + e, b0 + s, b0 + e])
        if sum(r[1] - r[0] for r in runs) < min_words:
            continue
        for a0, a1, b0, b1 in runs:
            used_a[a0:a1] = True
            used_b[b0:b1] = True
        kept.append(runs)
    return kept


def _split_by_paragraph(ch: list[list[int]], ta: TokenizedText, tb: TokenizedText) -> list[list[list[int]]]:
    """Cut a passage where either side starts a new paragraph."""
    pieces: list[list[int]] = []
    for a0, a1, b0, b1 in ch:
        change = (np.diff(ta.para[a0:a1]) != 0) | (np.diff(tb.para[b0 : b0 + a1 - a0]) != 0)
        start = a0
        for k in (np.flatnonzero(change) + a0 + 1).tolist():
            pieces.append([start, k, b0 + start - a0, b0 + k - a0])
            start = k
        pieces.append([start, a1, b0 + start - a0, b1])
    groups: list[list[list[int]]] = []
    for p in pieces:
        if groups:
            g = groups[-1][-1]
            if ta.para[p[0]] == ta.para[g[0]] and tb.para[p[2]] == tb.para[g[2]]:
                groups[-1].append(p)
                continue
        groups.append([p])
    return groups


def _to_row(group: list[list[int]], ta: TokenizedText, tb: TokenizedText) -> tuple[int, int, int, int, int, bool]:
    """A passage as the C core gives it: normalized character spans, aligned words, exact or not."""
    a0, a1, b0, b1 = group[0][0], group[-1][1], group[0][2], group[-1][3]
    exact = (a1 - a0) == (b1 - b0) and bool((ta.ids[a0:a1] == tb.ids[b0:b1]).all())
    words = sum(r[1] - r[0] for r in group)
    return int(ta.starts[a0]), int(ta.ends[a1 - 1]), int(tb.starts[b0]), int(tb.ends[b1 - 1]), words, exact


def _joined(rows: list, spans_a: list, spans_b: list, ta: TokenizedText, tb: TokenizedText,
            gap: int) -> list[tuple[tuple, tuple[int, int], tuple[int, int]]]:
    """Join passages that follow each other in both texts with at most ``gap``
    words between them in either: one copied block, cut only by a line break,
    a paragraph break or a small edit, is one passage. The words between them
    do not count as aligned; a join across words is no longer verbatim, and
    nothing is joined across a line left out of either body (a URL, a credit),
    so both sides of a passage still read as the same text.

    ``rows`` are the core's (normalized spans, words, exact); ``spans_a`` and
    ``spans_b`` their spans in the original texts. Returns ``(row, span_a, span_b)``."""
    items = sorted(zip(rows, spans_a, spans_b), key=lambda x: (x[0][0], x[0][2]))
    if gap < 0 or len(items) < 2:
        return items
    by_b = sorted(range(len(items)), key=lambda k: (items[k][0][2], items[k][0][0]))
    next_in_b = {by_b[k]: by_b[k + 1] for k in range(len(by_b) - 1)}
    removed_a = [(s, e) for s, e, _ in ta.norm.removed]
    removed_b = [(s, e) for s, e, _ in tb.norm.removed]

    def clear(removed: list[tuple[int, int]], lo: int, hi: int) -> bool:
        return not any(s < hi and e > lo for s, e in removed)

    out = [items[0]]
    last = 0
    for k in range(1, len(items)):
        (p, pa, pb), (q, qa, qb) = out[-1], items[k]
        if next_in_b.get(last) == k and q[0] >= p[1] and q[2] >= p[3] and clear(removed_a, pa[1], qa[0]) \
                and clear(removed_b, pb[1], qb[0]):
            wa = int(np.searchsorted(ta.starts, q[0]) - np.searchsorted(ta.starts, p[1]))
            wb = int(np.searchsorted(tb.starts, q[2]) - np.searchsorted(tb.starts, p[3]))
            if wa <= gap and wb <= gap:
                row = (p[0], q[1], p[2], q[3], p[4] + q[4], bool(p[5] and q[5] and wa == wb == 0))
                out[-1] = (row, (pa[0], qa[1]), (pb[0], qb[1]))
                last = k
                continue
        out.append(items[k])
        last = k
    return out


def align(ta: TokenizedText, tb: TokenizedText, params: AlignParams = AlignParams()) -> Alignment:
    """Align two tokenized texts passage by passage.

    >>> from reprints.normalize import normalize_text
    >>> a = tokenize(normalize_text("The minister said the talks would begin in January in Geneva."))
    >>> b = tokenize(normalize_text("Breaking. The minister said the talks would begin in January."))
    >>> p = align(a, b).passages[0]
    >>> p.kind, a.norm.text[p.a_start:p.a_end]
    ('verbatim', 'The minister said the talks would begin in January')
    """
    return _align(ta, tb, params, _align_core)


def _align(ta: TokenizedText, tb: TokenizedText, params: AlignParams, core: Callable[..., Any] | None) -> Alignment:
    """:func:`align` with the C core (``reprints._align.core``), or with NumPy when ``core`` is None."""
    rows, a_cov, b_cov = _rows(ta, tb, params, core)
    sa = ta.norm.spans_to_original([(r[0], r[1]) for r in rows])
    sb = tb.norm.spans_to_original([(r[2], r[3]) for r in rows])
    joined = _joined(rows, sa, sb, ta, tb, params.join_gap)
    # a short piece that joined no neighbour (a slug line, a stock phrase cut off by a line left
    # out of the body) is no passage: runs align equal numbers of words, so both sides lose its words
    short = sum(r[4] for r, _, _ in joined if r[4] < params.min_words)
    a_cov, b_cov = a_cov - short, b_cov - short
    passages = [Passage(x[0], x[1], y[0], y[1], "verbatim" if r[5] else "near-verbatim", r[4])
                for r, x, y in joined if r[4] >= params.min_words]
    passages.sort(key=lambda p: (p.a_start, p.b_start))
    return Alignment(tuple(passages), len(ta), len(tb), a_cov, b_cov)


def _rows(ta: TokenizedText, tb: TokenizedText, params: AlignParams,
          core: Callable[..., Any] | None) -> tuple[list, int, int]:
    """The matched runs of two texts, each cut at paragraph breaks, as rows
    ``(a0, a1, b0, b1, words, verbatim)`` in token positions, and the words
    each side has covered."""
    if core is not None and params.seed >= 1 and max(len(ta.ids), len(tb.ids)) < 2**31:  # what the C handles
        rows, a_cov, b_cov = core((ta.ids, ta.para, ta.starts, ta.ends), (tb.ids, tb.para, tb.starts, tb.ends),
                                  params.seed, params.max_gap, params.min_words)
    else:
        if len(ta) == len(tb) and len(ta) and bool((ta.ids == tb.ids).all()):
            chains = [[[0, len(ta), 0, len(tb)]]]  # same words: one run, no search needed
        else:
            ii, jj = _seeds(ta.ids, tb.ids, params.seed)
            chains = _select(_chain(_runs(ii, jj, params.seed), params.max_gap), len(ta), len(tb), params.min_words)
        rows = []
        a_cov = b_cov = 0
        for ch in chains:
            a_cov += sum(r[1] - r[0] for r in ch)
            b_cov += sum(r[3] - r[2] for r in ch)
            rows.extend(_to_row(g, ta, tb) for g in _split_by_paragraph(ch, ta, tb))
    return rows, a_cov, b_cov


@dataclass(frozen=True, slots=True)
class WordChange:
    """Words changed inside a matched passage: ``[a_start, a_end)`` of A's
    original text became ``[b_start, b_end)`` of B's (an empty side: words
    added or dropped there); ``kind`` as :func:`reprints.facts.change_kind`."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: str

    def as_dict(self) -> dict[str, int | str]:
        """The JSON shape in ``pairs.jsonl``."""
        return {"a_start": self.a_start, "a_end": self.a_end, "b_start": self.b_start, "b_end": self.b_end,
                "kind": self.kind}


#: Word-level alignment inside a passage: runs of single words up, no gap inside a run.
_WORD_LEVEL = AlignParams(seed=1, max_gap=0, min_words=1, join_gap=0)
#: A change is an edit of a few words; a longer difference is a rewording, marked as its passage already.
MAX_CHANGE_WORDS = 8
#: Inside a reworded passage most words differ; only short swaps ("toughly" / "act resolutely to") are edits.
MAX_REWORDED_CHANGE_WORDS = 4
_BETWEEN = " \t\n.,;:!?\"'()[]\u2019\u201c\u201d-"
_CHANGE_KINDS = ("near-verbatim", "reworded")


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A change span grown to whole words where it cuts one ("3,000", not ",000")
    and stripped of the spaces and punctuation around it."""

    def joined(i: int) -> bool:  # text[i - 1] and text[i] belong to one word or number
        if i <= 0 or i >= len(text):
            return False
        x, y = text[i - 1], text[i]
        if x.isalnum() and y.isalnum():
            return True
        if x in ",." and i >= 2:  # 3,|000 or 3|,000: the separator of a figure
            return text[i - 2].isdigit() and y.isdigit()
        if y in ",." and i + 1 < len(text):
            return x.isdigit() and text[i + 1].isdigit()
        return False

    while joined(start):
        start -= 1
    while joined(end):
        end += 1
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


_GAP_WORD = re.compile(r"\S+")


def _trimmed(pa: str, a0: int, a1: int, pb: str, b0: int, b1: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two sides of a change without the words they start or end with alike
    ("in June" / "in July" is "June" / "July": a stopword seeds no run, so it
    is left between runs)."""
    wa = [(m.start() + a0, m.end() + a0, m.group().lower().strip(_BETWEEN)) for m in _GAP_WORD.finditer(pa[a0:a1])]
    wb = [(m.start() + b0, m.end() + b0, m.group().lower().strip(_BETWEEN)) for m in _GAP_WORD.finditer(pb[b0:b1])]
    while wa and wb and wa[0][2] == wb[0][2]:
        wa, wb = wa[1:], wb[1:]
    while wa and wb and wa[-1][2] == wb[-1][2]:
        wa, wb = wa[:-1], wb[:-1]
    return ((wa[0][0], wa[-1][1]) if wa else (a1, a1)), ((wb[0][0], wb[-1][1]) if wb else (b1, b1))


def word_changes(a_text: str, b_text: str, passages: tuple[Passage, ...] | list[Passage]) -> tuple[WordChange, ...]:
    """The words changed inside the near-verbatim and reworded ``passages`` of
    two texts (offsets into the original texts ``a_text``, ``b_text``): each
    passage is aligned again word by word, and what lies between two matched
    runs on both sides is one change (a figure, a name, a date, quoted words).
    In translated passages, the numbers, dates and names the two sides do not
    share (:func:`reprints.facts.fact_changes`). Computed where the texts are at
    hand (outputs, compare, query, report), not in the scan.

    >>> a = "Emergency services evacuated more than 3,000 people on Wednesday, officials said in the capital."
    >>> b = "Emergency services evacuated more than 3,500 people on Thursday, officials said in the capital."
    >>> [(a[c.a_start:c.a_end], b[c.b_start:c.b_end], c.kind)
    ...  for c in word_changes(a, b, [Passage(0, len(a), 0, len(b), "near-verbatim", 15)])]
    [('3,000', '3,500', 'number'), ('Wednesday', 'Thursday', 'date')]
    """
    from reprints.facts import change_kind, fact_changes
    from reprints.normalize import normalize_text

    out: list[WordChange] = []
    for p in passages:
        if p.kind == "translated":  # no words to align across languages: compare the facts
            for (a0, a1), (b0, b1), kind in fact_changes(a_text[p.a_start:p.a_end], b_text[p.b_start:p.b_end]):
                change = WordChange(p.a_start + a0, p.a_start + a1, p.b_start + b0, p.b_start + b1, kind)
                if change not in out:
                    out.append(change)
            continue
        if p.kind not in _CHANGE_KINDS:
            continue
        pa, pb = a_text[p.a_start:p.a_end], b_text[p.b_start:p.b_end]
        ta, tb = tokenize(normalize_text(pa)), tokenize(normalize_text(pb))
        rows = sorted(_rows(ta, tb, _WORD_LEVEL, _align_core)[0], key=lambda r: (r[0], r[2]))
        sa = ta.norm.spans_to_original([(r[0], r[1]) for r in rows])
        sb = tb.norm.spans_to_original([(r[2], r[3]) for r in rows])
        edges = [(0, 0, 0, 0)] + [(x[0], x[1], y[0], y[1]) for x, y in zip(sa, sb)] + \
                [(len(pa), len(pa), len(pb), len(pb))]
        for x, y in zip(edges, edges[1:]):
            if y[0] < x[1] or y[2] < x[3]:
                continue  # runs out of order (a moved sentence): no change between them
            ga, gb = pa[x[1]:y[0]], pb[x[3]:y[2]]
            if not (ga.strip(_BETWEEN) or gb.strip(_BETWEEN)) or ga.split() == gb.split():
                continue  # only spaces, line breaks or punctuation; or the same words (stopwords seed no run)
            (a0, a1), (b0, b1) = _trimmed(pa, x[1], y[0], pb, x[3], y[2])
            a0, a1 = _whole_words(pa, a0, a1) if a1 > a0 else (a0, a0)
            b0, b1 = _whole_words(pb, b0, b1) if b1 > b0 else (b0, b0)
            if a0 >= a1 and b0 >= b1:
                continue
            if " ".join(pa[a0:a1].split()) == " ".join(pb[b0:b1].split()):
                continue  # the same words (a line the word runs left out on both sides)
            if max(len(pa[a0:a1].split()), len(pb[b0:b1].split())) > \
                    (MAX_CHANGE_WORDS if p.kind == "near-verbatim" else MAX_REWORDED_CHANGE_WORDS):
                continue
            para_a = pa.rfind("\n", 0, a0) + 1
            para_b = pb.rfind("\n", 0, b0) + 1
            kind = change_kind(pa[a0:a1], pb[b0:b1], pa[para_a:a0], pb[para_b:b0])
            change = WordChange(p.a_start + a0, p.a_start + a1, p.b_start + b0, p.b_start + b1, kind)
            if change not in out:  # overlapping passages meet the same edit
                out.append(change)
    return tuple(out)


def gaps(passages: list[tuple[int, int]], norm: NormText, min_chars: int = 12) -> list[tuple[int, int]]:
    """Spans of a version's body (original offsets) that no passage covers.

    Those are what the version *added* (or, seen from the other side, what the
    other version *dropped*). Whitespace-only and very short leftovers are skipped.

    >>> from reprints.normalize import normalize_text
    >>> n = normalize_text("Kept words here.\\n\\nAn extra paragraph at the end.")
    >>> gaps([(0, 16)], n)
    [(18, 48)]
    """
    out: list[tuple[int, int]] = []
    covered = sorted(passages)
    for o0, o1 in norm.spans_to_original(norm.paragraphs):
        cur = o0
        for s, e in covered:
            if e <= cur or s >= o1:
                continue
            if s > cur:
                out.append((cur, s))
            cur = max(cur, e)
        if cur < o1:
            out.append((cur, o1))
    return [(s, e) for s, e in out if e - s >= min_chars]
