"""Candidates: which pairs of documents are worth aligning.

Three sources, all vectorised with NumPy: equal body hashes (same words once
normalized; each copy is paired with the first of its group only, so a
thousand copies make 999 pairs, not half a million); banded LSH over the
MinHash signatures (two texts become candidates when all ``rows`` values of any one of ``bands`` bands agree),
for texts much of whose whole they share; and shared winnowed marks
(:func:`mark_pairs`), for texts sharing a passage or two in otherwise
different text: the newspaper article built on two paragraphs of wire copy,
whose Jaccard similarity with it is a few per cent. The band layout is chosen
from a Jaccard ``threshold`` by minimising the expected false positive plus
false negative area, as is usual for banded LSH.

Semantic candidates (rewrites, translations) come from a vector index over
each document's lead embedding: faiss, chosen by measurement
(``benchmarks/bench_vector_index.py``): for every lead against all leads, its
exact inner-product search took 0.6 s at 10,000 leads and 14.9 s at 50,000
with full recall, where NumPy took 2.5 s and 56 s, and the HNSW graphs of
faiss, hnswlib and usearch 2.4-4.2 s and 29-56 s at 96.9-98.4% recall. Exact
search grows with the square of the corpus, so faiss's HNSW graph takes over
above ``SemanticIndexParams.exact_below``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from reprints.sketch import Sketches

__all__ = ["LSHParams", "optimal_bands", "band_keys", "candidate_pairs", "mark_pairs", "lexical_match",
           "SemanticIndexParams", "semantic_pairs", "language_groups", "background", "stands_out"]

_EMPTY = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=64)
def optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` best separating at ``threshold``.

    >>> optimal_bands(0.5, 128)
    (25, 5)
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    s_lo = np.linspace(0.0, threshold, 201)
    s_hi = np.linspace(threshold, 1.0, 201)
    best, best_err = (1, num_perm), float("inf")
    for b in range(1, num_perm + 1):
        r = num_perm // b
        fp = np.trapezoid(1.0 - (1.0 - s_lo**r) ** b, s_lo)
        fn = np.trapezoid((1.0 - s_hi**r) ** b, s_hi)
        err = 0.5 * fp + 0.5 * fn
        if err < best_err - 1e-12:
            best, best_err = (b, r), err
    return best


@dataclass(frozen=True, slots=True)
class LSHParams:
    """Candidate search settings.

    ``threshold``: Jaccard similarity of shingle sets at which pairs are meant
    to be found. At 0.2 (43 bands of 2 rows for 128 slots) a pair at Jaccard 0.3
    is found 98% of the time and at 0.2 83%, so excerpts holding a quarter or
    more of the longer text are found reliably; pairs sharing a few stock
    phrases (Jaccard 0.01) become candidates 0.4% of the time and are then
    dropped by the ``min_similarity`` check.
    ``max_bucket``: a band bucket larger than this (mass boilerplate) only links
    each member to its ``max_bucket`` nearest neighbours in index order, so one
    common text cannot make the pair count quadratic.
    ``min_similarity``: candidates must also reach this estimated Jaccard, or
    ``min_containment``, the estimated share of the shorter text's shingles
    found in the longer (an excerpt of a long story has a low Jaccard).
    ``min_marks``: texts sharing at least this many distinct winnowed marks are
    candidates too (0: no mark candidates); one shared mark is one shared
    stock phrase as often as a reused passage, two are rarely chance.
    ``max_df``: only the first ``max_df`` texts holding a mark (in input order)
    are paired by it; later ones take it for a stock phrase. Whole copies of a
    much-copied story are found by LSH and body hashes all the same.
    ``min_mark_share``: the shared marks must also be this share of the
    distinct marks of the text with fewer. In every pair the relate stage
    could call reuse the shared passages are a twelfth of a text or more
    (``RelateParams.partial``); two boilerplate lines held by the first
    ``max_df`` texts of a feed are not (on the 100,000-document benchmark they
    made 5,500 of 6,100 mark pairs; METER loses no article at 0.02 and one at 0.03).
    """

    threshold: float = 0.2
    max_bucket: int = 64
    min_similarity: float = 0.2
    min_containment: float = 0.5
    bands_rows: tuple[int, int] | None = field(default=None)
    min_marks: int = 2
    max_df: int = 64
    min_mark_share: float = 0.03

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {self.threshold}")
        if self.max_bucket < 1:
            raise ValueError(f"max_bucket must be at least 1, got {self.max_bucket}")
        if self.min_marks < 0:
            raise ValueError(f"min_marks must be at least 0, got {self.min_marks}")
        if self.max_df < 2:
            raise ValueError(f"max_df must be at least 2, got {self.max_df}")
        if not 0.0 <= self.min_mark_share <= 1.0:
            raise ValueError(f"min_mark_share must be between 0 and 1, got {self.min_mark_share}")

    def layout(self, num_perm: int) -> tuple[int, int]:
        """The ``(bands, rows)`` used for signatures of length ``num_perm``."""
        return self.bands_rows or optimal_bands(self.threshold, num_perm)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (document, band), vectorised: two signatures share a
    band's key when all ``rows`` values of that band agree.

    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9]], dtype=np.uint32)
    >>> k = band_keys(sig, 2, 2)
    >>> bool(k[0, 0] == k[1, 0]), bool(k[0, 1] == k[1, 1])
    (True, False)
    """
    n = sig.shape[0]
    v = sig[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    key = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(rows):
            key = (key ^ v[:, :, j]) * np.uint64(0x100000001B3) + np.uint64(j + 1)
    return key


def _pairs_in_groups(order: np.ndarray, keys_sorted: np.ndarray, cap: int) -> np.ndarray:
    """All pairs of positions sharing a key (runs in sorted order), each run capped."""
    n = len(order)
    out = []
    for d in range(1, min(cap, n - 1) + 1):
        same = keys_sorted[d:] == keys_sorted[:-d]
        if not same.any():
            break
        idx = np.flatnonzero(same)
        out.append(np.stack([order[idx], order[idx + d]], axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(out)


def _ordered_unique(pairs: np.ndarray, n: int) -> np.ndarray:
    if len(pairs) == 0:
        return pairs.reshape(0, 2).astype(np.int64)
    lo = np.minimum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    hi = np.maximum(pairs[:, 0], pairs[:, 1]).astype(np.int64)
    code = np.unique(lo * n + hi)
    return np.stack([code // n, code % n], axis=1)


def candidate_pairs(sk: Sketches, params: LSHParams = LSHParams()) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, worth aligning, sorted.

    >>> from reprints.sketch import sketch_texts
    >>> base = " ".join(f"word{i}" for i in range(200))
    >>> sk = sketch_texts([base, base + " and a short tail", "something else entirely here"])
    >>> candidate_pairs(sk).tolist()
    [[0, 1]]
    """
    n, m = sk.signatures.shape
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    live = np.flatnonzero(sk.n_shingles > 0)
    found = []
    # exact body hashes: each copy is paired with the first of its group only
    hashes = sk.body_hash[live]
    order = np.argsort(hashes, kind="stable")
    sorted_h = hashes[order]
    head = np.concatenate([[True], sorted_h[1:] != sorted_h[:-1]])
    rep = order[np.maximum.accumulate(np.where(head, np.arange(len(order)), 0))]
    star = np.stack([live[rep[~head]], live[order[~head]]], axis=1)
    # banded LSH
    bands, rows = params.layout(m)
    sig = sk.signatures if len(live) == n else sk.signatures[live]

    def band(b: int) -> np.ndarray:
        col = band_keys(sig[:, b * rows : (b + 1) * rows], 1, rows)[:, 0]  # one band: no large temporaries
        order = np.argsort(col, kind="stable")
        return live[_pairs_in_groups(order, col[order], params.max_bucket)]

    # NumPy sorts without the GIL: two threads sort two bands at once (same pairs, same order)
    with ThreadPoolExecutor(min(2, os.cpu_count() or 1)) as threads:
        found += threads.map(band, range(bands))
    pairs = _ordered_unique(np.concatenate(found), n)
    if len(pairs):  # same-body pairs are covered by the stars above
        pairs = pairs[sk.body_hash[pairs[:, 0]] != sk.body_hash[pairs[:, 1]]]
    pairs = _ordered_unique(np.concatenate([pairs, star]), n)
    if len(pairs):
        same = sk.body_hash[pairs[:, 0]] == sk.body_hash[pairs[:, 1]]
        pairs = pairs[same | lexical_match(sk.signatures[pairs[:, 0]], sk.signatures[pairs[:, 1]],
                                           sk.n_shingles[pairs[:, 0]], sk.n_shingles[pairs[:, 1]], params)]
    marked = mark_pairs(sk, params)
    if len(marked) == 0:
        return pairs
    marked = marked[sk.body_hash[marked[:, 0]] != sk.body_hash[marked[:, 1]]]  # copies: the star has them
    return _ordered_unique(np.concatenate([pairs, marked]), n)


def mark_pairs(sk: Sketches, params: LSHParams = LSHParams()) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, sorted, of texts sharing at least
    ``min_marks`` distinct winnowed marks, each mark pairing only the first
    ``max_df`` texts holding it (see :class:`LSHParams`).

    Each (mark, text) is packed in one uint64, the mark's high bits above the
    text's index, so that one NumPy sort (a SIMD sort: 0.4 s for 20 million)
    groups the texts of every mark; an argsort of separate keys took six times
    as long. The marks are taken in eight buckets by their top bits, one at a
    time, so the packed copy, the sort and the grouping hold an eighth of them:
    at 100,000 documents (19 million marks) this stage peaked 526 MB above its
    input with one bucket, and runs as fast with eight.

    >>> from reprints.sketch import sketch_texts
    >>> wire = "the court heard that the defendant had been seen near the scene at midnight by two witnesses"
    >>> sk = sketch_texts(["Local news. " + wire + " and more of our own text", "an unrelated note", wire])
    >>> mark_pairs(sk).tolist()
    [[0, 2]]
    """
    n = len(sk)
    if params.min_marks == 0 or n < 2 or len(sk.marks) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    bits = max(1, (n - 1).bit_length())
    counts = np.diff(sk.mark_bounds)  # each text's distinct marks
    top = np.empty(len(sk.marks), dtype=np.uint8)
    for lo in range(0, len(top), 1 << 20):  # a slice at a time: no temporary the size of the marks
        np.right_shift(sk.marks[lo:lo + (1 << 20)], np.uint64(64 - _MARK_BUCKET_BITS), out=top[lo:lo + (1 << 20)],
                       casting="unsafe")
    owner = np.repeat(np.arange(n, dtype=np.uint32 if n < 1 << 32 else np.uint64), counts)  # each mark's text
    codes = [_mark_bucket_pairs(sk.marks, owner, np.flatnonzero(top == b), bits, params.max_df)
             for b in range(1 << _MARK_BUCKET_BITS)]
    del top, owner
    code, count = np.unique(np.concatenate(codes) if codes else np.zeros(0, np.int64), return_counts=True)
    a, b = code >> bits, code & ((1 << bits) - 1)
    keep = (a < b) & (count >= params.min_marks) & (count >= params.min_mark_share * np.minimum(counts[a], counts[b]))
    return np.stack([a[keep], b[keep]], axis=1)


#: ``mark_pairs`` takes the marks in 2**this buckets by their top bits.
_MARK_BUCKET_BITS = 3


def _mark_bucket_pairs(marks: np.ndarray, owner: np.ndarray, at: np.ndarray, bits: int, max_df: int) -> np.ndarray:
    """Pair codes ``i << bits | j`` of the texts (``owner``) sharing each mark
    among ``marks[at]``, the first ``max_df`` holders of a mark only (one pair
    once per mark they share)."""
    low = np.uint64((1 << bits) - 1)
    packed = marks[at] & ~low
    packed |= owner[at]
    del at
    packed.sort()
    near = np.less_equal(packed[1:] ^ packed[:-1], low)  # the next entry is the same mark in another text
    shared = np.zeros(len(packed), dtype=bool)
    shared[1:] = near
    shared[:-1] |= near
    del near
    packed = packed[shared]  # each mark held by two texts or more, once per text
    if len(packed) == 0:
        return np.zeros(0, dtype=np.int64)
    key = packed >> np.uint64(bits)
    doc = (packed & low).astype(np.int64)
    head = np.concatenate([[True], key[1:] != key[:-1]])
    start = np.maximum.accumulate(np.where(head, np.arange(len(key)), 0))
    first = np.arange(len(key)) - start < max_df
    within = _pairs_in_groups(doc[first], key[first], max_df - 1)  # a group holds max_df at most now
    return (within[:, 0] << bits) | within[:, 1]


def lexical_match(sig_a: np.ndarray, sig_b: np.ndarray, n_a: np.ndarray, n_b: np.ndarray,
                  params: LSHParams = LSHParams()) -> np.ndarray:
    """Whether LSH candidates are kept, judged on their full signatures (rows of
    ``sig_a`` against ``sig_b``, with their shingle counts): estimated Jaccard at
    least ``min_similarity``, or estimated containment of the smaller shingle set
    in the larger at least ``min_containment``.

    >>> a = np.arange(128, dtype=np.uint32)[None, :]
    >>> b = a.copy(); b[0, 20:] += 1000  # 20 of 128 slots agree: Jaccard about 0.16
    >>> lexical_match(a, b, np.array([300]), np.array([300])).tolist()
    [False]
    >>> lexical_match(a, b, np.array([100]), np.array([400])).tolist()  # but the short text is mostly in the long one
    [True]
    """
    jac = (np.atleast_2d(sig_a) == np.atleast_2d(sig_b)).mean(axis=1)
    na = np.asarray(n_a).astype(float)
    nb = np.asarray(n_b).astype(float)
    contain = jac * (na + nb) / (1.0 + jac) / np.maximum(np.minimum(na, nb), 1.0)
    return (jac >= params.min_similarity) | (contain >= params.min_containment)


@dataclass(frozen=True, slots=True)
class SemanticIndexParams:
    """Semantic candidate search over lead vectors.

    A pair is a candidate when one lead is among the other's ``k`` nearest,
    their cosine is at least ``threshold`` (same-story leads across languages
    score 0.5-0.9 here; other stories about the same people up to 0.6, which
    the aligner then rejects), and it beats the lower of the two leads'
    background (cosine with its ``k``-th neighbour) by ``margin``. The margin
    keeps a crowd of look-alike leads (a topic covered all day, boilerplate
    openings) from making every lead a neighbour of every other: a version
    stands out from its neighbourhood, a look-alike does not. Exact search
    below ``exact_below`` vectors, HNSW above.

    ``by_language``: a lead's background is its ``k``-th nearest lead *in its
    own language* (:func:`reprints.language.language_group`), where that
    language has more than ``k + 1`` leads (undetermined leads count in every
    language); other leads (undetermined, or in a language with few leads) keep
    the background over all leads. A story translated into many languages has few versions in
    any one of them, so its versions are no longer each other's background: with
    one background over all leads, a story with more than ``k`` versions hid
    them all (WMT news: 29 versions a story, pair recall 0.12). Off in stores
    made before it (they keep finding candidates as they did).
    """

    k: int = 10
    threshold: float = 0.45
    margin: float = 0.12
    exact_below: int = 100_000
    by_language: bool = True


def language_groups(langs: Sequence[str | None]) -> np.ndarray:
    """Each lead's language group as a small integer (-1: undetermined), for
    :func:`semantic_pairs` and the store's lead index.

    >>> language_groups(["en", "hr", "de", "sr", "und", "en-GB"]).tolist()
    [1, 2, 0, 2, -1, 1]
    """
    from reprints.language import language_group

    names = [language_group(x) for x in langs]
    known = sorted({n for n in names if n})
    at = {n: i for i, n in enumerate(known)}
    return np.array([at.get(n, -1) for n in names], dtype=np.int32)


def _search_in(queries: np.ndarray, xs: np.ndarray, width: int,
               params: SemanticIndexParams) -> tuple[np.ndarray, np.ndarray]:
    """Each query's ``width`` nearest rows of ``xs`` (a query in ``xs`` finds
    itself first): exact, or HNSW when many."""
    import faiss

    if len(xs) < params.exact_below:
        index = faiss.IndexFlatIP(xs.shape[1])
    else:
        index = faiss.IndexHNSWFlat(xs.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = max(64, 2 * params.k)
    index.add(np.ascontiguousarray(xs))
    return index.search(np.ascontiguousarray(queries), min(width, len(xs)))


def semantic_pairs(vectors: np.ndarray, params: SemanticIndexParams = SemanticIndexParams(),
                   groups: np.ndarray | None = None) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, sorted, whose vectors are near neighbours:
    one among the other's ``k`` nearest, above the threshold, and standing out
    from the lower of their backgrounds, each taken in its own language group
    (``groups``, from :func:`language_groups`) where ``params.by_language``.

    ``vectors`` are unit-length rows (all-zero rows, empty texts, are skipped).

    >>> v = np.array([[1, 0, 0], [0.96, 0.28, 0], [0, 0, 1], [0, 0, 0]], dtype=np.float32)
    >>> semantic_pairs(v).tolist()
    [[0, 1]]
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    live = np.flatnonzero(np.abs(x).sum(axis=1) > 0)
    if len(live) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    xs = x[live]
    width = min(params.k + 1, len(live))
    sims, nbrs = _search_in(xs, xs, width, params)
    bg = background(sims[:, -1], len(live), params.k)
    if params.by_language and groups is not None:
        g = np.asarray(groups)[live]
        undetermined = np.flatnonzero(g < 0)  # in any language: they count in every one's background
        for grp in np.unique(g[g >= 0]):
            own = np.flatnonzero(g == grp)
            if len(own) <= params.k + 1:
                continue  # too few in its language to have a background there: the one over all leads
            pool = np.concatenate([own, undetermined])
            gs, _ = _search_in(xs[own], xs[pool], params.k + 1, params)
            bg[own] = background(gs[:, -1], len(pool), params.k)
    rows = np.repeat(np.arange(len(live)), width)
    cols = nbrs.ravel()
    flat = sims.ravel()
    ok = (cols >= 0) & (cols != rows) & (flat >= params.threshold)
    rows, cols, flat = rows[ok], cols[ok], flat[ok]
    keep = stands_out(flat, bg[rows], bg[cols], params)
    pairs = np.stack([live[rows[keep]], live[cols[keep]]], axis=1)
    return _ordered_unique(pairs, len(x))


def background(kth: np.ndarray, n_live: int, k: int) -> np.ndarray:
    """Each lead's background: its cosine with its ``k``-th nearest other lead
    (``kth``), where ``n_live`` leads (one count, or one per lead: those of its
    language) give every lead that many others; 0 where they do not or no
    ``k``-th neighbour was found.

    >>> background(np.array([0.3, -np.inf], dtype=np.float32), 20, 10).tolist(), background(np.array([0.3]), 5, 10).tolist()
    ([0.30000001192092896, 0.0], [0.0])
    """
    kth = np.asarray(kth, dtype=np.float32)
    return np.where((np.asarray(n_live) > k + 1) & np.isfinite(kth), kth, 0.0).astype(np.float32)


def stands_out(cos: np.ndarray | float, bg_a: np.ndarray | float, bg_b: np.ndarray | float,
               params: SemanticIndexParams = SemanticIndexParams()) -> np.ndarray | bool:
    """The semantic candidacy rule: two leads are candidates when their cosine
    beats the lower of their backgrounds by ``margin`` (see
    :class:`SemanticIndexParams`); the caller has checked ``threshold``.
    Works on arrays and on single values alike.

    >>> bool(stands_out(0.8, 0.5, 0.7)), bool(stands_out(0.55, 0.5, 0.7))
    (True, False)
    """
    return cos - np.minimum(bg_a, bg_b) >= params.margin

