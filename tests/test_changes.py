"""Word-level changes inside matched passages: a changed figure, name or date in a
copy of real text is reported with its kind and exact offsets on both sides."""

import json
import re
import subprocess
import sys

import pytest
from _paths import EXAMPLES, SEED_ORIGIN, SEED_REWRITE, SEEDS
from _stories import FERRY

from reprints.align import word_changes
from reprints.load import document_from_text
from reprints.pipeline import ScanParams, compare_documents

_MONTHS = "January|February|March|April|June|July|August|September|October|November|December"
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"


def _spots(text: str):
    """A figure, a name and a date in the body, each at least 40 characters from the others (edits
    with no unchanged words between them are one change)."""
    body = text[len(text) // 5: len(text) * 4 // 5]  # past the header lines, before the source links
    chosen: list = []
    for pattern in (r"(?<=\s)\d{2,}(?=[\s.,])", rf"(?<=[a-z,] )(?!(?:{_MONTHS}|{_DAYS})\b)([A-Z][a-z]{{3,}})(?= [a-z])",
                    rf"\b({_MONTHS}|{_DAYS})\b"):
        found = next((m for m in re.finditer(pattern, body)
                      if all(abs(m.start() - c.start()) > 40 for c in chosen if c)), None)
        chosen.append(found)
    return tuple(chosen)


def _real_text() -> str:
    """Real wire copy with a figure, a name and a date in its body (the METER wire stories when present),
    else the bundled example story."""
    meter = SEEDS.parent / "corpora" / "meter-courts" / "docs"
    candidates = sorted(meter.rglob("*.txt"))[:400] if meter.is_dir() else []
    for path in candidates:
        text = path.read_text(errors="replace")
        if len(text) > 1500 and all(_spots(text)):
            return text
    return (EXAMPLES / "corpus" / "wire" / "dam-breach-origin.txt").read_text()


def _plant(text: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """A copy with one figure, one name and one date changed: (copy, [(start, end, new, kind)] in the original)."""
    edits = []
    number, name, date = _spots(text)
    assert number and name and date, "the text needs a figure, a name and a date"
    off = len(text) // 5
    edits.append((off + number.start(), off + number.end(), str(int(number.group()) + 7), "number"))
    edits.append((off + name.start(), off + name.end(), "Zanetti", "name"))
    day = date.group()
    edits.append((off + date.start(), off + date.end(), "Saturday" if day != "Saturday" else "Sunday", "date"))
    copy, last = [], 0
    for s, e, new, _ in sorted(edits):
        copy += [text[last:s], new]
        last = e
    return "".join(copy + [text[last:]]), sorted(edits)


def test_planted_figures_names_and_dates_are_reported_with_exact_offsets():
    text = _real_text()
    copy, edits = _plant(text)
    a, b = document_from_text("a", text), document_from_text("b", copy)
    rel = compare_documents(a, b, ScanParams(semantic=False))
    assert rel.relation in ("reformatted", "identical", "excerpt")
    got = word_changes(a.text, b.text, rel.alignment.passages if rel.a == "a" else
                       [p.swapped() for p in rel.alignment.passages])
    shift = 0
    want = []
    for s, e, new, kind in edits:  # where each edit lands in the copy
        want.append((s, e, s + shift, s + shift + len(new), kind))
        shift += len(new) - (e - s)
    assert [(c.a_start, c.a_end, c.b_start, c.b_end, c.kind) for c in got] == want
    for c, (_, _, new, _) in zip(got, edits):
        assert b.text[c.b_start:c.b_end] == new


def test_a_verbatim_copy_has_no_changes():
    text = _real_text()
    rel = compare_documents(document_from_text("a", text), document_from_text("b", "Reprinted.\n\n" + text),
                            ScanParams(semantic=False))
    assert word_changes(text, "Reprinted.\n\n" + text, rel.alignment.passages) == ()


def test_scan_writes_the_changes_in_pairs_and_tree_edges(tmp_path):
    text = _real_text()
    copy, edits = _plant(text)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(text)
    (folder / "b.txt").write_text(copy)
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "reprints", "scan", str(folder), "-o", str(out), "--no-semantic", "-q"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    (pair,) = [json.loads(x) for x in (out / "pairs.jsonl").read_text().splitlines()]
    assert sorted(c["kind"] for c in pair["changes"]) == ["date", "name", "number"]
    side = "a" if pair["a"] == "a.txt" else "b"
    assert sorted(text[c[f"{side}_start"]:c[f"{side}_end"]] for c in pair["changes"]) == sorted(
        text[s:e] for s, e, _, _ in edits)
    (fam,) = [json.loads(x) for x in (out / "families.jsonl").read_text().splitlines()]
    (edge,) = fam["tree"]
    assert len(edge["changes"]) == 3 and {"child_start", "parent_start", "kind"} <= set(edge["changes"][0])


def test_the_seeds_rewrite_marks_the_reworded_words():
    if not (SEEDS / SEED_ORIGIN).exists():
        pytest.skip(f"seed documents not found at {SEEDS}")
    a = document_from_text(SEED_ORIGIN, (SEEDS / SEED_ORIGIN).read_text())
    b = document_from_text(SEED_REWRITE, (SEEDS / SEED_REWRITE).read_text())
    rel = compare_documents(a, b)
    x, y = (a, b) if rel.a == a.id else (b, a)
    pairs = {(x.text[c.a_start:c.a_end], y.text[c.b_start:c.b_end]) for c in
             word_changes(x.text, y.text, rel.alignment.passages)}
    assert ("views conflicts", "sees conflict") in pairs or ("sees conflict", "views conflicts") in pairs
    assert any("toughly" in p[0] + p[1] and "resolutely" in p[0] + p[1] for p in pairs)


#: Our German translation of four FERRY paragraphs, with the month and one figure changed.
GERMAN = [
    "Der Fährdienst zur Insel wird seine Nachtüberfahrten ab dem ersten Mai einstellen, teilte der Betreiber am "
    "Dienstag mit und begründete dies mit einem Mangel an qualifizierter Decksbesatzung und den steigenden "
    "Treibstoffkosten.",
    "Hafenmeisterin Ilse Brandt sagte Reportern, dass im vergangenen Monat nur zwei der vier Schiffe der Flotte voll "
    "besetzt gewesen seien und mehrere Fahrten mit der gesetzlich zulässigen Mindestbesetzung abgelegt hätten.",
    "Die Inselbewohner reagierten verärgert. Der Gemeinderatsvorsitzende Tomas Ekberg sagte, die Entscheidung "
    "schneide Krankenschwestern und Schichtarbeiter ab, die auf das letzte Boot nach Hause nach elf Uhr abends "
    "angewiesen seien.",
    "Im vergangenen Jahr beförderte der Dienst nach Angaben des Betreibers in seinem im Februar veröffentlichten "
    "Jahresbericht knapp über 420.000 Passagiere und 96.000 Fahrzeuge.",
]


def test_a_translation_says_which_numbers_and_dates_differ():
    en = document_from_text("en.txt", "\n\n".join([FERRY[0], FERRY[1], FERRY[3], FERRY[7]]))
    de = document_from_text("de.txt", "\n\n".join(GERMAN))
    rel = compare_documents(en, de, ScanParams())
    assert rel.relation == "translation"
    a, b = (en.text, de.text) if rel.a == en.id else (de.text, en.text)
    found = sorted((a[c.a_start:c.a_end], b[c.b_start:c.b_end], c.kind)
                   for c in word_changes(a, b, rel.alignment.passages))
    expected = [("April", "Mai", "date"), ("410,000", "420.000", "number")]
    if rel.a != en.id:
        expected = [(y, x, k) for x, y, k in expected]
    assert found == sorted(expected)  # 96,000 / 96.000, "Februar", "Tomas Ekberg" agree; German nouns are no names
    same = document_from_text("de2.txt", "\n\n".join(GERMAN).replace("Mai", "April").replace("420.000", "410.000"))
    rel = compare_documents(en, same, ScanParams())
    assert rel.relation == "translation" and rel.alignment.passages
    assert word_changes(en.text if rel.a == en.id else same.text, same.text if rel.a == en.id else en.text,
                        rel.alignment.passages) == ()
