"""Lead index: every stored lead vector in memory, with each one's ``k`` best cosines.

The store's semantic candidates follow :func:`reprints.candidates.semantic_pairs`:
two leads are candidates when one is among the other's ``k`` nearest, their
cosine reaches the threshold and it beats the lower of their backgrounds (cosine
with the ``k``-th neighbour in the lead's own language) by a margin. A scan sees
the whole corpus at once; a store sees neighbours come as documents arrive and go
as they leave. So the index keeps each lead's ``k`` best cosines among all leads
(``top``: who is a near neighbour) and among the leads of its language (``gtop``:
its background), and says, for each change, which pairs became candidates and
whose neighbours moved (their stored pairs may switch on or off). No SQL here:
the store reads and writes the vectors and cosines this index hands back.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from reprints.candidates import SemanticIndexParams, background, stands_out
from reprints.embed import DIM
from reprints.language import language_group

__all__ = ["LeadIndex", "top_k"]

Pairs = set[tuple[int, int]]
#: Float32 cosines of one pair computed two ways agree to about 1e-7.
_TIE = 1e-5


def _share(ga: np.ndarray | int, gb: np.ndarray | int) -> np.ndarray | bool:
    """Whether leads of groups ``ga`` and ``gb`` count in each other's background:
    one language, or either undetermined (-1)."""
    return (ga == gb) | (ga == -1) | (gb == -1)


def top_k(s: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest values of each row, sorted descending, -inf padded.

    >>> top_k(np.array([[0.25, 1.0, 0.5]], dtype=np.float32), 2).tolist(), top_k(np.zeros((1, 1)), 2).tolist()
    ([[1.0, 0.5]], [[0.0, -inf]])
    """
    if s.shape[1] < k:
        s = np.concatenate([s, np.full((len(s), k - s.shape[1]), -np.inf, dtype=np.float32)], axis=1)
    part = -np.partition(-s, k - 1, axis=1)[:, :k] if s.shape[1] > k else s
    return -np.sort(-part, axis=1).astype(np.float32)


class LeadIndex:
    """Lead vectors by store rowid (``rowids``, ``mat``; all-zero leads are dead),
    each with its language group (``group``, -1 when undetermined or when
    backgrounds are not taken by language), its ``k`` best cosines to the other
    live leads (``top``) and to those of its group (``gtop``; ``top`` for -1).

    >>> idx = LeadIndex(k=2, dim=5)
    >>> v = np.eye(5, dtype=np.float32)
    >>> v[1] = [0.96, 0.28, 0, 0, 0]
    >>> pairs, _, _ = idx.grow([1, 2, 3, 4, 5], v, SemanticIndexParams(k=2), ["en"] * 5)
    >>> sorted(pairs), idx.neighbours(v[0], skip=1, params=SemanticIndexParams(k=2), lang="en")
    ([(1, 2)], [2])
    """

    def __init__(self, k: int, dim: int = DIM, by_language: bool = True) -> None:
        self.k = k
        self.by_language = by_language
        self.rowids = np.zeros(0, dtype=np.int64)
        self.mat = np.zeros((0, dim), dtype=np.float32)
        self.live = np.zeros(0, dtype=bool)
        self.group = np.zeros(0, dtype=np.int32)
        self.top = np.full((0, k), -np.inf, dtype=np.float32)
        self.gtop = np.full((0, k), -np.inf, dtype=np.float32)
        self.pos: dict[int, int] = {}
        self.codes: dict[str, int] = {}

    @property
    def width(self) -> int:
        """Floats stored per lead: ``top``, then ``gtop`` when backgrounds are by language."""
        return 2 * self.k if self.by_language else self.k

    def stored_top(self, j: int) -> bytes:
        """The best cosines of the lead at position ``j`` as the store keeps them."""
        row = np.concatenate([self.top[j], self.gtop[j]]) if self.by_language else self.top[j]
        return row.astype(np.float32).tobytes()

    def _codes(self, langs: Sequence[str | None] | None, n: int) -> np.ndarray:
        if not self.by_language or langs is None:
            return np.full(n, -1, dtype=np.int32)
        out = np.empty(n, dtype=np.int32)
        for i, lang in enumerate(langs):
            name = language_group(lang)
            out[i] = -1 if not name else self.codes.setdefault(name, len(self.codes))
        return out

    def copy(self) -> LeadIndex:
        """A copy to change inside a transaction (vectors shared: they are only ever replaced)."""
        c = LeadIndex(self.k, self.mat.shape[1], self.by_language)
        c.rowids, c.mat, c.live, c.group = self.rowids, self.mat, self.live, self.group
        c.top = self.top.copy()
        c.gtop = self.gtop.copy() if self.by_language else c.top
        c.pos, c.codes = dict(self.pos), dict(self.codes)
        return c

    def extended(self, rowids: np.ndarray, leads: np.ndarray, tops: np.ndarray,
                 langs: Sequence[str | None] | None = None) -> LeadIndex:
        """This index with stored leads appended (``leads`` float16 rows, ``langs``
        their documents' languages) and every lead's best cosines replaced by
        ``tops`` (as stored, :attr:`width` floats a lead)."""
        out = LeadIndex(self.k, self.mat.shape[1], self.by_language)
        out.codes = dict(self.codes)
        add = leads.astype(np.float32).reshape(-1, self.mat.shape[1])
        out.rowids = np.concatenate([self.rowids, rowids.astype(np.int64)])
        out.mat = np.concatenate([self.mat, add])
        out.live = np.concatenate([self.live, np.abs(add).sum(axis=1) > 0])
        out.group = np.concatenate([self.group, out._codes(langs, len(rowids))])
        both = tops.reshape(-1, self.width)
        out.top = both[:, : self.k].copy()
        out.gtop = both[:, self.k:].copy() if self.by_language else out.top
        out.pos = {int(r): i for i, r in enumerate(out.rowids)}
        return out

    def _in_group(self) -> np.ndarray:
        """Which leads take their background in their language group: those of a
        group with more than ``k + 1`` live leads (as :func:`~reprints.candidates.semantic_pairs`)."""
        if not self.by_language or not len(self.group):
            return np.zeros(len(self.rowids), dtype=bool)
        counts = np.bincount(self.group[self.live & (self.group >= 0)], minlength=len(self.codes) + 1)
        return (self.group >= 0) & (counts[np.maximum(self.group, 0)] > self.k + 1)

    def background(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Each lead's background (see :func:`reprints.candidates.background`), or
        those of the leads at ``positions``."""
        at = slice(None) if positions is None else positions
        n_live = int(self.live.sum())
        own = self._in_group()[at]
        kth = np.where(own, self.gtop[at, -1], self.top[at, -1])
        return background(kth, np.where(own, self.k + 2, n_live), self.k)

    def _member(self, cos: np.ndarray | float, ia: np.ndarray | int, ib: np.ndarray | int) -> np.ndarray | bool:
        """Whether one lead is among the other's ``k`` nearest (by all leads' ``top``).
        Every lead's ``k``-th neighbour sits exactly on that line, and a cosine summed
        one way (a pair) and another (a row of products) differs in the last bits:
        hence ``_TIE``."""
        return (cos >= self.top[ia, -1] - _TIE) | (cos >= self.top[ib, -1] - _TIE)

    def sims(self, x: np.ndarray) -> np.ndarray:
        """Cosines of rows ``x`` with every stored lead (-inf against dead leads)."""
        s = x @ self.mat.T
        s[:, ~self.live] = -np.inf
        return s

    def cosine(self, a: int, b: int) -> float:
        """Cosine of two stored leads by rowid (0 where either is missing or dead)."""
        if a not in self.pos or b not in self.pos:
            return 0.0
        ia, ib = self.pos[a], self.pos[b]
        return float(self.mat[ia] @ self.mat[ib]) if self.live[ia] and self.live[ib] else 0.0

    def candidates_among(self, pairs: Sequence[tuple[int, int, float]], params: SemanticIndexParams) -> list[bool]:
        """For stored pairs ``(a, b, cosine)`` by rowid: whether each is a semantic
        candidate by today's neighbours (near, threshold reached, standing out)."""
        bg = self.background()
        out = []
        for a, b, cos in pairs:
            ia, ib = self.pos.get(a), self.pos.get(b)
            out.append(ia is not None and ib is not None and cos >= params.threshold
                       and bool(stands_out(cos, bg[ia], bg[ib], params)) and bool(self._member(cos, ia, ib)))
        return out

    def _own_group(self, s: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``s`` (cosines of the leads at positions ``rows`` with every lead) where
        row and column share a language, -inf elsewhere: what ``gtop`` takes in.
        An undetermined lead may be in any language, so it shares every one."""
        return np.where(_share(self.group[rows][:, None], self.group[None, :]), s, -np.inf).astype(np.float32)

    def _undetermined(self, positions: np.ndarray | None = None) -> None:
        """The background of a lead of no language group is taken over all leads: ``gtop`` = ``top``."""
        if not self.by_language:
            return
        idx = np.flatnonzero(self.group < 0) if positions is None else positions[self.group[positions] < 0]
        self.gtop[idx] = self.top[idx]

    def _raise(self, old: np.ndarray, old_g: np.ndarray, n_old: int, changed: set[int]) -> None:
        """Merge new cosines (rows: new leads, columns: the first ``n_old`` leads) into their tops."""
        for tops, cols, over_all in ((self.top, old, True), (self.gtop, old_g, False)):
            if not over_all and not self.by_language:
                continue  # gtop is top
            gain = np.flatnonzero(cols.max(axis=0) > tops[:n_old, -1])
            if len(gain):
                tops[gain] = top_k(np.concatenate([tops[gain], cols[:, gain].T], axis=1), self.k)
                changed.update(gain.tolist())
        self._undetermined(np.array(sorted(changed), dtype=np.int64))

    def grow(self, rowids: list[int], vec: np.ndarray, params: SemanticIndexParams,
             langs: Sequence[str | None] | None = None) -> tuple[Pairs, list[int], list[int]]:
        """Append new leads (``langs``: their documents' languages) and raise the
        others' neighbours. Returns the new semantic candidate pairs (rowids), the
        stored leads whose background moved or whose ``k``-th neighbour rose
        (their stored pairs need a recheck), and the positions whose tops changed."""
        n_old = len(self.rowids)
        x = vec.astype(np.float32)
        new_live = np.abs(x).sum(axis=1) > 0
        kth_before = self.top[:n_old, -1].copy()
        bg_before = self.background()
        grouped_before = self._in_group()
        self.rowids = np.concatenate([self.rowids, np.asarray(rowids, dtype=np.int64)])
        self.mat = np.concatenate([self.mat, x])
        self.live = np.concatenate([self.live, new_live])
        self.group = np.concatenate([self.group, self._codes(langs, len(rowids))])
        pad = np.full((len(rowids), self.k), -np.inf, dtype=np.float32)
        self.top = np.concatenate([self.top, pad])
        self.gtop = np.concatenate([self.gtop, pad]) if self.by_language else self.top
        for k, r in enumerate(rowids):
            self.pos[r] = n_old + k
        # leads whose language now has enough leads for a background of its own: it
        # may fall (no longer over all leads), so their pairs are looked at anew below
        crossing = np.flatnonzero(self._in_group()[:n_old] & ~grouped_before)
        step = 128
        near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, cosine) above the threshold
        changed: set[int] = set()
        for s0 in range(0, len(rowids), step):
            rows = n_old + s0 + np.arange(min(step, len(rowids) - s0))
            s = self.sims(x[s0 : s0 + step])
            s[np.arange(len(s)), rows] = -np.inf  # not its own neighbour
            s[~new_live[s0 : s0 + step]] = -np.inf
            sg = self._own_group(s, rows)
            self.top[rows] = top_k(s, self.k)  # final: s covers every lead
            if self.by_language:
                self.gtop[rows] = top_k(sg, self.k)
                self._undetermined(rows)
            # backgrounds only rise while a batch goes in (but for the crossing leads),
            # so today's are a safe first cut
            own = self.background(rows)
            low = self.background()
            low[crossing] = -np.inf
            with np.errstate(invalid="ignore"):  # -inf - -inf: a dead or own column, below threshold anyway
                keep = (s >= params.threshold) & stands_out(s, own[:, None], low[None, :], params)
            r, c = np.nonzero(keep)
            near.append((rows[r], c, s[r, c]))
            if n_old:
                self._raise(s[:, :n_old], sg[:, :n_old], n_old, changed)
        for c0 in range(0, len(crossing), 256):  # their pairs with the stored leads
            idx = crossing[c0 : c0 + 256]
            s = self.sims(self.mat[idx])[:, :n_old]
            s[np.arange(len(idx)), idx] = -np.inf
            r, c = np.nonzero(s >= params.threshold)
            near.append((idx[r], c, s[r, c]))
        bg = self.background()
        pairs: Pairs = set()
        for i, cols, cos in near:
            ok = stands_out(cos, bg[i], bg[cols], params) & self._member(cos, i, cols)
            for a, b in zip(self.rowids[i[ok]], self.rowids[cols[ok]]):
                pairs.add((int(min(a, b)), int(max(a, b))))
        moved = (bg[:n_old] != bg_before) | (self.top[:n_old, -1] > kth_before)
        rose = self.rowids[:n_old][moved].tolist()
        return pairs, rose, sorted(changed) + list(range(n_old, n_old + len(rowids)))

    def shrink(self, rowids: list[int], params: SemanticIndexParams) -> tuple[dict[tuple[int, int], bool], list[int],
                                                                                 list[int]]:
        """Drop leads; leads that had one among their ``k`` best (or whose group
        shrank below ``k + 2``) get their best cosines recomputed. Returns the
        semantic candidate pairs among those (``{pair: False}``, as the store marks
        pairs that are not lexical), the rowids whose neighbours fell, and the
        positions whose tops changed."""
        gone = np.array([self.pos[r] for r in rowids if r in self.pos], dtype=np.int64)
        if not len(gone):
            return {}, [], []
        s = self.sims(self.mat[gone])
        hit = np.zeros(len(self.rowids), dtype=bool)
        if len(self.top):
            hit = np.any(s >= self.top[:, -1][None, :], axis=0)
            if self.by_language:
                sg = self._own_group(s, gone)  # a gone lead counts in the backgrounds of its group only
                hit |= np.any(sg >= self.gtop[:, -1][None, :], axis=0)
        keep = np.ones(len(self.rowids), dtype=bool)
        keep[gone] = False
        n_live_before = int(self.live.sum())
        grouped_before = self._in_group()[keep]
        self.rowids, self.mat, self.live, self.group = (self.rowids[keep], self.mat[keep], self.live[keep],
                                                        self.group[keep])
        self.top = self.top[keep]
        self.gtop = self.gtop[keep] if self.by_language else self.top
        hit = hit[keep]
        self.pos = {int(r): i for i, r in enumerate(self.rowids)}
        hit |= grouped_before & ~self._in_group()  # their language has too few leads now: background over all
        if n_live_before > self.k + 1 >= int(self.live.sum()):
            hit[:] = True  # backgrounds fall to zero for all
        todo = np.flatnonzero(hit & self.live)
        near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, cosine) above the threshold
        for c0 in range(0, len(todo), 256):
            idx = todo[c0 : c0 + 256]
            s = self.sims(self.mat[idx])
            s[np.arange(len(idx)), idx] = -np.inf
            self.top[idx] = top_k(s, self.k)
            if self.by_language:
                self.gtop[idx] = top_k(self._own_group(s, idx), self.k)
                self._undetermined(idx)
            rows, cols = np.nonzero(s >= params.threshold)
            near.append((idx[rows], cols, s[rows, cols]))
        bg = self.background()  # once every background is final
        pairs: dict[tuple[int, int], bool] = {}
        for i, cols, cos in near:
            ok = stands_out(cos, bg[i], bg[cols], params) & self._member(cos, i, cols)
            for a, b in zip(self.rowids[i[ok]], self.rowids[cols[ok]]):
                pairs[(int(min(a, b)), int(max(a, b)))] = False
        return pairs, self.rowids[todo].tolist(), todo.tolist()

    def neighbours(self, x: np.ndarray, skip: int | None, params: SemanticIndexParams,
                   lang: str | None = None) -> list[int]:
        """Rowids of the stored leads that a new lead ``x`` (not stored; in
        language ``lang``) would be a semantic candidate of, were it added;
        ``skip`` is its own stored copy."""
        if not len(self.rowids) or np.abs(x).sum() == 0:
            return []
        s = self.sims(x[None, :].astype(np.float32))[0]
        if skip is not None and skip in self.pos:
            s[self.pos[skip]] = -np.inf  # its own stored copy is not a neighbour
        name = language_group(lang) if self.by_language else ""
        g = self.codes.get(name, len(self.codes)) if name else -1  # a language no stored lead is in: a code of its own
        n_all = int(self.live.sum()) + 1
        n_group = int(((self.group == g) & self.live).sum()) + 1 if g >= 0 else 0
        own = top_k(s[None, :], self.k)[0]
        if n_group > self.k + 1:  # the query's background: in its language when that has enough leads
            mine = np.where(_share(g, self.group), s, -np.inf)
            bg_q = background(top_k(mine[None, :], self.k)[0][-1:], self.k + 2, self.k)[0]
        else:
            bg_q = background(own[-1:], n_all, self.k)[0]
        near = np.flatnonzero(s >= params.threshold)
        # each neighbour's background were the query added (it joins every top it shares)
        grouped = self._in_group()
        if g >= 0 and n_group == self.k + 2:
            grouped = grouped | ((self.group == g) & self.live)  # the query gives its language enough leads
        use_g = grouped[near]
        tops = np.where(use_g[:, None], self.gtop[near], self.top[near])
        joins = ~use_g | _share(g, self.group[near])
        raised = np.minimum(tops[:, -2], s[near]) if self.k > 1 else s[near]
        kth = np.where(joins & (s[near] > tops[:, -1]), raised, tops[:, -1])
        bg = background(kth, np.where(use_g, self.k + 2, n_all), self.k)
        member = (s[near] >= own[-1]) | (s[near] >= self.top[near, -1] - _TIE)
        ok = stands_out(s[near], bg_q, bg, params) & member
        return [int(self.rowids[j]) for j in near[ok]]
