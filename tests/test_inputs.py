"""Inputs as they come: gzip and zstd files, WARC crawls, pages whose text is a
notice rather than an article, and files in a data folder that are not news."""

import gzip
import io
import json
from pathlib import Path

import pytest
from _paths import EXAMPLES

from reprints.load import iter_load, load_corpus

STORY = ("Rail workers across the region will strike for two days next week after talks over pay and rosters "
         "broke down on Monday evening, the union said in a statement. The operator said it regretted the "
         "decision and would keep talking.")


def _page(title: str, body: str) -> str:
    return (f'<html lang="en"><head><title>{title}</title></head><body><article><h1>{title}</h1>'
            f"<p>{body}</p><p>{body}</p></article></body></html>")


def test_gzip_and_zstd_files_read_as_their_inner_format(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    lines = "".join(json.dumps({"id": f"feed-{k}", "text": f"Item {k}. {STORY}"}) + "\n" for k in range(3))
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    (tmp_path / "feed2.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(
        lines.replace("feed-", "z-").encode()))
    (tmp_path / "story.txt.gz").write_bytes(gzip.compress(("Rail strike\n\n" + STORY).encode()))
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(_page("Rail strike", STORY).encode()))
    (tmp_path / "table.csv.zst").write_bytes(zstandard.ZstdCompressor().compress(
        ('id,text\nc1,"' + STORY + '"\n').encode()))
    corpus = load_corpus(tmp_path)
    assert corpus.problems == []
    ids = sorted(d.id for d in corpus.documents)
    assert ids == ["c1", "feed-0", "feed-1", "feed-2", "page.html.gz", "story.txt.gz", "z-0", "z-1", "z-2"]
    by_id = {d.id: d for d in corpus.documents}
    assert by_id["story.txt.gz"].meta["title"] == "Rail strike" and by_id["feed-1"].text.startswith("Item 1.")
    assert by_id["page.html.gz"].meta["format"] == "html"


def test_a_damaged_compressed_file_is_one_problem_and_the_rest_goes_on(tmp_path):
    good = gzip.compress("".join(json.dumps({"id": f"g{k}", "text": STORY}) + "\n" for k in range(50)).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "not-gzip.txt.gz").write_bytes(b"plain text, not gzip at all")
    (tmp_path / "fine.txt").write_text(STORY)
    items = list(iter_load(tmp_path))
    problems = [str(i) for i in items if not hasattr(i, "id")]
    assert any(p.startswith("cut.jsonl.gz") and "decompress" in p for p in problems), problems
    assert any(p.startswith("not-gzip.txt.gz: cannot decompress") for p in problems), problems
    assert "fine.txt" in [i.id for i in items if hasattr(i, "id")]


def _warc(path: Path, records: list[tuple[str, str, str, bytes]]) -> None:
    """A real WARC file written with warcio: (uri, status, content type, body) responses, and one request."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        for uri, status, ctype, body in records:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
        writer.write_record(writer.create_warc_record("https://news.example/a", "request",
                                                      payload=io.BytesIO(b"GET /a HTTP/1.1\r\n\r\n")))


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_a_warc_crawl_gives_one_document_per_html_response(tmp_path, name):
    pytest.importorskip("warcio")
    _warc(tmp_path / name, [
        ("https://news.example/a", "200 OK", "text/html; charset=utf-8", _page("Rail strike", STORY).encode()),
        ("https://news.example/b", "200 OK", "text/html", _page("Strike", "Reprinted. " + STORY).encode()),
        ("https://news.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("https://news.example/gone", "404 Not Found", "text/html", b"<html><body>Not found</body></html>"),
        ("https://news.example/js", "200 OK", "text/html",
         _page("Site", "JavaScript is disabled in your browser. Please enable JavaScript to use this site.").encode()),
    ])
    items = list(iter_load(tmp_path / name))
    docs = [i for i in items if hasattr(i, "id")]
    assert [d.id for d in docs] == ["https://news.example/a", "https://news.example/b"]
    assert docs[0].meta["url"] == "https://news.example/a" and docs[0].meta["title"] == "Rail strike"
    problems = [i.message for i in items if not hasattr(i, "id")]
    assert problems == ["https://news.example/logo.png: not HTML (image/png)",
                        "https://news.example/gone: HTTP status 404, no article",
                        "https://news.example/js: no article: a notice that JavaScript is needed"]


@pytest.mark.parametrize("text, why", [
    ("JavaScript is disabled in your browser. Please enable JavaScript to view the page.",
     "a notice that JavaScript is needed"),
    ("We use cookies to improve your experience. Please accept cookies to continue.", "a cookie notice"),
    ("Forbidden. You don't have permission to access this resource on this server.", "an access-denied page"),
    ("This story is for subscribers. Subscribe now to continue reading this article.", "a paywall"),
    ("Sorry, the page you are looking for could not be found. Page not found.", "an error page"),
    ("Rail strike next week, the union said.", "too short to be an article (7 words)"),
])
def test_pages_that_hold_a_notice_not_an_article_are_problems(tmp_path, text, why):
    page = tmp_path / "p.html"
    page.write_text(f"<html><body><article><p>{text}</p></article></body></html>")
    (item,) = list(iter_load(page))
    assert not hasattr(item, "id") and item.message == f"no article: {why}"


def test_an_article_that_mentions_cookies_is_still_an_article(tmp_path):
    body = ("Bakers across the city sold twice as many cookies this December as last year, the trade association "
            "said on Monday, after a cold autumn and a run of festival weekends drew shoppers to the old town.")
    page = tmp_path / "cookies.html"
    page.write_text(_page("Cookie sales double", body + " " + body.replace("Bakers", "Shops")))
    (item,) = list(iter_load(page))
    assert hasattr(item, "id")


def test_readme_and_licence_files_in_a_data_folder_are_left_out_and_counted(tmp_path):
    (tmp_path / "README.TXT").write_text("This folder holds the crawl of 3 December.")
    (tmp_path / "LICENSE").write_text("CC BY 4.0")
    (tmp_path / "story.txt").write_text(STORY)
    items = list(iter_load(tmp_path))
    assert [i.id for i in items if hasattr(i, "id")] == ["story.txt"]
    assert sorted(str(i) for i in items if not hasattr(i, "id")) == [
        "LICENSE: not news (a licence file) skipped", "README.TXT: not news (a README file) skipped"]
    assert len(list(iter_load(tmp_path / "README.TXT"))) == 1  # named on its own, it is read


def test_the_example_pages_are_still_articles():
    web = load_corpus(EXAMPLES / "corpus" / "web")
    assert web.problems == [] and len(web.documents) == len(list((EXAMPLES / "corpus" / "web").iterdir()))


def test_an_empty_warc_or_one_without_responses_is_reported(tmp_path):
    pytest.importorskip("warcio")
    (tmp_path / "empty.warc").write_bytes(b"")
    _warc(tmp_path / "requests.warc", [])  # one request record, no response
    problems = sorted(str(i) for i in iter_load(tmp_path) if not hasattr(i, "id"))
    assert problems == ["empty.warc: empty file", "requests.warc: no response records (1 records)"]
