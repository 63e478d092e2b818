"""The terminal ``compare`` view, run as a user runs it: through a pseudo-terminal
(colours on) and through a pipe (plain text), read back row by row, and its
colours checked for contrast on a dark and a light terminal theme."""

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from _paths import SEED_ORIGIN, SEED_REWRITE, artifacts, seeds
from _stories import FERRY, agency, body
from rich.color import Color
from rich.console import Console
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, MONOKAI
from rich.text import Text

WIDTH = 150
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def in_pty(*args: str) -> str:
    """``reprints ARGS`` on a pseudo-terminal (so rich sees a colour terminal); its output with escapes."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", "COLUMNS": str(WIDTH)}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "reprints", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 300)
            if not ready:
                proc.kill()
                raise AssertionError("compare did not finish in a pseudo-terminal")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its side
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.wait(timeout=60)
    assert proc.returncode == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def piped(*args: str) -> str:
    res = subprocess.run([sys.executable, "-m", "reprints", *args], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout


def rows(plain: str, left_id: str, right_id: str) -> list[tuple[str, str, str]]:
    """The side-by-side table read back: (left text, gutter mark, right text) per row,
    each cell's wrapped lines joined."""
    lines = plain.splitlines()
    head = next(i for i, line in enumerate(lines) if line.strip().startswith(left_id) and right_id in line)
    right_at = lines[head].index(right_id)
    out, cell = [], None
    for line in lines[head + 2:]:
        if line.startswith("= same words"):
            break
        left, mark, right = line[:right_at - 6], line[right_at - 6:right_at - 1], line[right_at:]
        if not line.strip():
            if cell:
                out.append(tuple(" ".join(" ".join(x).split()) for x in cell))
            cell = None
            continue
        cell = cell or ([], [], [])
        for part, text in zip(cell, (left, mark, right)):
            part.append(text.strip())
    if cell:
        out.append(tuple(" ".join(" ".join(x).split()) for x in cell))
    return out


def row_with(table, text: str, side: int = 0) -> tuple[str, str, str]:
    found = [r for r in table if text in r[side]]
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> tuple[Path, Path, Path]:
    """An agency story, a copy of it with a figure and a name changed, a paragraph
    dropped, one added and two swapped; and an excerpt of its first paragraphs."""
    root = tmp_path_factory.mktemp("versions")
    copy = list(FERRY)
    copy[7] = copy[7].replace("410,000", "420,000")
    copy[3] = copy[3].replace("Tomas Ekberg", "Tomas Berg")
    copy[4], copy[5] = copy[5], copy[4]
    del copy[2]
    copy.insert(5, "Passengers queued at the harbour office on Wednesday morning to ask about refunds for "
                   "season tickets bought for the night service, staff at the ticket desk said.")
    (root / "origin.txt").write_text(agency("Night ferries to stop", "AFP", "March 3, 2024", FERRY))
    (root / "copy.txt").write_text("Ferry cuts\n\n" + body(copy) + "\n")
    (root / "excerpt.txt").write_text(body(FERRY[:3]) + "\n")
    return root / "origin.txt", root / "copy.txt", root / "excerpt.txt"


def test_compare_piped_reads_like_a_diff(versions):
    origin, copy, _ = versions
    out = piped("compare", str(origin), str(copy), "--width", str(WIDTH))
    assert not ANSI.search(out)
    table = rows(out, "origin.txt", "copy.txt")
    # matching paragraphs on one row, with the same words marked "="
    row = row_with(table, "only two of the four vessels")
    assert row[1] == "=" and "only two of the four vessels" in row[2]
    # the edited paragraphs pair with their counterparts, marked as edited
    row = row_with(table, "410,000 passengers")
    assert row[1] == "~" and "420,000 passengers" in row[2]
    row = row_with(table, "Tomas Ekberg")
    assert row[1] == "~" and "Tomas Berg" in row[2]
    # what one side lacks stands against a gap
    row = row_with(table, "We cannot keep asking")
    assert row[1] == "<" and row[2] == ""
    row = row_with(table, "Passengers queued at the harbour office", side=2)
    assert row[1] == ">" and row[0] == ""
    row = row_with(table, "By AFP")
    assert row[1] == "\u00b7" and row[0].startswith("[header:byline]") and row[2] == ""
    # the swapped paragraphs: one stays in line, the other is marked as moved, and each shows once
    marks = [r[1] for r in table]
    assert marks.count("=\u2195") == 1
    for text in ("day crossings would run", "maritime workers' union"):
        assert sum(text in r[0] for r in table) == 1 and sum(text in r[2] for r in table) == 1
        assert row_with(table, text)[1] in ("=", "=\u2195") and text in row_with(table, text)[2]
    # rows follow the left text
    order = [FERRY[0][:30], "only two of the four vessels", "Tomas Ekberg", "410,000 passengers"]
    at = [next(i for i, r in enumerate(table) if t in r[0]) for t in order]
    assert at == sorted(at)
    # piped, the colours go and so does their legend; the marks' legend stays
    assert "= same words" in out and "changed words" not in out
    assert re.search(r"number\s+410,000 -> 420,000", out) and re.search(r"name\s+Ekberg -> Berg", out)


def _contrast(fg: tuple[int, int, int], bg: tuple[int, int, int]) -> float:
    def lum(rgb):
        def channel(c):
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (channel(c) for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def styled(raw: str) -> Text:
    return Text.from_ansi(raw)


def test_compare_in_a_terminal_is_readable_on_dark_and_light_themes(versions):
    origin, copy, _ = versions
    raw = in_pty("compare", str(origin), str(copy), "--width", str(WIDTH))
    assert ANSI.search(raw), "no colours on a terminal"
    text = styled(raw)
    plain = text.plain
    assert "changed words" in plain and "= same words" in plain  # the colour legend, with colour only
    table = rows(plain, "origin.txt", "copy.txt")
    assert row_with(table, "410,000 passengers")[1] == "~"

    def style_at(word: str, nth: int = 0):
        at = [m.start() for m in re.finditer(r"\b" + re.escape(word) + r"\b", plain)][nth]
        return [s.style for s in text.spans if s.start <= at < s.end]

    # the changed figure and name are underlined on both sides, inside their rows
    for word in ("410,000", "420,000", "Ekberg", "Berg"):
        assert any(getattr(s, "underline", False) for s in style_at(word)), word
    assert not any(getattr(s, "underline", False) for s in style_at("vessels"))

    checked = 0
    for theme, name in ((MONOKAI, "dark"), (DEFAULT_TERMINAL_THEME, "light")):
        for span in text.spans:
            style = span.style
            if isinstance(style, str) or not plain[span.start:span.end].strip():
                continue
            fg = style.color.get_truecolor(theme, True) if style.color else theme.foreground_color
            bg = style.bgcolor.get_truecolor(theme, False) if style.bgcolor else theme.background_color
            need = 3.0 if style.bold else 4.5
            if style.dim:
                need = 3.0
            ratio = _contrast(tuple(fg), tuple(bg))
            assert ratio >= need, (name, plain[span.start:span.end][:40], str(style), round(ratio, 2))
            checked += 1
        console = Console(record=True, width=WIDTH, color_system="truecolor", file=open(os.devnull, "w"))
        console.print(text)
        console.save_svg(str(artifacts() / f"compare-{name}.svg"), theme=theme, title="reprints compare")
    assert checked > 20
    # passages keep their kind's colour (not the terminal's default) on every theme
    assert Color.parse("#afd7af").triplet in {s.style.bgcolor.triplet for s in text.spans
                                              if not isinstance(s.style, str) and s.style.bgcolor}


def test_compare_keeps_the_order_given_and_says_which_is_the_fuller(versions):
    origin, _, excerpt = versions
    out = piped("compare", str(excerpt), str(origin), "--width", str(WIDTH))
    header = out.split("excerpt.txt", 1)[0]
    assert "excerpt" in header and "the left version (excerpt.txt) is an excerpt of the right one (origin.txt)" in \
        " ".join(out.split())
    table = rows(out, "excerpt.txt", "origin.txt")
    assert row_with(table, "only two of the four vessels")[1] == "="
    assert row_with(table, "Island residents reacted", side=2)[1] == ">"
    other = piped("compare", str(origin), str(excerpt), "--width", str(WIDTH))
    assert "the columns keep the order given" not in other
    assert row_with(rows(other, "origin.txt", "excerpt.txt"), "Island residents reacted")[1] == "<"


def test_compare_on_the_seeds_marks_the_reworded_quote_word_by_word():
    s = seeds()
    raw = in_pty("compare", str(s / SEED_ORIGIN), str(s / SEED_REWRITE), "--width", str(WIDTH))
    text = styled(raw)
    plain = text.plain
    table = rows(plain, SEED_ORIGIN, SEED_REWRITE)
    row = row_with(table, "views conflicts as a desirable")
    assert "sees conflict as a desirable" in row[2]
    row = row_with(table, "toughly ensure")
    assert "act resolutely to ensure" in row[2]
    for words in ("views conflicts", "sees conflict", "toughly", "act resolutely to"):
        at = plain.index(words, plain.index(SEED_REWRITE))
        assert any(getattr(sp.style, "underline", False) for sp in text.spans if sp.start <= at < sp.end), words
    assert re.search(r"quote\s+views conflicts -> sees conflict", plain)
    assert re.search(r"quote\s+toughly -> act resolutely to", plain)
    assert row_with(table, "The negotiators have been selected", side=2)[1] == ">"
