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
