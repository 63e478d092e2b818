import re

from _paths import SEED_ORIGIN, SEED_WRAPPED, seed_text

from reprints.normalize import fold, normalize_text, sentences, tokens


def _squash(s: str) -> str:
    return " ".join(fold(s).split())


def test_hard_wrapped_copy_unwraps_to_the_same_paragraphs():
    origin = normalize_text(seed_text(SEED_ORIGIN))
    wrapped = normalize_text(seed_text(SEED_WRAPPED))
    body = [origin.text[a:b] for a, b in origin.paragraphs]
    unwrapped = [wrapped.text[a:b] for a, b in wrapped.paragraphs]
    assert len(unwrapped) == 12
    # every paragraph of the wrapped copy is a paragraph of the origin, word for word
    for para in unwrapped:
        assert para in body


def test_offset_map_slices_back_to_the_original_paragraph():
    raw = seed_text(SEED_WRAPPED)
    n = normalize_text(raw)
    for a, b in n.paragraphs:
        s, e = n.span_to_original(a, b)
        assert _squash(raw[s:e]) == _squash(n.text[a:b])
    # a span in the middle of a wrapped paragraph maps onto the same words
    i = n.text.index("Karen Donfried")
    s, e = n.span_to_original(i, i + len("Karen Donfried"))
    assert raw[s:e] == "Karen Donfried"


def test_boilerplate_lines_are_removed_and_reported():
    raw = seed_text(SEED_WRAPPED)
    n = normalize_text(raw)
    kinds = [k for _, _, k in n.removed]
    assert kinds.count("url") == 2 and "link" in kinds
    assert "themoscowtimes.com" not in n.text and "Related article" not in n.text
    for s, e, k in n.removed:
        if k == "url":
            assert raw[s:e].startswith("https://")
    origin = normalize_text(seed_text(SEED_ORIGIN))
    credit = [seed_text(SEED_ORIGIN)[s:e] for s, e, k in origin.removed if k == "credit"]
    assert credit == ["Russia's Foreign Minister Sergei Lavrov. MFA Russia / flickr (CC BY-NC-SA 2.0)"]


def test_header_spans_from_the_loader_are_left_out():
    raw = "A Headline\n\nBy AFP\n\nBody sentence one is here."
    n = normalize_text(raw, header=((0, 10, "title"), (12, 18, "byline")))
    assert n.text == "Body sentence one is here."
    assert [k for _, _, k in n.removed] == ["header:title", "header:byline"]


def test_dehyphenation_across_line_breaks():
    raw = "The negoti-\nations went on until late in the evening on that\nday, officials said.\n"
    n = normalize_text(raw)
    assert "negotiations went on" in n.text
    i = n.text.index("negotiations")
    s, e = n.span_to_original(i, i + len("negotiations"))
    assert raw[s:e] == "negoti-\nations"


def test_unwrapped_long_lines_stay_separate_paragraphs():
    raw = ("First paragraph is one long line. " * 6).strip() + "\n" + ("Second one too. " * 10).strip()
    n = normalize_text(raw)
    assert len(n.paragraphs) == 2


def test_fold_is_one_char_for_one():
    s = "\u201cQuote\u201d \u2018x\u2019 \u2013 a\u00a0b"
    assert fold(s) == "\"Quote\" 'x' - a b"
    assert len(fold(s)) == len(s)


def test_sentences_respect_abbreviations():
    n = normalize_text("The U.S. Assistant Secretary spoke. Mr. Lavrov replied on Monday. Talks follow.")
    got = [n.text[a:b] for a, b in sentences(n)]
    assert got == ["The U.S. Assistant Secretary spoke.", "Mr. Lavrov replied on Monday.", "Talks follow."]


def test_tokens_split_on_hyphens_and_ignore_case():
    assert [t for t, _, _ in tokens("Ex-Soviet states, U.S.-led")] == ["ex", "soviet", "states", "u", "s", "led"]
    for t, s, e in tokens("Hello, World"):
        assert re.fullmatch(r"\w+", t)


def test_c_and_numpy_tokenizers_agree_bit_for_bit():
    """The compiled scanner (when built) and the NumPy path give the same words and hashes,
    so sketches and stores made with either stay valid."""
    import random

    import numpy as np
    import pytest
    from _paths import EXAMPLES

    from reprints import load_corpus
    from reprints.normalize import _scan_words, _words

    if _scan_words is None:
        pytest.skip("reprints._words was not compiled (no C compiler at install)")
    texts = [d.text for d in load_corpus(EXAMPLES / "multilingual" / "corpus").documents]
    rnd = random.Random(11)
    alphabet = "aZ09_ -.\n'\"\u00e9\u00df\u0416\u4e2d\U0001F600\u0130\u212a\u00a0"
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60))) for _ in range(1500)]
    texts += ["x" * n for n in range(40)] + ["Straße" * n for n in range(6)]
    for batch in (texts, texts[:1], [""], [], ["", "a", ""], [t for t in texts if t.isascii()]):
        want, got = _words(batch, None), _words(batch, _scan_words)
        for field in ("hashes", "owner", "starts", "ends"):
            assert np.array_equal(getattr(want, field), getattr(got, field)), field
    assert len(_words(texts, _scan_words)) > 10_000
