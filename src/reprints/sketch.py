"""Sketch: what candidate search needs from each document, computed in batches.

A sketch is a MinHash signature over word shingles plus two exact hashes (of the
body and of the whole text). The signature is *one-permutation* MinHash (Li,
Owen & Zhang 2012) with optimal densification (Shrivastava 2017): each shingle is
hashed once and falls into one of ``num_perm`` bins, so the cost is O(shingles)
rather than O(shingles x permutations). Its collision probability per position
equals the Jaccard similarity, as with classic MinHash, so banded LSH works the
same way. We wrote our own because the classic scheme (datasketch, rensa) costs
``num_perm`` hash evaluations per shingle; ``benchmarks/bench_scan.py`` measures
the difference against datasketch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["SketchParams", "Sketches", "sketch_texts", "estimate_jaccard"]

_EMPTY = np.uint32(0xFFFFFFFF)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MUL = np.uint64(0x9E3779B97F4A7C15)
# Byte classes for the vectorised tokenizer: ASCII letters, digits and "_" are
# word bytes, and so is every byte >= 0x80 (the parts of non-ASCII letters).
_IS_WORD = np.zeros(256, dtype=bool)
for _c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_":
    _IS_WORD[_c] = True
_IS_WORD[0x80:] = True
_BYTE_VAL = np.where(_IS_WORD, np.arange(256, dtype=np.uint64) * np.uint64(0x100000001B3) + np.uint64(0x9E37), 0).astype(np.uint64)
_P = np.uint64(0x100000001B3 * 2 + 1)  # odd, so invertible modulo 2**64
_Q = np.uint64(0xC2B2AE3D27D4EB4F)     # odd; base for hashing word sequences
_POW: dict[int, np.ndarray] = {}


@dataclass(frozen=True, slots=True)
class SketchParams:
    """Sketch settings.

    ``shingle``: words per shingle (5 keeps common phrases from matching while a
    single edited word breaks only five shingles). ``num_perm``: signature length,
    a power of two (128 gives a Jaccard estimate within about +-0.09 at 95%).
    ``seed`` fixes the hash functions; sketches with different seeds don't compare.
    """

    shingle: int = 5
    num_perm: int = 128
    seed: int = 1

    def __post_init__(self) -> None:
        if self.num_perm < 8 or self.num_perm & (self.num_perm - 1):
            raise ValueError(f"num_perm must be a power of two >= 8, got {self.num_perm}")
        if self.shingle < 1:
            raise ValueError(f"shingle must be >= 1, got {self.shingle}")


@dataclass(frozen=True, slots=True)
class Sketches:
    """Sketches of a batch of texts, row ``i`` for text ``i``.

    ``signatures``: ``(n, num_perm)`` uint32, ``0xFFFFFFFF`` rows for texts with
    no words; ``n_shingles``: distinct shingles per text; ``body_hash``: 64-bit
    hash of the word sequence (equal for texts that normalize alike).
    """

    signatures: np.ndarray
    n_shingles: np.ndarray
    body_hash: np.ndarray

    def __len__(self) -> int:
        return len(self.n_shingles)


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """``base**i mod 2**64`` for ``i < n``, cached and grown on demand."""
    have = _POW.get(int(base))
    if have is None or len(have) < n:
        size = max(2 * n, 1 << 16)
        arr = np.full(size, base, dtype=np.uint64)
        arr[0] = 1
        have = np.cumprod(arr, dtype=np.uint64)
        _POW[int(base)] = have
    return have[:n]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer, vectorised: spreads bits so bins and values are independent."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def _segment_poly(values: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: np.uint64) -> np.ndarray:
    """Position-free polynomial hash of ``values[s:e]`` for every (s, e), vectorised.

    Prefix sums of ``values[i] * base**i``, each segment shifted back to
    position 0 by the modular inverse of ``base`` (odd bases are invertible).
    """
    n = len(values)
    inv = np.uint64(pow(int(base), -1, 2**64))
    pref = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(values * _powers(base, n), dtype=np.uint64, out=pref[1:])
    return (pref[ends] - pref[starts]) * _powers(inv, n + 1)[starts]


def _word_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the lowercased words of all texts, and the text index of each word.

    Vectorised over the whole batch: one pass over the bytes instead of a regex
    and a dict lookup per word (about ten times faster on news text). Hyphens
    are dropped first so "negoti-ations" and "negotiations" hash alike.
    """
    encoded = [t.lower().replace("-", "").encode("utf-8", "surrogatepass") for t in texts]
    b = np.frombuffer(b"\n".join(encoded), dtype=np.uint8)
    isw = np.concatenate([[False], _IS_WORD[b], [False]])
    edges = np.diff(isw.view(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    words = _mix(_segment_poly(_BYTE_VAL[b], starts, ends, _P) ^ (ends - starts).astype(np.uint64))
    lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    doc_starts = np.cumsum(lengths) - lengths
    owner = np.searchsorted(doc_starts, starts, side="right") - 1
    return words, owner


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
    """Sketch a batch of normalized texts (vectorised over the whole batch).

    >>> s = sketch_texts(["The cat sat on the mat today.", "the cat  sat on the MAT today"])
    >>> bool((s.signatures[0] == s.signatures[1]).all()), bool(s.body_hash[0] == s.body_hash[1])
    (True, True)
    """
    texts = list(texts)
    n, k, m = len(texts), params.shingle, params.num_perm
    sig = np.full((n, m), _EMPTY, dtype=np.uint32)
    if n == 0:
        return Sketches(sig, np.zeros(0, np.int64), np.zeros(0, np.uint64))
    with np.errstate(over="ignore"):
        words, owner = _word_hashes(texts)
        per_doc = np.bincount(owner, minlength=n)
        first = np.cumsum(per_doc) - per_doc
        body_hash = _mix(_segment_poly(words, first, first + per_doc, _Q) ^ per_doc.astype(np.uint64))
        body_hash[per_doc == 0] = 0
        # k-word shingles over the concatenated words; drop those crossing texts
        seed = np.uint64(params.seed) * _MUL
        w = len(words)
        span = min(k, w) if w else 0
        if span:
            acc = words[: w - span + 1] ^ seed
            for j in range(1, span):
                acc = acc * _MUL + words[j : w - span + 1 + j]
            sh_owner = owner[: w - span + 1]
            keep = sh_owner == owner[span - 1 :]
            shingles, sh_owner = _mix(acc[keep]), sh_owner[keep]
        else:
            shingles, sh_owner = words, owner
        # texts shorter than k words get a single shingle of all their words
        short = np.flatnonzero((per_doc > 0) & (per_doc < k))
        if len(short):
            extra = _mix(_segment_poly(words, first[short], first[short] + per_doc[short], _MUL) ^ seed)
            shingles = np.concatenate([shingles, extra])
            sh_owner = np.concatenate([sh_owner, short])
        n_sh = np.bincount(sh_owner, minlength=n).astype(np.int64)
        shift = np.uint64(64 - (m.bit_length() - 1))
        bins = (shingles >> shift).astype(np.int64)
        vals = (shingles & np.uint64(0xFFFFFFFE)).astype(np.uint32)  # never equals _EMPTY
        np.minimum.at(sig.reshape(-1), sh_owner * m + bins, vals)
    _densify(sig, params)
    return Sketches(signatures=sig, n_shingles=n_sh, body_hash=body_hash.astype(np.uint64))


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity between rows of two signature arrays.

    >>> s = sketch_texts(["a b c d e f g h", "a b c d e f g h"])
    >>> float(estimate_jaccard(s.signatures[0], s.signatures[1]))
    1.0
    """
    eq = np.asarray(sig_a) == np.asarray(sig_b)
    return eq.mean(axis=-1)
