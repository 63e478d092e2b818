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
    texts += ["y" * 257, "Z" * 1000 + " a", "\u00e9" * 300, "a b " * 500]  # words over 256 bytes; one per 2 bytes
    for batch in (texts, texts[:1], [""], [], ["", "a", ""], [t for t in texts if t.isascii()], ["a b " * 500]):
        want, got = _words(batch, None), _words(batch, _scan_words)
        for field in ("hashes", "owner", "starts", "ends"):
            assert np.array_equal(getattr(want, field), getattr(got, field)), field
    assert len(_words(texts, _scan_words)) > 10_000


def _random_texts(count: int, seed: int) -> list[str]:
    """Texts built to reach every branch of normalize_text's line loop: boilerplate of
    every kind and case, odd whitespace, wrapped blocks, broken words, non-ASCII letters."""
    import random

    rnd = random.Random(seed)
    words = ["the", "talks", "Geneva", "negoti-", "ations", "ex-", "Soviet", "état", "Straße", "İstanbul",
             "ſome", "\u212aelvin", "中文", "\U0001F600", "said.", "end!", "(AFP)", "a/b", "note:", "x", "-", "9-"]
    boiler = ["Read more: https://x.org/a", "READ MORE", "related: stuff", "Recommended:", "see also - y",
              "https://example.com/story", "<www.example.com/x>", "[link](https://x.org)", "Advertisement",
              "ad.", "Subscribe now", "sign up today", "Follow us", "share this", "Click here",
              "Download our app", "All rights reserved", "Copyright 2021 X", "\u00a9 2021 X", "Photo: AFP",
              "Photos credit: Getty Images", "Image: Reuters", "Picture: x", "A man (CC BY 2.0)",
              "Getty Images", "Shutterstock", "AP Photo/Jane Doe", "Crowd / Flickr", "Crowd / AFP (file)",
              "ſubscribe now", "\u0130mage: x", "top stories:", "more from Reuters:", "also read: x"]
    spaces = [" ", "  ", "\u2028", "\x0b", "\x0c", "\x1c", "\x85", "\r", "\u2003", ""]
    texts = []
    for _ in range(count):
        lines = []
        for _ in range(rnd.randint(0, 30)):
            r = rnd.random()
            if r < 0.15:
                line = rnd.choice(boiler)
            elif r < 0.25:
                line = ""
            else:
                width = rnd.choice([3, 8, 20, 60, 140])
                line = " ".join(rnd.choice(words) for _ in range(rnd.randint(1, width)))
            lines.append(rnd.choice(spaces) + line + rnd.choice(spaces))
        texts.append("\n".join(lines))
    return texts


def test_c_and_python_line_loops_agree():
    """normalize_text's C loop (when built) gives what the Python loop gives, header spans,
    boilerplate, unwrapping, broken words and offset maps included."""
    import random

    import pytest
    from _paths import EXAMPLES

    from reprints.load import iter_load
    from reprints.normalize import _c_lines, _normalize

    if _c_lines is None:
        pytest.skip("reprints._normalize was not compiled (no C compiler at install)")
    cases = []
    for folder in (EXAMPLES / "corpus", EXAMPLES / "multilingual" / "corpus"):
        cases += [(d.text, d.header) for d in iter_load(folder) if not hasattr(d, "line")]
    rnd = random.Random(5)
    for text in _random_texts(3000, 7) + ["", "\n", " \n \n", "x", "-\nx", "a-\nb"]:
        spans = []
        pos = 0
        for line in text.split("\n"):  # some lines (or parts, or several) marked as header
            if rnd.random() < 0.1:
                spans.append((pos + rnd.randint(0, 2), pos + len(line) + rnd.randint(-1, 3), "title"))
            pos += len(line) + 1
        cases.append((text, tuple(sorted(spans))))
    assert sum(bool(h) for _, h in cases) > 500
    for text, header in cases:
        folded = fold(text)
        assert _normalize(folded, header, _c_lines) == _normalize(folded, header, None), text
    assert any(_normalize(fold(t), h, None).removed for t, h in cases[-50:])


def test_c_and_python_offset_maps_agree():
    """NormText.spans_to_original in C (when built) gives span_to_original's offsets,
    for spans anywhere, empty, reversed or beyond the ends included."""
    import random

    import pytest

    from reprints.normalize import _c_spans, _spans_to_original

    if _c_spans is None:
        pytest.skip("reprints._normalize was not compiled (no C compiler at install)")
    rnd = random.Random(3)
    checked = 0
    for text in _random_texts(800, 11) + ["", "x", "a-\nb"]:
        norm = normalize_text(text)
        size = len(norm.text)
        spans = [(rnd.randint(-2, size + 2), rnd.randint(-2, size + 2)) for _ in range(20)] + list(norm.paragraphs)
        assert _spans_to_original(norm, spans, _c_spans) == _spans_to_original(norm, spans, None)
        checked += len(spans)
    assert checked > 15_000


def test_rule_lines_and_an_outlets_self_description_are_boilerplate():
    raw = ("  ------------------------------------------------------------------------\n"
           "              16:59 03/04/00: Page 5 (HHH) COURTS Minibus\n"
           "  ========================================\n"
           "The case was adjourned until tomorrow.\n\n"
           "About the Harbour Gazette: we are an independent newsroom. Call 091 555 0142.\n\n"
           "About 40 people waited outside: the court was full.\n")
    n = normalize_text(raw)
    kinds = [k for _, _, k in n.removed]
    assert kinds == ["rule", "rule", "promo"]
    assert "---" not in n.text and "===" not in n.text and "Harbour Gazette" not in n.text
    assert "About 40 people waited outside" in n.text  # a sentence, not a self-description
    assert [raw[s:e] for s, e, k in n.removed if k == "promo"][0].startswith("About the Harbour Gazette:")
