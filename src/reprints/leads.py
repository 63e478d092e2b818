"""Lead index: every stored lead vector in memory, with each one's ``k`` best cosines.

The store's semantic candidates follow :func:`reprints.candidates.semantic_pairs`:
two leads are candidates when their cosine reaches the threshold and beats the
lower of their backgrounds (cosine with the ``k``-th neighbour) by a margin. A
scan sees the background of the whole corpus at once; a store sees it rise as
documents arrive and fall as they go. So the index keeps each lead's ``k`` best
cosines and says, for each change, which pairs became candidates and whose
background moved (their stored pairs may switch on or off). No SQL here: the
store reads and writes the vectors and cosines this index hands back.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from reprints.candidates import SemanticIndexParams, background, stands_out
from reprints.embed import DIM

__all__ = ["LeadIndex", "top_k"]

Pairs = set[tuple[int, int]]


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
    each with its ``k`` best cosines to the other live leads (``top``).

    >>> idx = LeadIndex(k=2, dim=5)
    >>> v = np.eye(5, dtype=np.float32)
    >>> v[1] = [0.96, 0.28, 0, 0, 0]
    >>> pairs, _, _ = idx.grow([1, 2, 3, 4, 5], v, SemanticIndexParams(k=2))
    >>> sorted(pairs), idx.neighbours(v[0], skip=1, params=SemanticIndexParams(k=2))
    ([(1, 2)], [2])
    """

    def __init__(self, k: int, dim: int = DIM) -> None:
        self.k = k
        self.rowids = np.zeros(0, dtype=np.int64)
        self.mat = np.zeros((0, dim), dtype=np.float32)
        self.live = np.zeros(0, dtype=bool)
        self.top = np.full((0, k), -np.inf, dtype=np.float32)
        self.pos: dict[int, int] = {}

    def copy(self) -> LeadIndex:
        """A copy to change inside a transaction (vectors shared: they are only ever replaced)."""
        c = LeadIndex(self.k, self.mat.shape[1])
        c.rowids, c.mat, c.live, c.top = self.rowids, self.mat, self.live, self.top.copy()
        c.pos = dict(self.pos)
        return c

    def extended(self, rowids: np.ndarray, leads: np.ndarray, tops: np.ndarray) -> LeadIndex:
        """This index with stored leads appended (``leads`` float16 rows) and every
        lead's best cosines replaced by ``tops`` (as stored, one row per lead)."""
        out = LeadIndex(self.k, self.mat.shape[1])
        add = leads.astype(np.float32).reshape(-1, self.mat.shape[1])
        out.rowids = np.concatenate([self.rowids, rowids.astype(np.int64)])
        out.mat = np.concatenate([self.mat, add])
        out.live = np.concatenate([self.live, np.abs(add).sum(axis=1) > 0])
        out.top = tops.reshape(-1, self.k).copy()
        out.pos = {int(r): i for i, r in enumerate(out.rowids)}
        return out

    def background(self, top: np.ndarray | None = None, n_live: int | None = None) -> np.ndarray:
        """Each lead's background (see :func:`reprints.candidates.background`)."""
        top = self.top if top is None else top
        n_live = int(self.live.sum()) if n_live is None else n_live
        return background(top[:, -1], n_live, self.k)

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
        candidate by today's backgrounds (threshold reached and standing out)."""
        bg = self.background()
        out = []
        for a, b, cos in pairs:
            ia, ib = self.pos.get(a), self.pos.get(b)
            out.append(ia is not None and ib is not None and cos >= params.threshold
                       and bool(stands_out(cos, bg[ia], bg[ib], params)))
        return out

    def grow(self, rowids: list[int], vec: np.ndarray, params: SemanticIndexParams) -> tuple[Pairs, list[int], list[int]]:
        """Append new leads and raise the others' backgrounds. Returns the new
        semantic candidate pairs (rowids), the stored leads whose background rose
        (their stored pairs need a recheck), and the positions whose ``top`` changed."""
        n_old = len(self.rowids)
        x = vec.astype(np.float32)
        new_live = np.abs(x).sum(axis=1) > 0
        self.rowids = np.concatenate([self.rowids, np.asarray(rowids, dtype=np.int64)])
        self.mat = np.concatenate([self.mat, x])
        self.live = np.concatenate([self.live, new_live])
        self.top = np.concatenate([self.top, np.full((len(rowids), self.k), -np.inf, dtype=np.float32)])
        for k, r in enumerate(rowids):
            self.pos[r] = n_old + k
        bg_before = self.background(self.top[:n_old], int(self.live[:n_old].sum()))
        step = 128
        near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, cosine) above the threshold
        changed: set[int] = set()
        for s0 in range(0, len(rowids), step):
            s = self.sims(x[s0 : s0 + step])
            s[np.arange(len(s)), n_old + s0 + np.arange(len(s))] = -np.inf  # not its own neighbour
            s[~new_live[s0 : s0 + step]] = -np.inf
            # backgrounds only rise while a batch goes in, so today's are a safe first cut
            # (-inf where a lead has fewer than k others yet: no cut)
            n_live = int(self.live[: n_old + s0 + len(s)].sum())
            if n_live > self.k + 1:
                low = self.top[:, -1]
                own = top_k(s, self.k)[:, -1]
                with np.errstate(invalid="ignore"):  # -inf - -inf: a dead or own column, below threshold anyway
                    keep = (s >= params.threshold) & stands_out(s, own[:, None], low[None, :], params)
            else:
                keep = s >= params.threshold
            rows, cols = np.nonzero(keep)
            near.append((n_old + s0 + rows, cols, s[rows, cols]))
            self.top[n_old + s0 : n_old + s0 + len(s)] = top_k(s, self.k)
            old = s[:, :n_old]
            if n_old:
                gain = np.flatnonzero(old.max(axis=0) > self.top[:n_old, -1])
                if len(gain):
                    merged = np.concatenate([self.top[gain], old[:, gain].T], axis=1)
                    self.top[gain] = top_k(merged, self.k)
                    changed.update(gain.tolist())
        bg = self.background()
        pairs: Pairs = set()
        for i, cols, cos in near:
            ok = stands_out(cos, bg[i], bg[cols], params)
            for a, b in zip(self.rowids[i[ok]], self.rowids[cols[ok]]):
                pairs.add((int(min(a, b)), int(max(a, b))))
        rose = self.rowids[:n_old][bg[:n_old] > bg_before].tolist()
        return pairs, rose, sorted(changed) + list(range(n_old, n_old + len(rowids)))

    def shrink(self, rowids: list[int], params: SemanticIndexParams) -> tuple[dict[tuple[int, int], bool], list[int],
                                                                                 list[int]]:
        """Drop leads; leads that had one among their ``k`` best get their best
        cosines recomputed. Returns the semantic candidate pairs among those
        (``{pair: False}``, as the store marks pairs that are not lexical), the
        rowids whose background fell, and the positions whose ``top`` changed."""
        gone = np.array([self.pos[r] for r in rowids if r in self.pos], dtype=np.int64)
        if not len(gone):
            return {}, [], []
        s = self.sims(self.mat[gone])
        hit = np.any(s >= self.top[:, -1][None, :], axis=0) if len(self.top) else np.zeros(0, bool)
        keep = np.ones(len(self.rowids), dtype=bool)
        keep[gone] = False
        n_live_before = int(self.live.sum())
        self.rowids, self.mat, self.live, self.top = (self.rowids[keep], self.mat[keep], self.live[keep],
                                                      self.top[keep])
        hit = hit[keep]
        self.pos = {int(r): i for i, r in enumerate(self.rowids)}
        if n_live_before > self.k + 1 >= int(self.live.sum()):
            hit[:] = True  # backgrounds fall to zero for all
        todo = np.flatnonzero(hit & self.live)
        near: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, cosine) above the threshold
        for c0 in range(0, len(todo), 256):
            idx = todo[c0 : c0 + 256]
            s = self.sims(self.mat[idx])
            s[np.arange(len(idx)), idx] = -np.inf
            self.top[idx] = top_k(s, self.k)
            rows, cols = np.nonzero(s >= params.threshold)
            near.append((idx[rows], cols, s[rows, cols]))
        bg = self.background()  # once every background is final
        pairs: dict[tuple[int, int], bool] = {}
        for i, cols, cos in near:
            ok = stands_out(cos, bg[i], bg[cols], params)
            for a, b in zip(self.rowids[i[ok]], self.rowids[cols[ok]]):
                pairs[(int(min(a, b)), int(max(a, b)))] = False
        return pairs, self.rowids[todo].tolist(), todo.tolist()

    def neighbours(self, x: np.ndarray, skip: int | None, params: SemanticIndexParams) -> list[int]:
        """Rowids of the stored leads that a new lead ``x`` (not stored) would be a
        semantic candidate of, were it added; ``skip`` is its own stored copy."""
        if not len(self.rowids) or np.abs(x).sum() == 0:
            return []
        s = self.sims(x[None, :].astype(np.float32))[0]
        if skip is not None and skip in self.pos:
            s[self.pos[skip]] = -np.inf  # its own stored copy is not a neighbour
        n_live = int(self.live.sum()) + 1
        own = top_k(s[None, :], self.k)[0]
        bg_q = background(own[-1:], n_live, self.k)[0]
        near = np.flatnonzero(s >= params.threshold)
        if n_live > self.k + 1:  # each neighbour's background if the query were added, vectorised
            top = self.top[near]
            raised = np.minimum(top[:, -2], s[near]) if self.k > 1 else s[near]
            bg = np.where(s[near] > top[:, -1], raised, top[:, -1])
            bg = np.where(np.isfinite(bg), bg, 0.0)
        else:
            bg = np.zeros(len(near), dtype=np.float32)
        ok = stands_out(s[near], bg_q, bg, params)
        return [int(self.rowids[j]) for j in near[ok]]
