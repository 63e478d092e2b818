"""Vectorised 64-bit hashing shared by the tokenizer and the sketches (private).

All arithmetic is modulo 2**64 on NumPy ``uint64`` arrays, so it is the same on
every machine and in every process (unlike Python's salted ``hash``).
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_POW: dict[int, np.ndarray] = {}


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer: spreads the bits of each value."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * _M1
        x = x ^ (x >> np.uint64(27))
        x = x * _M2
        return x ^ (x >> np.uint64(31))


def powers(base: np.uint64, n: int) -> np.ndarray:
    """``base**i mod 2**64`` for ``i < n``, cached and grown on demand."""
    have = _POW.get(int(base))
    if have is None or len(have) < n:
        arr = np.full(max(2 * n, 1 << 16), base, dtype=np.uint64)
        arr[0] = 1
        with np.errstate(over="ignore"):
            have = np.cumprod(arr, dtype=np.uint64)
        _POW[int(base)] = have
    return have[:n]


def segment_poly(values: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: np.uint64) -> np.ndarray:
    """Position-free polynomial hash of ``values[s:e]`` for every ``(s, e)``.

    Prefix sums of ``values[i] * base**i``, each segment shifted back to
    exponent 0 by the inverse of ``base`` (odd, so invertible modulo 2**64).
    """
    n = len(values)
    inv = np.uint64(pow(int(base), -1, 2**64))
    pref = np.zeros(n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(values * powers(base, n), dtype=np.uint64, out=pref[1:])
        return (pref[ends] - pref[starts]) * powers(inv, n + 1)[starts]
