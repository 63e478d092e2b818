"""Tests for reprints.load: formats, header parsing, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from reprints.load import (
    Corpus,
    Document,
    LoadProblem,
    document_from_text,
    iter_load,
    load_corpus,
    parse_date,
    parsed,
)

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def seeds() -> Path:
    """The shared seed documents; skip when this checkout has no ../shared/seeds."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    return SEEDS


def _seed(folder: Path, prefix: str) -> Path:
    matches = sorted(folder.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix}_*.txt not found in {folder}")
    return matches[0]


def _only_doc(corpus: Corpus) -> Document:
    assert corpus.problems == []
    assert len(corpus.documents) == 1
    return corpus.documents[0]


def _spans(doc: Document) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for start, end, name in doc.header:
        out.setdefault(name, []).append(doc.text[start:end])
    return out


# ----------------------------------------------------------------- seeds / header


def test_seed_000_header_parsed(seeds: Path) -> None:
    path = _seed(seeds, "000")
    doc = _only_doc(load_corpus(path))
    assert doc.id == path.name
    assert doc.meta["title"] == "Russia Expects Security Talks With U.S., NATO in January"
    assert doc.meta["byline"] == "AFP"
    assert doc.meta["date"] == "2021-12-22"
    assert doc.meta["url"].startswith("https://www.themoscowtimes.com/2021/12/22/")
    assert doc.meta["url"].endswith("-a75903")  # the stray space in the printed URL is dropped
    assert doc.meta["outlet"] == "themoscowtimes.com"
    assert doc.meta["format"] == "txt"
    spans = _spans(doc)
    assert spans["title"] == ["Russia Expects Security Talks With U.S., NATO in January"]
    assert spans["byline"] == ["By AFP"]
    assert spans["date"] == ["December 22, 2021"]
    assert spans["url"][0] == "Original url:"
    assert spans["url"][1].startswith("https://www.themoscowtimes.com/2021/12/22/")
    starts = [start for start, _, _ in doc.header]
    assert starts == sorted(starts)
    # the photo credit and the body are story, not header
    assert "MFA Russia" not in " ".join(t for ts in spans.values() for t in ts)


def test_seed_003_has_no_title(seeds: Path) -> None:
    doc = _only_doc(load_corpus(_seed(seeds, "003")))
    assert "title" not in doc.meta
    assert "byline" not in doc.meta and "date" not in doc.meta
    assert doc.header == ()
    assert "\u2018Military-Technical\u2019" in doc.text  # UTF-8 curly quotes kept as they are


def test_seed_004_title_without_byline_or_date(seeds: Path) -> None:
    doc = _only_doc(load_corpus(_seed(seeds, "004")))
    assert doc.meta["title"] == "Lavrov: Russian-Western talks on security guarantees in January"
    assert "byline" not in doc.meta and "date" not in doc.meta
    assert [name for _, _, name in doc.header] == ["title"]
    # a subheading further down is story, not a second title
    assert "The negotiators have been selected" in doc.text


def test_seed_folder_ids_are_relative(seeds: Path) -> None:
    corpus = load_corpus(seeds)
    assert [d.id for d in corpus.documents] == sorted(p.name for p in seeds.glob("*.txt"))


def test_wrapped_first_line_is_not_a_title() -> None:
    doc = document_from_text("x", "Short first line\ncontinues here.\n\nMore text.")
    assert "title" not in doc.meta and doc.header == ()


def test_title_must_not_end_like_a_sentence() -> None:
    doc = document_from_text("x", "This is a sentence.\n\nAnd another one.")
    assert "title" not in doc.meta


def test_title_ending_in_abbreviation_is_kept() -> None:
    doc = document_from_text("x", "Russia Expects Talks With the U.S.\n\nBody text here.")
    assert doc.meta["title"] == "Russia Expects Talks With the U.S."


def test_lone_line_is_story_not_title() -> None:
    doc = document_from_text("x", "Just one short line")
    assert "title" not in doc.meta and doc.header == ()


def test_title_directly_followed_by_byline_and_date() -> None:
    text = "Talks Set for January\nBy Jane Doe and John Roe\nDec. 22, 2021\n\nThe talks will start."
    doc = document_from_text("x", text)
    assert doc.meta["title"] == "Talks Set for January"
    assert doc.meta["byline"] == "Jane Doe and John Roe"
    assert doc.meta["date"] == "2021-12-22"
    assert [name for _, _, name in doc.header] == ["title", "byline", "date"]


def test_byline_with_date_on_one_line() -> None:
    doc = document_from_text("x", "A Title\n\nBy Reuters staff | Wednesday, 22 December 2021 10:15\n\nBody.")
    assert doc.meta["byline"] == "Reuters staff"
    assert doc.meta["date"] == "2021-12-22"


def test_sentence_starting_with_by_is_not_a_byline() -> None:
    doc = document_from_text("x", "By the end of the week talks had stalled\n\nMore text.")
    assert "byline" not in doc.meta


def test_byline_label_accepted() -> None:
    doc = document_from_text("x", "Byline: Anna Smith\n\nStory text.")
    assert doc.meta["byline"] == "Anna Smith"
    assert _spans(doc)["byline"] == ["Byline: Anna Smith"]


def test_source_url_on_label_line_and_given_meta_wins() -> None:
    text = "Headline Here\n\nStory text goes on.\n\nSource: https://example.org/a/b\n"
    doc = document_from_text("x", text, {"title": "Given Title", "outlet": "Example News"})
    assert doc.meta["title"] == "Given Title"  # given wins over parsed
    assert doc.meta["url"] == "https://example.org/a/b"
    assert doc.meta["outlet"] == "Example News"  # not derived from the URL when given
    assert _spans(doc)["url"] == ["Source: https://example.org/a/b"]
    assert _spans(doc)["title"] == ["Headline Here"]  # the line is still header


def test_source_label_with_sentence_is_story() -> None:
    text = "Body text.\n\nSource: a person familiar with the talks said they would start soon."
    doc = document_from_text("x", text)
    assert "url" not in doc.meta and "outlet" not in doc.meta and doc.header == ()


def test_document_from_text_cleans_line_endings() -> None:
    doc = document_from_text("x", "Title\r\n\r\nBy AFP\r\n\r\nBody.\r")
    assert "\r" not in doc.text
    assert doc.meta["byline"] == "AFP"
    assert _spans(doc)["byline"] == ["By AFP"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("December 22, 2021", "2021-12-22"),
        ("22 December 2021", "2021-12-22"),
        ("Dec. 22, 2021", "2021-12-22"),
        ("2021-12-22", "2021-12-22"),
        ("Wednesday, December 22, 2021 10:15 am", "2021-12-22"),
        ("Wed, 22 Dec 2021 10:00:00 GMT", "2021-12-22"),
        ("2021-12-22T10:00:00Z", "2021-12-22"),
        ("Published: Sept. 5, 2021", "2021-09-05"),
        ("December 32, 2021", None),
        ("December 22, 2021 Lavrov said", None),
        ("in December 2021", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


# ----------------------------------------------------------------- formats


def test_txt_and_markdown(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Plain Title\n\nBody of a.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Markdown Title\nBody of b right under it.\n", encoding="utf-8")
    (tmp_path / "c.MARKDOWN").write_text("Just text\nwrapped here.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.problems == []
    a, b, c = corpus.documents
    assert (a.id, a.meta["title"], a.meta["format"]) == ("a.txt", "Plain Title", "txt")
    assert (b.meta["title"], b.meta["format"]) == ("Markdown Title", "md")
    assert _spans(b)["title"] == ["# Markdown Title"]
    assert c.id == "c.MARKDOWN" and "title" not in c.meta


def test_headers_parsed_later_are_the_same(tmp_path: Path) -> None:
    """iter_load(parse_headers=False) then parsed() gives what iter_load gives, in every format."""
    story = "Talks in January\n\nBy AFP\n\nDecember 22, 2021\n\nThe talks begin next month in Geneva.\n"
    (tmp_path / "a.txt").write_text(story, encoding="utf-8")
    (tmp_path / "b.md").write_text("# Markdown Title\nBody of b right under it.\n", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(orjson.dumps({"id": "c1", "text": story, "outlet": "Wire"}).decode() + "\n"
                                      + orjson.dumps({"id": "c2", "text": "x"}).decode()[:-3] + "\n", encoding="utf-8")
    (tmp_path / "d.csv").write_text('id,text,title\nd1,"' + story.replace('"', '""') + '",Given title\n',
                                    encoding="utf-8")
    (tmp_path / "e.html").write_text(HTML_PAGE, encoding="utf-8")
    now = list(iter_load(tmp_path))
    later = list(iter_load(tmp_path, parse_headers=False))
    assert [type(x) for x in now].count(LoadProblem) == 1
    assert [parsed(x) if isinstance(x, Document) else x for x in later] == now
    raw = next(x for x in later if isinstance(x, Document) and x.id == "a.txt")
    assert "title" not in raw.meta and raw.header == ()
    assert parsed(raw).meta["title"] == "Talks in January" and parsed(now[0]) is now[0]



def test_documents_survive_pickling_to_worker_processes(tmp_path: Path) -> None:
    import pickle

    (tmp_path / "b.md").write_text("# Markdown Title\nBody of b right under it.\n", encoding="utf-8")
    [raw] = list(iter_load(tmp_path, parse_headers=False))
    [full] = list(iter_load(tmp_path))
    for doc in (raw, full):
        back = pickle.loads(pickle.dumps(doc))
        assert type(back) is type(doc) and back == doc
    assert parsed(pickle.loads(pickle.dumps(raw))).meta["title"] == "Markdown Title"


HTML_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Talks in January | Example News</title>
<meta property="og:title" content="Russia Expects Security Talks in January">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2021-12-22T10:00:00Z">
<link rel="canonical" href="https://news.example.com/2021/12/22/talks">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Russia Expects Security Talks in January</h1>
<p>Russia's Foreign Minister Sergei Lavrov said Wednesday he expects negotiations with the
United States on Moscow's security demands to begin in January, with concerns mounting.</p>
<p>His comments come after a U.S. official told reporters on Tuesday that she also
understands talks with Russia will begin in January, warning some proposals were unacceptable.</p>
<p>Moscow presented the West with sweeping security demands in two draft documents last week,
one addressed to NATO and another to the United States.</p>
</article>
<footer>Copyright 2021 Example News. All rights reserved.</footer>
</body></html>
"""


def test_html_extraction(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(HTML_PAGE, encoding="utf-8")
    doc = _only_doc(load_corpus(tmp_path / "page.html"))
    assert doc.id == "page.html"
    assert doc.meta["title"] == "Russia Expects Security Talks in January"
    assert doc.meta["date"] == "2021-12-22"
    assert doc.meta["url"] == "https://news.example.com/2021/12/22/talks"
    assert doc.meta["outlet"] == "Example News"
    assert doc.meta["lang"] == "en"
    assert doc.meta["format"] == "html"
    assert "Sergei Lavrov said Wednesday" in doc.text
    assert "\n\nHis comments come after" in doc.text  # paragraphs separated by a blank line
    assert "Copyright" not in doc.text and "Sport" not in doc.text
    for start, end, name in doc.header:
        if name == "title":
            assert doc.text[start:end] == "Russia Expects Security Talks in January"


def test_html_without_text(tmp_path: Path) -> None:
    page = "<html><head><title>x</title></head><body><script>var a=1;</script></body></html>"
    (tmp_path / "empty.htm").write_text(page)
    corpus = load_corpus(tmp_path)
    assert corpus.documents == []
    assert [str(p) for p in corpus.problems] == ["empty.htm: no article text found in HTML"]


def _jsonl(rows: list[object]) -> bytes:
    return b"\n".join(orjson.dumps(row) for row in rows) + b"\n"


def test_jsonl_rows_with_meta(tmp_path: Path) -> None:
    rows = [
        {
            "id": "r1",
            "text": "Row Title\n\nBy AFP\n\nRow one body.",
            "author": "Agence France-Presse",
            "date": "2021-12-22T08:00:00Z",
        },
        {"id": 2, "text": "Second row body.", "source": "The Moscow Times", "views": 12, "tags": ["a", "b"], "note": None},
    ]
    (tmp_path / "feed.jsonl").write_bytes(_jsonl(rows))
    corpus = load_corpus(tmp_path / "feed.jsonl")
    assert corpus.problems == []
    one, two = corpus.documents
    assert one.id == "r1"
    assert one.meta["byline"] == "Agence France-Presse"  # the field wins over the parsed "By AFP"
    assert one.meta["title"] == "Row Title"
    assert one.meta["date"] == "2021-12-22"
    assert one.meta["format"] == "jsonl"
    assert [name for _, _, name in one.header] == ["title", "byline"]
    assert two.id == "2"
    assert two.meta == {"outlet": "The Moscow Times", "views": "12", "tags": '["a","b"]', "format": "jsonl"}


def test_jsonl_broken_line_in_the_middle(tmp_path: Path) -> None:
    lines = [
        b'{"id": "a", "text": "first"}',
        b"",
        b'{"id": "b", "text": "second" "oops"}',
        b'["not", "an", "object"]',
        b'{"id": "c"}',
        b'{"id": "d", "text": "   "}',
        b'{"id": "e", "text": "fifth"}',
    ]
    (tmp_path / "f.ndjson").write_bytes(b"\r\n".join(lines))
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["a", "e"]
    problems = [(p.source, p.line) for p in corpus.problems]
    assert problems == [("f.ndjson", 3), ("f.ndjson", 4), ("f.ndjson", 5), ("f.ndjson", 6)]
    messages = [p.message for p in corpus.problems]
    assert messages[0].startswith("invalid JSON: ")
    assert "(col " in messages[0]
    assert messages[1] == "expected a JSON object, got an array"
    assert messages[2] == "missing field 'text'"
    assert messages[3] == "empty text"
    assert str(corpus.problems[2]) == "f.ndjson:5: missing field 'text'"


def test_jsonl_cp1252_line(tmp_path: Path) -> None:
    raw = '{"id": "w", "text": "Caf\u00e9 \u201cquoted\u201d"}'.encode("cp1252")
    (tmp_path / "w.jsonl").write_bytes(raw + b"\n")
    doc = _only_doc(load_corpus(tmp_path / "w.jsonl"))
    assert doc.text == "Caf\u00e9 \u201cquoted\u201d"


def test_csv_rows(tmp_path: Path) -> None:
    content = (
        "id,text,author,date\n"
        'c1,"Multi\nline body, with comma",Jane Doe,"December 22, 2021"\n'
        "\n"
        "c2,Second body,,not a date\n"
        ",No id here,,\n"
        "c4,,,\n"
    )
    (tmp_path / "t.csv").write_text(content, encoding="utf-8")
    corpus = load_corpus(tmp_path / "t.csv")
    assert [d.id for d in corpus.documents] == ["c1", "c2"]
    c1, c2 = corpus.documents
    assert c1.text == "Multi\nline body, with comma"
    assert c1.meta == {"byline": "Jane Doe", "date": "2021-12-22", "format": "csv"}
    assert c2.meta == {"date": "not a date", "format": "csv"}  # unparseable date kept as given
    assert [(p.line, p.message) for p in corpus.problems] == [(6, "empty id"), (7, "empty text")]


def test_csv_missing_column(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("id,body\n1,hello\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.documents == []
    assert [str(p) for p in corpus.problems] == ["bad.csv:1: missing column 'text'"]


def test_parquet_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "id": ["p1", "p2", "p3"],
            "text": ["Parquet body one.", None, "Parquet body three."],
            "url": ["https://www.example.com/x", "", None],
            "rank": [1, 2, 3],
        }
    )
    pq.write_table(table, tmp_path / "rows.parquet")
    pq.write_table(pa.table({"id": ["z"], "body": ["b"]}), tmp_path / "z.parquet")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["p1", "p3"]
    assert corpus.documents[0].meta == {
        "url": "https://www.example.com/x",
        "rank": "1",
        "format": "parquet",
        "outlet": "example.com",
    }
    assert [str(p) for p in corpus.problems] == ["rows.parquet:1: empty text", "z.parquet: missing column 'text'"]


# ----------------------------------------------------------------- bad input


def test_cp1252_bytes_load(tmp_path: Path) -> None:
    (tmp_path / "legacy.txt").write_bytes("Don\u2019t panic \u2014 caf\u00e9 costs \u20ac5.".encode("cp1252"))
    doc = _only_doc(load_corpus(tmp_path))
    assert doc.text == "Don\u2019t panic \u2014 caf\u00e9 costs \u20ac5."


def test_mojibake_repaired_quotes_kept_curly(tmp_path: Path) -> None:
    (tmp_path / "moji.txt").write_text("I donâ€™t know, said the cafÃ© owner.", encoding="utf-8")
    doc = _only_doc(load_corpus(tmp_path))
    assert doc.text == "I don\u2019t know, said the caf\u00e9 owner."


def test_clean_text_left_alone(tmp_path: Path) -> None:
    text = "\u201cQuoted\u201d na\u00efve \ufb01ne \u041c\u043e\u0441\u043a\u0432\u0430 \u00bd"
    (tmp_path / "ok.txt").write_text(text, encoding="utf-8")
    assert _only_doc(load_corpus(tmp_path)).text == text


def test_utf16_and_bom(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes("Caf\u00e9 in UTF-16.".encode("utf-16"))
    (tmp_path / "u8bom.txt").write_bytes(b"\xef\xbb\xbfWith BOM.")
    corpus = load_corpus(tmp_path)
    assert corpus.problems == []
    assert [d.text for d in corpus.documents] == ["Caf\u00e9 in UTF-16.", "With BOM."]


def test_empty_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_blank.md").write_bytes(b" \n\r\n\t ")
    (tmp_path / "c_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tmp_path / "d_empty.jsonl").write_bytes(b"\n\n")
    corpus = load_corpus(tmp_path)
    assert corpus.documents == []
    assert [str(p) for p in corpus.problems] == [
        "a_empty.txt: empty file",
        "b_blank.md: empty file",
        "c_binary.txt: binary content",
        "d_empty.jsonl: empty file",
    ]


def test_unsupported_extension(tmp_path: Path) -> None:
    (tmp_path / "paper.PDF").write_bytes(b"%PDF-1.7")
    (tmp_path / "NOTES").write_text("no extension")
    corpus = load_corpus(tmp_path)
    assert corpus.documents == []
    assert [str(p) for p in corpus.problems] == [
        "NOTES: unsupported file type (no extension)",
        "paper.PDF: unsupported file type '.pdf'",
    ]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(_jsonl([{"id": "x", "text": "one"}, {"id": "y", "text": "two"}]))
    (tmp_path / "b.csv").write_text("id,text\nz,three\nx,dup of one\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [(d.id, d.text) for d in corpus.documents] == [("x", "one"), ("y", "two"), ("z", "three")]
    assert [str(p) for p in corpus.problems] == ["b.csv:3: duplicate id 'x' (first seen in a.jsonl:1)"]


def test_folder_walk_order_hidden_and_relative_ids(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "inner.txt").write_text("Inner.")
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "c.txt").write_text("C.")
    (tmp_path / "b" / "deeper").mkdir()
    (tmp_path / "b" / "deeper" / "z.md").write_text("Z.")
    (tmp_path / ".hidden.txt").write_text("Hidden.")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    (tmp_path / ".git" / "config").write_text("cfg")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["a.txt", "b/deeper/z.md", "b/inner.txt", "c.txt"]
    assert [str(p) for p in corpus.problems] == [
        ".git: hidden folder skipped (2 files)",
        ".hidden.txt: hidden file skipped",
    ]
    # the same order every time, and iter_load streams the same items
    assert list(iter_load(tmp_path)) == [*corpus.problems, *corpus.documents]


def test_missing_path_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match="nope"):
        load_corpus(missing)
    with pytest.raises(FileNotFoundError, match="nope"):
        iter_load(str(missing))  # raised at the call, not at the first next()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    try:
        corpus = load_corpus(tmp_path)
    finally:
        locked.chmod(0o644)
    assert [str(p) for p in corpus.problems] == ["locked.txt: cannot read file: Permission denied"]


def test_os_error_becomes_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("Readable.")
    (tmp_path / "b.txt").write_text("Not readable.")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "b.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["a.txt"]
    assert [str(p) for p in corpus.problems] == ["b.txt: cannot read file: Permission denied"]


def test_batch_with_bad_items_keeps_all_good_ones(tmp_path: Path) -> None:
    (tmp_path / "01.txt").write_text("Good one.")
    (tmp_path / "02.txt").write_bytes(b"")
    (tmp_path / "03.jsonl").write_bytes(b'{"id": "j1", "text": "good"}\n{broken\n{"id": "j2", "text": "good too"}\n')
    (tmp_path / "04.bin").write_bytes(b"\x00\x01")
    (tmp_path / "05.csv").write_text("id,text\nk1,fine\n")
    (tmp_path / "06.txt").write_bytes(b"\x00\x00\x00 binary")
    (tmp_path / "07.md").write_text("Last good.")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["01.txt", "j1", "j2", "k1", "07.md"]
    assert [(p.source, p.line) for p in corpus.problems] == [
        ("02.txt", None),
        ("03.jsonl", 2),
        ("04.bin", None),
        ("06.txt", None),
    ]
    assert all(isinstance(p, LoadProblem) for p in corpus.problems)


def test_tsv_and_utf8_bom_header(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_bytes(b"\xef\xbb\xbfid\ttext\tlang\nt1\tTab separated body.\ten\n")
    doc = _only_doc(load_corpus(tmp_path))
    assert (doc.id, doc.text, doc.meta) == ("t1", "Tab separated body.", {"lang": "en", "format": "tsv"})


def test_html_declared_charset(tmp_path: Path) -> None:
    body = "<p>" + "Министр иностранных дел России Сергей Лавров заявил в среду, что ожидает переговоров. " * 4 + "</p>"
    head = '<head><meta charset="windows-1251"><title>Т</title></head>'
    page = f'<html lang="ru">{head}<body><article>{body}</article></body></html>'
    (tmp_path / "ru.html").write_bytes(page.encode("cp1251"))
    doc = _only_doc(load_corpus(tmp_path))
    assert "Министр иностранных дел России" in doc.text
    assert doc.meta["lang"] == "ru"


# ----------------------------------------------------------------- the mojibake gate
# _looks_bad is a faster stand-in for ftfy.badness.is_bad; these tests check that it
# never says "fine" where is_bad would say "bad".


def _badness_chars() -> set[int]:
    """Every code point named by a literal or a range in ftfy's BADNESS_RE."""
    from re import _parser  # type: ignore[attr-defined]

    from ftfy.badness import BADNESS_RE

    found: set[int] = set()

    def walk(items: object) -> None:
        for op, av in items:  # type: ignore[attr-defined]
            name = str(op)
            if name == "LITERAL":
                found.add(av)
            elif name == "IN":
                for op2, av2 in av:
                    if str(op2) == "LITERAL":
                        found.add(av2)
                    elif str(op2) == "RANGE":
                        found.update(range(av2[0], av2[1] + 1))
            elif name == "BRANCH":
                for branch in av[1]:
                    walk(branch)
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                walk(av[2])
            elif name == "SUBPATTERN":
                walk(av[-1])

    walk(_parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags))
    return found


def test_gate_plain_scripts_not_in_ftfy_patterns() -> None:
    chars = _badness_chars()
    assert 0xC3 in chars and 0x20AC in chars  # the walk does find Ã and €
    other_scripts = [(0x0590, 0x06FF), (0x0900, 0x0E7F), (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3)]
    for low, high in other_scripts:
        assert not [hex(c) for c in chars if low <= c <= high]


def test_gate_typographic_ascii_never_bad() -> None:
    import random

    from ftfy.badness import is_bad

    from reprints.load.decode import _TYPOGRAPHIC

    rng = random.Random(7)
    alphabet = "aAzZ09 .,;:!?'\"-()\n\t" + _TYPOGRAPHIC
    for _ in range(50_000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9)))
        assert not is_bad(sample), repr(sample)


def test_gate_never_misses_mojibake() -> None:
    import random

    from ftfy.badness import is_bad

    from reprints.load.decode import _looks_bad

    rng = random.Random(11)
    words = (
        "the talks will begin in January said Lavrov NATO U.S. 2021 "
        "переговоры начнутся в январе заявил Лавров ВГРС "
        "οι συνομιλίες ΒΓΞΟ café naïve Zürich São Paulo señor straße œuvre "
        "“quoted” ‘single’ — – … « » • © ® ™ ½ ² € £ ¥ ° µ × "
        "محادثات שיחות बातचीत 会谈 회담 かいだん"
    ).split()
    codecs_ = ["cp1252", "latin-1", "cp1251", "cp1253", "cp1257", "mac_roman", "cp437"]
    misses, bad_seen = [], 0
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(5, 80)):
            word = rng.choice(words)
            if rng.random() < 0.15:
                word = word.encode("utf-8").decode(rng.choice(codecs_), errors="replace")
            parts.append(word)
            parts.append(rng.choice([" ", " ", " ", "", "\n", "\n\n", ", "]))
        text = "".join(parts)
        if is_bad(text):
            bad_seen += 1
            if not _looks_bad(text):
                misses.append(text)
    assert bad_seen > 1000  # the samples do exercise the bad case
    assert misses == []


def test_csv_unterminated_quote_is_reported(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text('id,text\ngood,"A fine row of text."\nbad,"never closed\n')
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["good"]
    [problem] = corpus.problems
    assert problem.source == "c.csv" and problem.line == 3 and "invalid CSV row" in problem.message


def test_an_html_date_with_a_zone_name_prints_no_library_warning(tmp_path):
    import warnings

    page = tmp_path / "page.html"
    body = ("Rail workers across the region will strike for two days next week after talks over pay and rosters "
            "broke down on Monday evening, the union said in a statement.")
    page.write_text(f'<html lang="en"><head><title>Rail strike</title><meta name="date" content="2021-12-06 10:00 EST">'
                    f"</head><body><article><h1>Rail strike</h1><p>{body}</p><p>{body}</p></article></body></html>")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (doc,) = list(iter_load(page))
    assert doc.meta.get("date") == "2021-12-06"
    assert not [w for w in caught if "tzname" in str(w.message)], [str(w.message) for w in caught]
