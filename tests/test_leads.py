"""Semantic candidates over lead vectors: a story with many versions across
languages is found whatever their number, and the store's incremental lead index
finds exactly the candidates a scan finds, through growth and removal."""

import numpy as np
import pytest

from reprints.candidates import SemanticIndexParams, language_groups, semantic_pairs
from reprints.leads import LeadIndex, top_k

LANGS = ["en", "de", "es", "fr", "it", "ru", "ja", "zh", "pt", "nl"]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _corpus(rng: np.random.Generator, stories: int, versions: int, loners: int, dim: int = 64):
    """Stories whose versions (one per language in turn) lie close to the story's
    vector, and unrelated leads; each with its language (some undetermined)."""
    centres = _unit(rng.normal(size=(stories, dim)))
    vec, lang, story = [], [], []
    for s in range(stories):
        for v in range(versions):
            vec.append(centres[s] + rng.normal(scale=0.25, size=dim) / np.sqrt(dim) * 4)
            lang.append(LANGS[v % len(LANGS)])
            story.append(s)
    for _ in range(loners):
        vec.append(rng.normal(size=dim))
        lang.append(str(rng.choice(LANGS + ["und"])))
        story.append(-1)
    return _unit(np.array(vec)), lang, np.array(story)


def test_a_story_with_more_versions_than_k_is_found_in_full():
    rng = np.random.default_rng(7)
    vec, lang, story = _corpus(rng, stories=3, versions=30, loners=400)
    params = SemanticIndexParams(k=10)
    groups = language_groups(lang)

    def linked(pairs) -> float:  # share of each story's versions in one piece
        parent = list(range(len(vec)))

        def find(x):
            while parent[x] != x:
                x = parent[x]
            return x
        for a, b in pairs:
            if story[a] == story[b] >= 0:
                parent[find(a)] = find(b)
        return np.mean([len({find(i) for i in np.flatnonzero(story == s)}) == 1 for s in range(3)])

    by_all = semantic_pairs(vec, SemanticIndexParams(k=10, by_language=False), groups)
    by_language = semantic_pairs(vec, params, groups)
    assert linked(by_all) < 1.0  # 30 versions hide each other: each one's background is a sibling
    assert linked(by_language) == 1.0
    false = [(a, b) for a, b in by_language if story[a] != story[b] or story[a] < 0]
    assert len(false) <= len(by_language) // 20


def _check_tops(idx: LeadIndex) -> None:
    """Each lead's best cosines, kept up incrementally, equal those computed afresh."""
    s = idx.mat @ idx.mat.T
    s[:, ~idx.live] = -np.inf
    np.fill_diagonal(s, -np.inf)
    assert np.allclose(idx.top[idx.live], top_k(s, idx.k)[idx.live], atol=1e-5)
    if idx.by_language:
        g = idx.group
        share = (g[:, None] == g[None, :]) | (g[:, None] < 0) | (g[None, :] < 0)
        assert np.allclose(idx.gtop[idx.live], top_k(np.where(share, s, -np.inf), idx.k)[idx.live], atol=1e-5)


def _index_candidates(idx: LeadIndex, params: SemanticIndexParams) -> set[tuple[int, int]]:
    """Every pair the index calls a candidate, by brute force over all pairs above the threshold."""
    live = np.flatnonzero(idx.live)
    s = idx.mat[live] @ idx.mat[live].T
    a, b = np.nonzero(np.triu(s >= params.threshold, 1))
    rows = [(int(idx.rowids[live[i]]), int(idx.rowids[live[j]]), float(s[i, j])) for i, j in zip(a, b)]
    return {(min(x, y), max(x, y)) for (x, y, _), on in zip(rows, idx.candidates_among(rows, params)) if on}


@pytest.mark.parametrize("by_language", [True, False])
def test_the_lead_index_finds_what_a_scan_finds_through_growth_and_removal(by_language: bool):
    rng = np.random.default_rng(11)
    vec, lang, _ = _corpus(rng, stories=6, versions=16, loners=150)
    params = SemanticIndexParams(k=6, threshold=0.3, by_language=by_language)
    order = rng.permutation(len(vec))
    idx = LeadIndex(k=params.k, dim=vec.shape[1], by_language=by_language)
    tracked: dict[tuple[int, int], bool] = {}  # as the store keeps them: pair -> active

    def recheck(rowids):
        touching = [p for p in tracked if p[0] in rowids or p[1] in rowids]
        now = idx.candidates_among([(a, b, idx.cosine(a, b)) for a, b in touching], params)
        tracked.update(zip(touching, now))

    def agrees_with_a_scan():
        live = np.array(sorted(idx.pos))
        want = {(int(live[a]), int(live[b])) for a, b in
                semantic_pairs(vec[live - 1], params, language_groups([lang[i - 1] for i in live]))}
        _check_tops(idx)
        assert _index_candidates(idx, params) == want
        assert {p for p, on in tracked.items() if on} == want

    for start in range(0, len(order), 37):
        batch = [int(i) + 1 for i in order[start:start + 37]]  # rowids from 1
        pairs, rose, _ = idx.grow(batch, vec[np.array(batch) - 1], params, [lang[i - 1] for i in batch])
        recheck(set(rose))
        for pair in pairs:
            tracked[pair] = True
        agrees_with_a_scan()

    gone = [int(i) + 1 for i in order[::9]]
    pairs, fell, _ = idx.shrink(gone, params)
    tracked = {p: on for p, on in tracked.items() if p[0] not in gone and p[1] not in gone}
    recheck(set(fell))
    for pair in pairs:
        tracked.setdefault(pair, True)
    agrees_with_a_scan()

    # a query is a candidate of exactly the leads it would pair with, were it added
    q = _unit(vec[order[0]][None, :] + rng.normal(scale=0.05, size=(1, vec.shape[1])))[0]
    found = set(idx.neighbours(q, None, params, "de"))
    after = idx.copy()
    added, _, _ = after.grow([10_000], q[None, :], params, ["de"])
    with_q = {b if a == 10_000 else a for a, b in _index_candidates(after, params) if 10_000 in (a, b)}
    assert found == with_q
