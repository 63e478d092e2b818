import random
import subprocess
import sys

import numpy as np
import pytest
from _paths import SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, seed_text

from reprints.normalize import normalize_text
from reprints.sketch import Sketches, SketchParams, estimate_jaccard, sketch_texts


def _shingles(text: str, k: int = 5) -> set[str]:
    words = text.lower().replace("-", "").split()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def test_same_words_give_same_sketch_whatever_the_layout():
    a = "Lavrov said the first round would be bilateral, early next year."
    b = "LAVROV said the first\nround would be   bilateral - early next year"
    s = sketch_texts([a, b])
    assert (s.signatures[0] == s.signatures[1]).all()
    assert s.body_hash[0] == s.body_hash[1]


def test_estimate_tracks_true_jaccard():
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(5000)]
    for keep in (0.2, 0.5, 0.8):
        base = list(rng.choice(vocab, 600))
        cut = int(len(base) * keep)
        other = base[:cut] + list(rng.choice(vocab, len(base) - cut))
        a, b = " ".join(base), " ".join(other)
        sa, sb = _shingles(a), _shingles(b)
        truth = len(sa & sb) / len(sa | sb)
        s = sketch_texts([a, b], SketchParams(num_perm=256))
        assert abs(float(estimate_jaccard(s.signatures[0], s.signatures[1])) - truth) < 0.1


def test_seeds_reprint_is_near_one_and_rewrite_near_zero():
    texts = [normalize_text(seed_text(n)).text for n in (SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE)]
    s = sketch_texts(texts)
    assert estimate_jaccard(s.signatures[0], s.signatures[1]) > 0.85
    assert estimate_jaccard(s.signatures[0], s.signatures[2]) < 0.1


def test_empty_and_short_texts():
    s = sketch_texts(["", "two words", "one two three four five six seven"])
    assert s.n_shingles.tolist() == [0, 1, 3]
    assert (s.signatures[0] == 0xFFFFFFFF).all()
    assert not (s.signatures[1] == 0xFFFFFFFF).any()  # densified from its single shingle
    assert s.body_hash[0] == 0 and s.body_hash[1] != 0


def test_batching_does_not_change_sketches():
    texts = [f"story number {i} about the harbour and the ferry strike in spring" for i in range(30)]
    whole = sketch_texts(texts)
    parts = [sketch_texts(texts[i : i + 7]) for i in range(0, 30, 7)]
    assert (np.concatenate([p.signatures for p in parts]) == whole.signatures).all()
    assert (np.concatenate([p.body_hash for p in parts]) == whole.body_hash).all()


def test_sketches_are_stable_across_processes():
    code = (
        "from reprints.sketch import sketch_texts;"
        "s = sketch_texts(['the ferry strike ended on Monday after talks']);"
        "print(int(s.body_hash[0]), int(s.signatures[0].sum()))"
    )
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2)}
    assert len(outs) == 1


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        SketchParams(num_perm=100)
    with pytest.raises(ValueError):
        SketchParams(shingle=0)


def test_c_and_numpy_sketches_agree_bit_for_bit():
    """The C sketch loop (when built) gives the NumPy path's signatures, shingle counts
    and body hashes: stores and scans made with either stay comparable."""
    import random

    from _paths import EXAMPLES

    from reprints import load_corpus
    from reprints.normalize import normalize
    from reprints.sketch import _c_sketch, _sketch_texts

    if _c_sketch is None:
        pytest.skip("reprints._words was not compiled (no C compiler at install)")
    texts = [normalize(d).text for d in load_corpus(EXAMPLES / "multilingual" / "corpus").documents]
    rnd = random.Random(2)
    vocab = ["a", "talks", "Geneva", "\u00e9t\u00e9", "x" * 300, "9", "the", "said"]
    texts += [" ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 12))) for _ in range(400)]
    batches = [texts, texts[:1], [""], ["", "one two", ""], ["a b c"], ["a b c", "d e f g h i"], texts[-50:]]
    for params in (SketchParams(), SketchParams(shingle=1, num_perm=8, winnow=1),
                   SketchParams(shingle=3, num_perm=256, seed=7, winnow=9), SketchParams(winnow=0)):
        for batch in batches:
            want, got = _sketch_texts(batch, params, None), _sketch_texts(batch, params, _c_sketch)
            for field in ("signatures", "n_shingles", "body_hash", "marks", "mark_bounds"):
                assert np.array_equal(getattr(want, field), getattr(got, field)), (field, params)


def test_sketch_of_a_short_text_does_not_depend_on_its_batch():
    from reprints.sketch import _sketch_texts

    alone = _sketch_texts(["three short words"], SketchParams(), None)
    mixed = _sketch_texts(["three short words", "and another text of well over five words"], SketchParams(), None)
    assert (alone.signatures[0] == mixed.signatures[0]).all() and alone.n_shingles[0] == mixed.n_shingles[0] == 1


def test_a_shared_passage_gives_shared_marks_whatever_surrounds_it():
    """Winnowing's guarantee: a passage of ``winnow + shingle - 1`` words or more that
    two texts share gives them a mark in common, however long and different the rest."""
    rnd = random.Random(5)
    vocab = [f"w{k}" for k in range(5000)]
    params = SketchParams()
    need = params.winnow + params.shingle - 1
    for trial in range(200):
        passage = " ".join(rnd.choice(vocab) for _ in range(need + trial % 5))
        a = " ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 400))) + " " + passage
        b = passage + " " + " ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 400)))
        s = sketch_texts([a, b], params)
        assert set(s.marks_of(0).tolist()) & set(s.marks_of(1).tolist()), trial
    # and about 2 / (winnow + 1) of a text's shingles are marks
    text = " ".join(rnd.choice(vocab) for _ in range(5000))
    assert 0.35 < len(sketch_texts([text], params).marks) / 4996 < 0.45


def test_sketches_concat_keeps_each_texts_marks():
    a = sketch_texts(["one two three four five six seven eight nine ten", "alpha beta"])
    b = sketch_texts(["eleven twelve thirteen fourteen fifteen sixteen"])
    both = Sketches.concat([a, b])
    assert len(both) == 3
    for i, (part, j) in enumerate([(a, 0), (a, 1), (b, 0)]):
        assert both.marks_of(i).tolist() == part.marks_of(j).tolist()
