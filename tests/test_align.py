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
    assert len(al.passages) == 4


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
