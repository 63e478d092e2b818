"""Sketch: what candidate search needs from each document, computed in batches.

A sketch is a MinHash signature over word shingles, an exact hash of the
word sequence (equal for texts that differ only in case, spacing or
punctuation), and the text's winnowed marks: a few shingle hashes per window,
chosen so that two texts sharing a passage of eight words share a mark
whatever else they hold (MinHash estimates the share of the whole; a wire
story's two paragraphs in a long article are a small share).

The signature is *one-permutation* MinHash (Li, Owen & Zhang 2012) with optimal densification (Shrivastava 2017): each shingle is hashed
once and falls into one of ``num_perm`` bins, so the cost is O(shingles)
rather than O(shingles x permutations). Its collision probability per position
equals the Jaccard similarity, as with classic MinHash, so banded LSH works the
same way. We wrote our own because the classic scheme (datasketch, rensa) costs
``num_perm`` hash evaluations per shingle; ``benchmarks/bench_scan.py`` measures
the difference against datasketch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from reprints._hashing import mix, segment_poly
from reprints.document import Document
from reprints.normalize import NormText, words

try:  # shingling and MinHash bins in C (src/reprints/_words.c), built at install where a compiler is
    from reprints._words import sketch_into as _c_sketch
except ImportError:  # pragma: no cover - no compiler at install (or a stale build): NumPy does the same
    _c_sketch = None

__all__ = ["SketchParams", "Sketches", "SketchBatch", "sketch_texts", "sketch_batch", "same_body", "with_language",
           "estimate_jaccard"]

_EMPTY = np.uint32(0xFFFFFFFF)
_MUL = np.uint64(0x9E3779B97F4A7C15)
_Q = np.uint64(0xC2B2AE3D27D4EB4F)  # odd; base for hashing word sequences


@dataclass(frozen=True, slots=True)
class SketchParams:
    """Sketch settings.

    ``shingle``: words per shingle (5 keeps common phrases from matching while a
    single edited word breaks only five shingles). ``num_perm``: signature length,
    a power of two (128 gives a Jaccard estimate within about +-0.09 at 95%).
    ``seed`` fixes the hash functions; sketches with different seeds don't compare.
    ``winnow``: window of the marks, in shingles (0: no marks). Every passage of
    ``winnow + shingle - 1`` words two texts share gives them a mark in common;
    at 4 (passages of 8 words, the aligner's shortest) a text has about 0.4
    marks per word.
    """

    shingle: int = 5
    num_perm: int = 128
    seed: int = 1
    winnow: int = 4

    def __post_init__(self) -> None:
        if self.num_perm < 8 or self.num_perm & (self.num_perm - 1):
            raise ValueError(f"num_perm must be a power of two >= 8, got {self.num_perm}")
        if self.shingle < 1:
            raise ValueError(f"shingle must be >= 1, got {self.shingle}")
        if self.winnow < 0:
            raise ValueError(f"winnow must be >= 0, got {self.winnow}")


@dataclass(frozen=True, slots=True)
class Sketches:
    """Sketches of a batch of texts, row ``i`` for text ``i``.

    ``signatures``: ``(n, num_perm)`` uint32, ``0xFFFFFFFF`` rows for texts with
    no words; ``n_shingles``: distinct shingles per text; ``body_hash``: 64-bit
    hash of the word sequence (equal for texts that normalize alike);
    ``marks``: uint64 winnowed shingle hashes, text after text, each distinct
    one once in the order first chosen, text ``i``'s being
    ``marks[mark_bounds[i]:mark_bounds[i + 1]]``.
    """

    signatures: np.ndarray
    n_shingles: np.ndarray
    body_hash: np.ndarray
    marks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    mark_bounds: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.mark_bounds is None:
            object.__setattr__(self, "mark_bounds", np.zeros(len(self.n_shingles) + 1, np.int64))

    def __len__(self) -> int:
        return len(self.n_shingles)

    def without_marks(self) -> Sketches:
        """The same sketches without their marks (what is left once candidates are found)."""
        return Sketches(self.signatures, self.n_shingles, self.body_hash)

    def marks_of(self, i: int) -> np.ndarray:
        """Text ``i``'s marks."""
        return self.marks[self.mark_bounds[i]:self.mark_bounds[i + 1]]

    @staticmethod
    def concat(parts: Sequence[Sketches]) -> Sketches:
        """The sketches of several batches, in order, as one."""
        parts = list(parts)
        if not parts:
            return _empty(SketchParams())
        offsets = np.cumsum([0] + [len(p.marks) for p in parts[:-1]])
        bounds = np.concatenate([[0]] + [p.mark_bounds[1:] + o for p, o in zip(parts, offsets)]).astype(np.int64)
        return Sketches(np.concatenate([p.signatures for p in parts]), np.concatenate([p.n_shingles for p in parts]),
                        np.concatenate([p.body_hash for p in parts]),
                        np.concatenate([p.marks for p in parts]), bounds)


def _empty(params: SketchParams) -> Sketches:
    return Sketches(np.full((0, params.num_perm), _EMPTY, dtype=np.uint32), np.zeros(0, np.int64),
                    np.zeros(0, np.uint64))


def same_body(hash_a: int, n_a: int, hash_b: int) -> bool:
    """Whether two texts have the same body: the same words once normalized (equal
    body hashes), and some words at all (every empty text hashes alike).

    >>> s = sketch_texts(["The talks begin.", "THE TALKS -- begin!", ""])
    >>> same_body(s.body_hash[0], s.n_shingles[0], s.body_hash[1]), same_body(0, 0, 0)
    (True, False)
    """
    return bool(hash_a == hash_b) and bool(n_a > 0)


@dataclass(frozen=True, slots=True)
class SketchBatch:
    """What candidate search needs of a batch: the MinHash sketches and, with
    semantic matching, each text's lead vector (float16 rows), its language
    (``und`` when too short to call) and the seconds spent embedding."""

    sketches: Sketches
    leads: np.ndarray | None = None
    langs: tuple[str, ...] = ()
    seconds_embed: float = 0.0


def sketch_batch(norms: Sequence[NormText], titles: Sequence[str], params: SketchParams,
                 semantic: bool) -> SketchBatch:
    """Sketch normalized texts (with their titles, which lead the embedded lead);
    the scan's workers and the store both sketch this way.

    >>> from reprints.normalize import normalize_text
    >>> b = sketch_batch([normalize_text("Rail workers will strike next week.")], [""], SketchParams(), False)
    >>> len(b.sketches), b.leads is None
    (1, True)
    """
    sk = sketch_texts([n.text for n in norms], params)
    if not semantic:
        return SketchBatch(sk)
    from reprints.embed import embed, lead_text  # the model loads only for semantic matching
    from reprints.language import detect_many

    leads = [lead_text(n, title) for n, title in zip(norms, titles)]
    t0 = time.perf_counter()
    vec = embed(leads).astype(np.float16)
    took = time.perf_counter() - t0
    langs = tuple(x.code for x in detect_many([n.text[:1000] for n in norms]))
    return SketchBatch(sk, vec, langs, took)


def with_language(doc: Document, lang: str) -> Document:
    """``doc`` with a detected language in its metadata, unless it already names
    one or none was detected (``und``); the caller's document is never changed.

    >>> d = Document("a", "text", {"title": "T"})
    >>> with_language(d, "en").meta, with_language(d, "und") is d, d.meta
    ({'title': 'T', 'lang': 'en'}, True, {'title': 'T'})
    """
    if lang == "und" or "lang" in doc.meta:
        return doc
    return Document(doc.id, doc.text, {**doc.meta, "lang": lang}, doc.header)


def _probe_table(num_perm: int, seed: int) -> np.ndarray:
    """For each bin, a fixed random order of other bins to borrow from when empty."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(num_perm) for _ in range(num_perm)]).astype(np.intp)


_PROBES: dict[tuple[int, int], np.ndarray] = {}


def _densify(sig: np.ndarray, params: SketchParams) -> None:
    """Fill empty bins in place from a bin chosen by a fixed probe sequence."""
    rows, cols = np.nonzero(sig == _EMPTY)
    if len(rows) == 0:
        return
    key = (params.num_perm, params.seed)
    if key not in _PROBES:
        _PROBES[key] = _probe_table(params.num_perm, params.seed)
    probes = _PROBES[key]
    original = sig.copy()
    todo = np.ones(len(rows), dtype=bool)
    for attempt in range(params.num_perm):
        idx = np.nonzero(todo)[0]
        if len(idx) == 0:
            break
        src = probes[cols[idx], attempt]
        vals = original[rows[idx], src]
        ok = vals != _EMPTY
        sig[rows[idx[ok]], cols[idx[ok]]] = vals[ok]
        todo[idx[ok]] = False


def sketch_texts(texts: Sequence[str], params: SketchParams = SketchParams()) -> Sketches:
    """Sketch a batch of normalized texts (one C loop where it was built at install,
    else vectorised over the whole batch with NumPy; the same sketches either way).

    >>> s = sketch_texts(["The cat sat on the mat today.", "the cat  sat on the MAT today"])
    >>> bool((s.signatures[0] == s.signatures[1]).all()), bool(s.body_hash[0] == s.body_hash[1])
    (True, True)
    """
    return _sketch_texts(texts, params, _c_sketch)


def _sketch_texts(texts: Sequence[str], params: SketchParams, c_sketch) -> Sketches:
    """:func:`sketch_texts` by the C loop, or with NumPy when ``c_sketch`` is None."""
    texts = list(texts)
    n, k, m = len(texts), params.shingle, params.num_perm
    sig = np.full((n, m), _EMPTY, dtype=np.uint32)
    if n == 0:
        return _empty(params)
    with np.errstate(over="ignore"):
        w = words(texts)
        hashes, owner = w.hashes, w.owner
        per_doc = np.bincount(owner, minlength=n)
        if c_sketch is not None:  # the same sketches from one C loop (src/reprints/_words.c)
            bounds = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(per_doc, out=bounds[1:])
            n_sh, body_hash = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.uint64)
            n_marks = np.zeros(n, dtype=np.int64)
            marks = np.empty(len(hashes) + n if params.winnow else 0, dtype=np.uint64)
            c_sketch(hashes, bounds, k, int(np.uint64(params.seed) * _MUL), sig, n_sh, body_hash,
                     params.winnow, marks, n_marks)
            _densify(sig, params)
            mark_bounds = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(n_marks, out=mark_bounds[1:])
            return Sketches(sig, n_sh, body_hash, marks[: mark_bounds[-1]].copy(), mark_bounds)
        first = np.cumsum(per_doc) - per_doc
        body_hash = mix(segment_poly(hashes, first, first + per_doc, _Q) ^ per_doc.astype(np.uint64))
        body_hash[per_doc == 0] = 0
        # k-word shingles over the concatenated words; drop those crossing texts
        seed = np.uint64(params.seed) * _MUL
        nw = len(hashes)
        if nw >= k:
            acc = hashes[: nw - k + 1] ^ seed
            for j in range(1, k):
                acc = acc * _MUL + hashes[j : nw - k + 1 + j]
            sh_owner = owner[: nw - k + 1]
            keep = sh_owner == owner[k - 1 :]
            shingles, sh_owner = mix(acc[keep]), sh_owner[keep]
        else:  # (a batch of fewer than k words once also shingled all of them: batch-dependent)
            shingles, sh_owner = hashes[:0], owner[:0]
        # texts shorter than k words get a single shingle of all their words
        short = np.flatnonzero((per_doc > 0) & (per_doc < k))
        if len(short):
            extra = mix(segment_poly(hashes, first[short], first[short] + per_doc[short], _MUL) ^ seed)
            shingles = np.concatenate([shingles, extra])
            sh_owner = np.concatenate([sh_owner, short])
        n_sh = np.bincount(sh_owner, minlength=n).astype(np.int64)
        shift = np.uint64(64 - (m.bit_length() - 1))
        bins = (shingles >> shift).astype(np.int64)
        vals = (shingles & np.uint64(0xFFFFFFFE)).astype(np.uint32)  # never equals _EMPTY
        np.minimum.at(sig.reshape(-1), sh_owner * m + bins, vals)
    _densify(sig, params)
    marks, mark_bounds = _winnow(shingles, sh_owner, n, params.winnow)
    return Sketches(sig, n_sh, body_hash.astype(np.uint64), marks, mark_bounds)


def _winnow(shingles: np.ndarray, owner: np.ndarray, n: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed marks of each text (the NumPy twin of ``winnow`` in _words.c):
    the least hash of every window of ``w`` shingles, the rightmost of equals,
    each distinct hash once, where first chosen; a text of fewer than ``w``
    shingles, its least."""
    bounds = np.zeros(n + 1, dtype=np.int64)
    if w == 0 or len(shingles) == 0:
        return np.zeros(0, np.uint64), bounds
    order = np.argsort(owner, kind="stable")  # the short texts' shingles were appended last
    sh, own = shingles[order], owner[order]
    count = np.bincount(own, minlength=n)
    start = np.cumsum(count) - count
    width = np.minimum(count, w)[own]  # each shingle's text's window
    pos = np.arange(len(sh)) - start[own]
    chosen = []
    for size in np.unique(width):
        # windows of this width start where the whole window lies in the text
        begin = np.flatnonzero((width == size) & (pos + size <= count[own]))
        if len(begin) == 0:
            continue
        win = sh[begin[:, None] + np.arange(size)]
        chosen.append(begin + size - 1 - np.argmin(win[:, ::-1], axis=1))
    at = np.unique(np.concatenate(chosen))
    # each distinct hash once per text, where first chosen
    order = np.lexsort((at, sh[at], own[at]))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (own[at][order][1:] != own[at][order][:-1]) | (sh[at][order][1:] != sh[at][order][:-1])
    at = np.sort(at[order[first]])
    np.cumsum(np.bincount(own[at], minlength=n), out=bounds[1:])
    return sh[at], bounds


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity between rows of two signature arrays.

    >>> s = sketch_texts(["a b c d e f g h", "a b c d e f g h"])
    >>> float(estimate_jaccard(s.signatures[0], s.signatures[1]))
    1.0
    """
    eq = np.asarray(sig_a) == np.asarray(sig_b)
    return eq.mean(axis=-1)
