from _paths import SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, seed_text

from reprints.align import AlignParams, align, gaps, tokenize
from reprints.normalize import fold, normalize_text

STORY = [
    "The regional rail operator cancelled all morning trains on Thursday after a signalling fault near the main junction.",
    "Engineers worked through the night and said the fault had been traced to a cable damaged by flooding last week.",
    "Commuters crowded onto replacement buses, and several schools delayed their first lessons by an hour.",
    "The operator's chief executive apologised and promised refunds for every season ticket holder affected.",
]


def _tok(text: str):
    return tokenize(normalize_text(text))


def _words(s: str) -> list[str]:
    return [w.strip('.,"\'').lower() for w in fold(s).split()]


def test_every_paragraph_of_the_wrapped_seed_aligns_to_the_origin():
    a_raw, b_raw = seed_text(SEED_ORIGIN), seed_text(SEED_WRAPPED)
    ta, tb = _tok(a_raw), _tok(b_raw)
    al = align(ta, tb)
    assert al.b_in_a == 1.0
    covered = [(p.b_start, p.b_end) for p in al.passages]
    assert gaps(covered, tb.norm) == []
    for p in al.passages:
        # the two original slices are the same passage, whatever the line breaks
        assert _words(a_raw[p.a_start : p.a_end]) == _words(b_raw[p.b_start : p.b_end])
        assert p.kind == "verbatim"


def test_moved_paragraph_is_still_aligned():
    a = "\n\n".join(STORY)
    b = "\n\n".join([STORY[3], STORY[0], STORY[1], STORY[2]])
    al = align(_tok(a), _tok(b))
    assert al.a_in_b == 1.0 and al.b_in_a == 1.0
    # the three paragraphs still in order are one copied block; the moved one is a passage of its own
    # (a passage runs from its first word to the end of its last, the full stop left out)
    first, moved = "\n\n".join(STORY[:3])[:-1], STORY[3][:-1]
    assert [(a[p.a_start : p.a_end], b[p.b_start : p.b_end]) for p in al.passages] == [(first, first), (moved, moved)]
    apart = align(_tok(a), _tok(b), AlignParams(join_gap=-1))
    assert len(apart.passages) == 4  # unjoined: one passage a paragraph


def test_a_copy_rewrapped_or_lightly_edited_is_one_passage():
    import textwrap

    block = " ".join(STORY)
    a = "Unrelated opening words about the weather today.\n\n" + block + "\n\nA closing line of its own here."
    wrapped = "\n\n".join(textwrap.wrap(block, 70))  # every line a paragraph of its own, as in PAN's copies
    edited = block.replace("Engineers worked", "Engineers from the company worked")
    for b, kind in ((wrapped, "verbatim"), (edited, "near-verbatim")):
        al = align(_tok(a), _tok("Something else first, entirely different.\n\n" + b))
        assert len(al.passages) == 1, al.passages
        assert al.passages[0].kind == kind


def test_small_edit_gives_one_near_verbatim_passage():
    a = STORY[0]
    b = a.replace("all morning trains", "all the early morning trains")
    al = align(_tok(a), _tok(b))
    assert len(al.passages) == 1
    assert al.passages[0].kind == "near-verbatim"
    assert al.a_in_b > 0.85


def test_shared_stock_phrase_is_not_a_passage():
    a = "Officials said on Monday that the new plan would be ready soon for the city."
    b = "Farmers complained loudly, and officials said on Monday that prices were rising everywhere."
    assert align(_tok(a), _tok(b)).passages == ()


def test_rewrite_shares_only_a_quote_fragment():
    ta, tb = _tok(seed_text(SEED_ORIGIN)), _tok(seed_text(SEED_REWRITE))
    al = align(ta, tb)
    assert al.a_in_b < 0.1 and al.b_in_a < 0.1
    b_raw = seed_text(SEED_REWRITE)
    assert any("We hope that no one else" in b_raw[p.b_start : p.b_end] for p in al.passages)


def test_gaps_are_what_one_side_adds():
    a = "\n\n".join(STORY[:2])
    b = "\n\n".join(STORY[:2] + ["A brand new closing paragraph written only by the second outlet today."])
    tb = _tok(b)
    al = align(_tok(a), tb, AlignParams())
    extra = gaps([(p.b_start, p.b_end) for p in al.passages], tb.norm)
    assert [b[s:e] for s, e in extra] == ["A brand new closing paragraph written only by the second outlet today."]


def _mutated(text: str, rnd) -> str:
    """A copy of text with words deleted, replaced and inserted, lines moved and a
    sentence repeated (so some n-grams occur more than 4 times)."""
    lines = [ln.split() for ln in text.splitlines()]
    for line in lines:
        for k in reversed(range(len(line))):
            r = rnd.random()
            if r < 0.04:
                del line[k]
            elif r < 0.07:
                line[k] = f"zq{rnd.randrange(50)}"
            elif r < 0.09:
                line.insert(k, f"zq{rnd.randrange(50)}")
    if len(lines) > 2 and rnd.random() < 0.7:
        moved = lines.pop(rnd.randrange(len(lines)))
        lines.insert(rnd.randrange(len(lines) + 1), moved)
    words = [w for line in lines for w in line]
    if len(words) > 12 and rnd.random() < 0.5:
        at = rnd.randrange(len(words) - 10)
        lines.insert(rnd.randrange(len(lines) + 1), words[at : at + rnd.randint(6, 10)] * rnd.randint(5, 7))
    return "\n\n".join(" ".join(line) for line in lines)


def _synthetic(rnd, alphabet: list[int]):
    """A text whose word ids are drawn from a few values; some wrap int64 in the n-gram
    keys, some make different n-grams share a key (1 * 1000003 + 0 == 0 * 1000003 + 1000003)."""
    import dataclasses

    import numpy as np

    paras = [rnd.randint(1, 30) for _ in range(rnd.randint(0, 8))]
    t = _tok("\n\n".join(" ".join(["w"] * n) for n in paras))
    ids = np.array([rnd.choice(alphabet) for _ in range(len(t))], dtype=np.int64)
    return dataclasses.replace(t, ids=ids)


def test_c_and_python_aligners_agree():
    """The compiled aligner (when built) and the NumPy path give the same alignments:
    same passages in the same order, same kinds and counts."""
    import random

    import pytest
    from _paths import EXAMPLES

    from reprints import load_corpus
    from reprints.align import _align, _align_core, tokenize_many
    from reprints.normalize import normalize

    if _align_core is None:
        pytest.skip("reprints._align was not compiled (no C compiler at install)")
    rnd = random.Random(7)
    settings = [AlignParams(), AlignParams(seed=1, max_gap=0, min_words=1), AlignParams(seed=2, max_gap=2, min_words=0),
                AlignParams(seed=3, max_gap=10, min_words=20), AlignParams(seed=8, max_gap=1, min_words=8), AlignParams(join_gap=-1), AlignParams(seed=2, min_words=1, join_gap=0)]
    pairs = []
    for sub in ("corpus", "multilingual/corpus"):
        docs = load_corpus(EXAMPLES / sub).documents
        toks = tokenize_many([normalize(d) for d in docs])
        pairs += [(ta, tb, AlignParams()) for ta in toks for tb in toks]  # every pair, each with itself too
        for d in docs:
            for _ in range(3):
                ta, tb = _tok(d.text), _tok(_mutated(d.text, rnd))
                pairs += [(ta, tb, p) for p in rnd.sample(settings, 2)] + [(tb, ta, AlignParams())]
    alphabets = [[1, 2], [1, 2, 3], [0, 1, 1000003], [-(2**63), 2**63 - 1, 7], list(range(6)), list(range(40))]
    for _ in range(1500):
        alphabet = rnd.choice(alphabets)
        ta = _synthetic(rnd, alphabet)
        tb = _synthetic(rnd, alphabet) if rnd.random() < 0.8 else ta
        pairs.append((ta, tb, rnd.choice(settings)))
    short = [_tok(t) for t in ("", "one", "one two three four", "one two three four five", STORY[0])]
    pairs += [(ta, tb, p) for ta in short for tb in short for p in settings]
    kinds = set()
    for ta, tb, p in pairs:
        want, got = _align(ta, tb, p, None), _align(ta, tb, p, _align_core)
        assert got == want, (ta.norm.text[:80], tb.norm.text[:80], p)
        kinds.update(x.kind for x in got.passages)
    assert kinds == {"verbatim", "near-verbatim"}
    assert sum(len(_align(ta, tb, p, _align_core).passages) for ta, tb, p in pairs) > 6_000  # joined passages


def test_pieces_cut_apart_by_a_left_out_line_are_no_passage_alone():
    """A wire slug and a stock sentence, each under eight words, shared by two
    snippets of different stories and kept apart by a rule line: no passage, no
    coverage (before, the two pieces counted as one 12-word match)."""
    slug = "  ------------------------------------------------------------\n{}: Page 5 (HHH) COURTS {}\n"
    rule = "  ------------------------------------------------------------\n"
    a = slug.format("16:59 03/04/00", "GM Substitute") + rule + "The case was adjourned until tomorrow.\nend\n"
    b = slug.format("11:02 26/01/00", "Minibus") + rule + "The case was adjourned until tomorrow.\nend\n"
    al = align(_tok(a), _tok(b))
    assert al.passages == () and al.a_covered == al.b_covered == 0
    # the same sentence inside a longer shared passage is kept
    long = "The case was adjourned until tomorrow, when the jury of six men and six women will hear the last witness."
    al = align(_tok("Earlier today. " + long), _tok(long + " Other news."))
    assert len(al.passages) == 1 and al.passages[0].words >= 20
