from reprints.relate import Evidence, RelateParams, classify, metadata_agreement


def ev(a_in_b, b_in_a, shared=200, same_text=False, same_body=False):
    return Evidence(a_in_b, b_in_a, shared, 5, same_text, same_body)


def test_identical_needs_the_whole_text():
    assert classify(ev(1, 1, same_text=True, same_body=True))[0] == "identical"
    assert classify(ev(1, 1, same_body=True))[0] == "reformatted"


def test_reformatted_when_both_sides_nearly_covered():
    name, score, swap = classify(ev(0.95, 0.97))
    assert (name, swap) == ("reformatted", False) and score == 0.95


def test_excerpt_direction():
    assert classify(ev(0.4, 0.98)) == ("excerpt", 0.98, False)   # b is the excerpt
    assert classify(ev(0.98, 0.4)) == ("excerpt", 0.98, True)    # a is: swap


def test_shared_quote_or_boilerplate_is_unrelated():
    # a 25-word quote fully inside a short brief is not enough words for an excerpt
    assert classify(ev(0.9, 0.05, shared=25))[0] == "unrelated"
    assert classify(ev(0.12, 0.1, shared=60))[0] == "unrelated"


def test_thresholds_are_configurable():
    assert classify(ev(0.85, 0.86), RelateParams(reformatted=0.8))[0] == "reformatted"


def test_metadata_agreement():
    got = metadata_agreement({"byline": "AFP", "url": "https://a.org/x", "date": "2024-03-01"},
                             {"byline": "Staff", "url": "https://a.org/x", "date": "2024-02-28"})
    assert got == {"same_byline": False, "same_url": True, "date_gap_days": 2}
