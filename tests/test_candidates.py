import numpy as np
import pytest

from reprints.candidates import LSHParams, candidate_pairs, optimal_bands
from reprints.sketch import sketch_texts


def _story(rng: np.random.Generator, n: int = 400) -> list[str]:
    return [f"w{i}" for i in rng.integers(0, 20000, n)]


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8])
def test_band_layout_fits_the_signature(threshold):
    b, r = optimal_bands(threshold, 128)
    assert b * r <= 128
    # the S-curve crosses one half near the threshold
    crossing = (1 / b) ** (1 / r)
    assert abs(crossing - threshold) < 0.15


def test_reprints_and_excerpts_are_candidates_and_strangers_are_not():
    rng = np.random.default_rng(3)
    stories = [_story(rng) for _ in range(40)]
    texts = [" ".join(s) for s in stories]
    texts.append(" ".join(stories[0]))                 # 40: exact copy of 0
    texts.append(" ".join(stories[1][:200]))           # 41: half of 1
    edited = list(stories[2])
    edited[::40] = ["changed"] * len(edited[::40])
    texts.append(" ".join(edited))                     # 42: 1 word in 40 changed
    got = {tuple(p) for p in candidate_pairs(sketch_texts(texts)).tolist()}
    assert {(0, 40), (1, 41), (2, 42)} <= got
    assert all(i in (0, 1, 2) for i, _ in got)


def test_mass_duplicates_do_not_blow_up_the_pair_count():
    text = " ".join(f"w{i}" for i in range(300))
    sk = sketch_texts([text] * 500)
    pairs = candidate_pairs(sk, LSHParams(max_bucket=10))
    # each copy is paired with the first one only
    assert len(pairs) == 499
    assert set(pairs[:, 0].tolist()) == {0}


def test_empty_documents_are_never_candidates():
    sk = sketch_texts(["", "", "some words here to make a shingle or two"])
    assert candidate_pairs(sk).tolist() == []


def test_near_copies_in_a_big_bucket_are_capped():
    base = [f"w{i}" for i in range(300)]
    texts = [" ".join(base + [f"tail{k}"]) for k in range(200)]  # all different bodies
    pairs = candidate_pairs(sketch_texts(texts), LSHParams(max_bucket=10))
    assert 0 < len(pairs) < (200 * 199 // 2) // 4  # far from all 19,900 pairs
    assert len(np.unique(pairs)) == 200


def test_an_article_built_on_two_passages_of_a_story_is_a_candidate():
    """Two 20-word passages of a 600-word story inside 600 words of other text: a
    Jaccard of about 0.03, far below LSH's reach, but two passages' marks in common."""
    from reprints.candidates import mark_pairs

    rng = np.random.default_rng(11)
    story = _story(rng, 600)
    own = _story(rng, 600)
    article = own[:200] + story[100:120] + own[200:400] + story[400:420] + own[400:]
    texts = [" ".join(story), " ".join(article)] + [" ".join(_story(rng, 500)) for _ in range(30)]
    sk = sketch_texts(texts)
    assert [0, 1] in candidate_pairs(sk).tolist()
    assert [0, 1] not in candidate_pairs(sk, LSHParams(min_marks=0)).tolist()  # LSH alone misses it
    assert mark_pairs(sk).tolist() == [[0, 1]]


def test_a_stock_phrase_is_no_candidate_and_a_common_one_pairs_few():
    from reprints.candidates import mark_pairs

    rng = np.random.default_rng(12)
    phrase = ["told", "the", "jury", "of", "six"]  # one shingle: one mark at most
    texts = [" ".join(_story(rng, 100) + phrase + _story(rng, 100)) for _ in range(5)]
    assert mark_pairs(sketch_texts(texts)).tolist() == []
    # a 30-word passage in 100 texts: only the first max_df holders of each mark are paired by it
    # (a mark near the passage's ends is held by fewer texts: it wins its window only in some)
    passage = _story(rng, 30)
    texts = [" ".join(_story(rng, 100) + passage + _story(rng, 100)) for _ in range(100)]
    pairs = {tuple(p) for p in mark_pairs(sketch_texts(texts), LSHParams(max_df=10)).tolist()}
    assert {(i, j) for i in range(10) for j in range(i + 1, 10)} <= pairs
    assert len(pairs) < 100 * 99 // 2 // 10


def test_mark_pairs_agree_with_a_plain_count_of_shared_marks():
    """The bucketed sort finds exactly the pairs a dictionary from each mark to
    its holders finds, with the first-holders cap and the share rule applied."""
    from collections import Counter

    from reprints.candidates import mark_pairs

    rng = np.random.default_rng(13)
    passages = [_story(rng, 25) for _ in range(12)]
    texts = []
    for _ in range(120):
        picks = rng.choice(len(passages), size=int(rng.integers(0, 4)), replace=False)
        words = _story(rng, 60)
        for k in picks:
            words += passages[k] + _story(rng, int(rng.integers(5, 40)))
        texts.append(" ".join(words))
    sk = sketch_texts(texts)
    params = LSHParams(max_df=7, min_marks=2, min_mark_share=0.05)
    bits = (len(texts) - 1).bit_length()
    holders: dict[int, list[int]] = {}
    for i in range(len(texts)):
        for m in sorted(set((int(x) >> bits) for x in sk.marks_of(i))):
            holders.setdefault(m, []).append(i)
    shared = Counter((a, b) for docs in holders.values() for k, a in enumerate(docs[:7]) for b in docs[k + 1:7])
    want = sorted([a, b] for (a, b), c in shared.items()
                  if c >= 2 and c >= 0.05 * min(len(sk.marks_of(a)), len(sk.marks_of(b))))
    got = mark_pairs(sk, params).tolist()
    assert got == want and len(want) > 50
    assert len({int(m) >> 61 for m in sk.marks}) == 8  # every bucket of the sort was used
