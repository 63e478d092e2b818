"""The HTML report: what scan writes for it, the page's data, and the page in a real browser."""

import json
import re
import shutil
import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path

import pytest
from _paths import EXAMPLES, SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, artifacts, seeds
from _stories import FERRY, MINE, agency, body

from reprints import ScanParams, Store, document_from_text, load_corpus, scan
from reprints.report.files import write_outputs
from reprints.report.html import ReportError, read_source, write_html_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


def _blocks(html: str) -> dict[str, object]:
    return {name: json.loads(body) for name, body in BLOCK.findall(html)}


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """The example corpus with the seeds mixed in (seed 004 is a rewrite: semantic matching on)."""
    src = seeds()
    root = tmp_path_factory.mktemp("report") / "corpus"
    shutil.copytree(EXAMPLES / "corpus", root)
    for name in (SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE):
        shutil.copy(src / name, root / name)
    return root


@pytest.fixture(scope="module")
def scanned(mixed: Path):
    corpus = load_corpus(mixed)
    result = scan(corpus.documents, ScanParams(jobs=1))
    out = mixed.parent / "out"
    write_outputs(result, out, parquet=True, languages=True)  # as `reprints scan` does with semantic matching
    return out, result


@pytest.fixture(scope="module")
def report(scanned) -> Path:
    out, _ = scanned
    path = out.parent / "report.html"
    write_html_report(out, path)
    return path


def test_scan_writes_the_members_texts(scanned):
    import pyarrow.parquet as pq

    out, result = scanned
    rows = _rows(out / "documents.jsonl")
    members = [m for f in result.families for m in f.members]
    assert [r["id"] for r in rows] == members  # family by family, each member once
    loaded = {d.id: d for d in result.documents}
    for r in rows:
        assert set(r) == {"id", "text", "meta", "header", "paragraphs"}
        assert r["text"] == loaded[r["id"]].text and r["meta"] == loaded[r["id"]].meta
    assert {r["meta"].get("lang") for r in rows} == {"en"}  # semantic matching ran
    # the offsets of pairs.jsonl slice these texts (verbatim: the same words, line breaks and hyphens aside)
    text = {r["id"]: r["text"] for r in rows}

    def letters(doc_id: str, start: int, end: int) -> str:
        return re.sub(r"\W+", "", text[doc_id][start:end])

    for pair in _rows(out / "pairs.jsonl"):
        for p in pair["passages"]:
            if p["kind"] == "verbatim":
                assert letters(pair["a"], p["a_start"], p["a_end"]) == letters(pair["b"], p["b_start"], p["b_end"])
    assert pq.read_table(out / "documents.parquet").num_rows == len(rows)


def test_report_is_self_contained(report: Path):
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    tags = re.findall(r"<(?:script|link|img|iframe|source|audio|video|object|embed)\b[^>]*>", html, re.I)
    assert not [t for t in tags if re.search(r"(?:src|href|data)\s*=", t, re.I)], tags
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(?:https?:)?//", html)
    assert "<link" not in html


def test_embedded_json_holds_every_family(scanned, report: Path):
    out, _ = scanned
    blocks = _blocks(report.read_text(encoding="utf-8"))
    families = _rows(out / "families.jsonl")
    docs = {r["id"]: r for r in _rows(out / "documents.jsonl")}
    index = blocks["reprints-index"]
    assert [e["id"] for e in index] == [f["family"] for f in families]
    meta = blocks["reprints-meta"]
    assert meta["families"] == len(families) and meta["members"] == len(docs)
    for entry, fam in zip(index, families):
        block = blocks[f"fam-{entry['k']}"]
        assert block["members"] == fam["members"] and block["origin"] == fam["origin"] == entry["origin"]
        assert block["tree"] == fam["tree"] and block["reasons"] == fam["reasons"]
        assert {m: block["docs"][m]["text"] for m in fam["members"]} == {m: docs[m]["text"] for m in fam["members"]}
        # every two members of these small families can be shown side by side
        assert block["complete"]
        have = {frozenset((p["a"], p["b"])) for p in block["pairs"]}
        assert have == {frozenset(c) for c in combinations(fam["members"], 2)}
    seeds_entry = next(e for e in index if e["origin"] == SEED_ORIGIN)
    assert seeds_entry["title"].startswith("Russia Expects Security Talks") and seeds_entry["d0"] == "2021-12-22"
    assert seeds_entry["rels"] == {"reformatted": 1, "rewrite": 1}


@pytest.fixture
def halves(tmp_path: Path) -> Path:
    """A scan folder with one family: a story and excerpts of its two halves (which share nothing)."""
    docs = [document_from_text("wire/ferry.txt", agency("Night ferries to stop", "AFP", "March 3, 2024", FERRY)),
            document_from_text("first-half", body(FERRY[:4]), {"date": "2024-03-04"}),
            document_from_text("second-half", body(FERRY[4:]), {"date": "2024-03-05"})]
    result = scan(docs, ScanParams(semantic=False, jobs=1))
    assert [set(f.members) for f in result.families] == [{d.id for d in docs}]
    out = tmp_path / "halves"
    write_outputs(result, out)
    assert not any({p["a"], p["b"]} == {"first-half", "second-half"} for p in _rows(out / "pairs.jsonl"))
    return out


def test_pairs_the_scan_left_out_are_aligned_for_the_report(halves: Path, tmp_path: Path):
    info = write_html_report(halves, tmp_path / "r.html", semantic=False)
    assert info.pairs_computed == 1
    blocks = _blocks((tmp_path / "r.html").read_text(encoding="utf-8"))
    fam = blocks["fam-0"]
    assert fam["complete"] and len(fam["pairs"]) == 3
    [extra] = [p for p in fam["pairs"] if p.get("computed")]
    assert {extra["a"], extra["b"]} == {"first-half", "second-half"} and extra["relation"] == "unrelated"
    assert extra["a_only"] and extra["b_only"]  # what each side has alone is listed even so
    info = write_html_report(halves, tmp_path / "r2.html", all_pairs_up_to=2, semantic=False)
    assert info.pairs_computed == 0 and not _blocks((tmp_path / "r2.html").read_text())["fam-0"]["complete"]


def test_pairs_beyond_the_limit_are_left_unaligned(scanned, tmp_path: Path):
    out, _ = scanned
    path = tmp_path / "r.html"
    info = write_html_report(out, path, all_pairs_up_to=2, semantic=False)
    assert info.pairs_computed == 0
    blocks = _blocks(path.read_text(encoding="utf-8"))
    stored = len(_rows(out / "pairs.jsonl"))
    fams = [blocks[f"fam-{e['k']}"] for e in blocks["reprints-index"]]
    assert sum(len(f["pairs"]) for f in fams) == stored
    assert not any(f["complete"] for f in fams if len(f["members"]) > 2)


def test_text_cannot_break_out_of_the_page(tmp_path: Path):
    evil = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)>"
    body = ("The council voted on Tuesday to close the old bridge to all traffic from May, "
            "citing cracks found by inspectors in the central span. ") * 4 + evil
    docs = [document_from_text("a</script>", "Bridge closes\n\n" + body, {"title": evil}),
            document_from_text("b", body)]
    result = scan(docs, ScanParams(semantic=False, jobs=1))
    assert len(result.families) == 1
    out = tmp_path / "out"
    write_outputs(result, out)
    path = tmp_path / "r.html"
    write_html_report(out, path, semantic=False)
    html = path.read_text(encoding="utf-8")
    assert "alert(1)</script>" not in html and "<script>alert" not in html and "<img src=x" not in html
    opened = re.findall(r"<script\b", html)
    assert len(opened) == html.count("</script>") == len(BLOCK.findall(html)) + 1  # data blocks and the app
    blocks = _blocks(html)
    fam = blocks[f"fam-{blocks['reprints-index'][0]['k']}"]
    assert evil in fam["docs"]["b"]["text"] and fam["docs"]["a</script>"]["meta"]["title"] == evil


def test_a_store_gives_the_same_families(mixed: Path, scanned, report: Path, tmp_path: Path):
    db = tmp_path / "news.db"
    with Store(db, ScanParams(jobs=1)) as store:
        store.add(load_corpus(mixed).documents)
    path = tmp_path / "db.html"
    write_html_report(db, path)
    from_store = _blocks(path.read_text(encoding="utf-8"))
    from_scan = _blocks(report.read_text(encoding="utf-8"))

    def families(blocks):
        return {(e["origin"], frozenset(blocks[f"fam-{e['k']}"]["members"])) for e in blocks["reprints-index"]}

    assert families(from_store) == families(from_scan)
    assert from_store["reprints-meta"]["documents"] == len(load_corpus(mixed).documents)
    # export writes the members' texts too
    exported = tmp_path / "exp"
    res = subprocess.run([sys.executable, "-m", "reprints", "export", "--db", str(db), "-o", str(exported)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    out, _ = scanned
    assert sorted(_rows(exported / "documents.jsonl"), key=lambda r: r["id"]) == \
        sorted(_rows(out / "documents.jsonl"), key=lambda r: r["id"])


def test_read_source_errors(tmp_path: Path):
    with pytest.raises(ReportError, match="no such folder or store"):
        read_source(tmp_path / "missing")
    old = tmp_path / "old"
    old.mkdir()
    (old / "pairs.jsonl").write_text("")
    (old / "families.jsonl").write_text("")
    with pytest.raises(ReportError, match="rerun `reprints scan`"):
        read_source(old)
    (tmp_path / "notes.txt").write_text("not a store")
    with pytest.raises(ReportError, match="not a reprints store"):
        read_source(tmp_path / "notes.txt")


def test_cli_report(scanned, tmp_path: Path):
    out, result = scanned

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "reprints", "report", *args], capture_output=True, text=True,
                              timeout=300)

    res = run(str(out), "-o", str(tmp_path / "r.html"), "--no-semantic")
    assert res.returncode == 0, res.stderr
    assert re.fullmatch(rf"Wrote .*r\.html \({len(result.families)} families, \d+\.\d MB\)\n", res.stdout), res.stdout
    assert (tmp_path / "r.html").stat().st_size > 10_000
    assert run(str(out), "-o", str(tmp_path / "q.html"), "-q").stdout == ""
    for bad in (tmp_path / "missing", tmp_path / "q.html"):
        res = run(str(bad), "-o", str(tmp_path / "x.html"))
        assert res.returncode == 2 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    (tmp_path / "old").mkdir()
    shutil.copy(out / "pairs.jsonl", tmp_path / "old")
    shutil.copy(out / "families.jsonl", tmp_path / "old")
    res = run(str(tmp_path / "old"), "-o", str(tmp_path / "x.html"))
    assert res.returncode == 2 and "documents.jsonl" in res.stderr and "rerun" in res.stderr
    assert "--all-pairs-up-to" in run("--help").stdout


# -- in a real browser -----------------------------------------------------------------------------


def chrome():
    """A headless Chromium driven by the system chromedriver (nothing downloaded), or skip."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip(f"{CHROMIUM} or {CHROMEDRIVER} missing (scripts/install-browser installs them)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    profile = tempfile.mkdtemp(prefix="reprints-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver, profile


def test_report_in_a_browser(scanned, report: Path, halves: Path, tmp_path: Path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    out, result = scanned
    driver, profile = chrome()
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(report.resolve().as_uri())
        wait.until(lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
        css = lambda sel: driver.find_elements(By.CSS_SELECTOR, sel)  # noqa: E731

        # the list: every family, then a search narrows it
        n = len(result.families)
        assert css("#match-count")[0].get_attribute("data-count") == str(n)
        assert f"{n} families match" in css("#match-count")[0].text
        assert len(css("#family-rows tr.fam-row")) == n
        search = css("#search")[0]
        search.send_keys("halstedt")
        wait.until(lambda d: css("#match-count")[0].get_attribute("data-count") == "1")
        assert "1 of" in css("#match-count")[0].text and len(css("#family-rows tr.fam-row")) == 1
        assert css("#family-rows tr.fam-row")[0].get_attribute("data-family") == next(
            f.id for f in result.families if "halstedt" in f.origin)
        search.clear()
        search.send_keys(SEED_REWRITE[:12])  # any member's id finds its family

        # the seeds' family: its tree has a node per member
        seed_fam = next(f for f in result.families if f.origin == SEED_ORIGIN)
        wait.until(lambda d: [x.get_attribute("data-family") for x in css("#family-rows tr.fam-row")] == [seed_fam.id])
        css("#family-rows tr.fam-row")[0].click()
        wait.until(lambda d: css("#family-view"))
        assert driver.current_url.endswith(f"#family/{seed_fam.id}")
        nodes = css("svg.tree g.node")
        assert sorted(x.get_attribute("data-id") for x in nodes) == sorted(seed_fam.members)
        assert len(css("svg.tree g.edge")) == len(seed_fam.members) - 1
        assert SEED_ORIGIN in css("#origin")[0].text and "By AFP" in css("#origin")[0].text
        assert len(css("#timeline .dot")) >= 1 and len(css("#members tbody tr")) == len(seed_fam.members)
        # the origin's confidence, and the rewrite's reworded quote as words, on the family page
        assert css("#origin .conf")[0].text == f"{seed_fam.confidence} origin"
        row = next(r for r in css("#members tbody tr") if r.get_attribute("data-id") == SEED_REWRITE)
        said = [(li.find_element(By.TAG_NAME, "del").text, li.find_element(By.TAG_NAME, "ins").text)
                for li in row.find_elements(By.CSS_SELECTOR, ".snips.changed li")
                if li.find_elements(By.TAG_NAME, "del") and li.find_elements(By.TAG_NAME, "ins")]
        assert ("views conflicts", "sees conflict") in said and ("toughly", "act resolutely to") in said, said
        assert any("The negotiators have been selected" in li.text for li in row.find_elements(By.CSS_SELECTOR, ".snips.added li"))
        driver.execute_script("arguments[0].scrollIntoView()", row)
        driver.save_screenshot(str(artifacts() / "report-seeds-family.png"))

        # 004 against its parent, side by side
        parent = next(e.parent for e in seed_fam.tree if e.child == SEED_REWRITE)
        next(x for x in nodes if x.get_attribute("data-id") == SEED_REWRITE).click()
        wait.until(lambda d: css("#pair-view"))
        view = css("#pair-view")[0]
        assert (view.get_attribute("data-left"), view.get_attribute("data-right")) == (parent, SEED_REWRITE)
        assert css("#pair-summary")[0].get_attribute("data-relation") == "rewrite"
        added = [x.get_attribute("textContent") for x in css("#text-right .only.added")]
        assert any("The negotiators have been selected" in t for t in added), added
        assert any("chosen and accepted by both sides" in t for t in added), added
        dropped = " ".join(x.get_attribute("textContent") for x in css("#text-left .only.dropped"))
        assert "European Union" in dropped and "Blinken" in dropped
        assert css("#text-left .boiler") and len(css("#quote-variants li")) >= 1
        # changed words marked inline on both sides, and listed
        left_chg = [x.get_attribute("textContent") for x in css("#text-left .chg")]
        right_chg = [x.get_attribute("textContent") for x in css("#text-right .chg")]
        assert "views conflicts" in left_chg and "toughly" in left_chg, left_chg
        assert "sees conflict" in right_chg and "act resolutely to" in right_chg, right_chg
        assert any("views conflicts" in li.text and "sees conflict" in li.text for li in css("#word-changes li"))
        # every passage numbered where it starts, the same numbers on both sides, visible without clicking
        numbers = lambda side: sorted(int(x.get_attribute("data-n")) for x in css(f"#text-{side} .p.pstart"))  # noqa: E731
        assert len(numbers("left")) >= 3 and numbers("left") == numbers("right")
        assert driver.execute_script("return getComputedStyle(arguments[0], '::before').content",
                                     css("#text-left .p.pstart")[0]) == '"1"'
        quote = next(x for x in css("#text-left .chg") if x.get_attribute("textContent") == "toughly")
        driver.execute_script("""
            const el = arguments[0], box = document.getElementById("text-left");
            box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
            el.scrollIntoView({block: "center"});""", quote)
        driver.save_screenshot(str(artifacts() / "report-seeds-changes.png"))

        # reworded passages are linked: hovering or clicking one lights up its counterpart
        left = css("#text-left .p.k-reworded")
        assert left and css("#text-right .p.k-reworded")
        target = left[-1]
        i = target.get_attribute("data-p").split()[0]
        there = [x for x in css("#text-right .p") if i in x.get_attribute("data-p").split()]
        assert there
        ActionChains(driver).move_to_element(target).perform()
        wait.until(lambda d: "hover" in there[0].get_attribute("class"))
        right_box = css("#text-right")[0]
        before = driver.execute_script("return arguments[0].scrollTop", right_box)
        target.click()
        wait.until(lambda d: "active" in there[0].get_attribute("class"))
        assert "active" in target.get_attribute("class")
        assert driver.execute_script("return arguments[0].scrollTop", right_box) >= before

        # picking the sides the other way round keeps the marks on the right texts
        css("#swap")[0].click()
        wait.until(lambda d: css("#pair-view") and css("#pair-view")[0].get_attribute("data-left") == SEED_REWRITE)
        flipped = " ".join(x.get_attribute("textContent") for x in css("#text-left .only.dropped"))
        assert "The negotiators have been selected" in flipped
        driver.back()
        wait.until(lambda d: css("#pair-view") and css("#pair-view")[0].get_attribute("data-left") == parent)
        target = css("#text-left .p.k-reworded")[-1]
        driver.execute_script("""
            const el = arguments[0], box = document.getElementById("text-left");
            box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
            window.scrollTo(0, 0);
            el.click();""", target)
        wait.until(lambda d: "active" in css("#text-right .p.active")[0].get_attribute("class"))
        driver.save_screenshot(str(artifacts() / "report-seeds.png"))
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, errors

        # beyond --all-pairs-up-to, a pair the scan did not align is offered through the tree instead
        small = tmp_path / "halves.html"
        write_html_report(halves, small, all_pairs_up_to=2, semantic=False)
        driver.get(small.resolve().as_uri() + "#pair/F0001/first-half/second-half")
        wait.until(lambda d: css("#not-aligned"))
        links = {x.get_attribute("href").split("#", 1)[1] for x in css("#not-aligned a")}
        assert links == {"pair/F0001/wire%2Fferry.txt/second-half", "pair/F0001/wire%2Fferry.txt/first-half"}
        css("#not-aligned a")[0].click()
        wait.until(lambda d: css("#pair-summary"))
        assert css("#pair-summary")[0].get_attribute("data-relation") == "excerpt"
        assert css("#text-left .only.dropped") and not css("#text-right .only.added")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """A store with one family: an agency story, a paper that copies it with a figure
    changed and adds a second story, and a digest that keeps only that second story
    (so the digest shares nothing with the origin and joins through the paper)."""
    paper = [p.replace("410,000", "420,000") for p in FERRY] + MINE
    docs = [document_from_text("wire/ferry.txt", agency("Night ferries to stop", "AFP", "March 3, 2024", FERRY)),
            document_from_text("paper", "Island and mine news\n\n" + body(paper), {"date": "2024-03-04"}),
            document_from_text("digest", body(MINE), {"date": "2024-03-06"})]
    db = tmp_path / "chain.db"
    with Store(db, ScanParams(semantic=False, jobs=1)) as store:
        store.add(docs)
        res = store.result()
    assert [set(f.members) for f in res.families] == [{d.id for d in docs}]
    assert res.families[0].origin == "wire/ferry.txt"
    assert not any({r.a, r.b} == {"wire/ferry.txt", "digest"} for r in res.related)
    return db


def test_a_store_report_carries_word_changes_and_the_path_of_each_member(chain: Path, tmp_path: Path):
    """A store keeps no word changes: the report computes them from the texts."""
    write_html_report(chain, tmp_path / "r.html", all_pairs_up_to=0, semantic=False)
    block = _blocks((tmp_path / "r.html").read_text(encoding="utf-8"))["fam-0"]
    pair = next(p for p in block["pairs"] if {p["a"], p["b"]} == {"wire/ferry.txt", "paper"})
    texts = {m: block["docs"][m]["text"] for m in block["members"]}
    a, b = texts[pair["a"]], texts[pair["b"]]
    assert [(a[c["a_start"]:c["a_end"]], b[c["b_start"]:c["b_end"]], c["kind"]) for c in pair["changes"]] == \
        ([("410,000", "420,000", "number")] if pair["a"] == "wire/ferry.txt" else [("420,000", "410,000", "number")])


def test_family_page_and_pair_view_in_a_browser(chain: Path, tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = tmp_path / "chain.html"
    write_html_report(chain, page, all_pairs_up_to=0, semantic=False)
    driver, profile = chrome()
    try:
        wait = WebDriverWait(driver, 20)
        css = lambda sel: driver.find_elements(By.CSS_SELECTOR, sel)  # noqa: E731
        driver.get(page.resolve().as_uri() + "#family/F0001")
        wait.until(lambda d: css("#family-view"))
        # the origin's confidence, stated and drawn
        conf = css("#origin .conf")[0]
        assert conf.text == "strong origin" and "conf-strong" in conf.get_attribute("class")
        rows = {r.get_attribute("data-id"): r for r in css("#members tbody tr")}
        # the paper's additions as text, and its changed figure, on the family page itself
        paper = rows["paper"]
        added = [x.text for x in paper.find_elements(By.CSS_SELECTOR, ".snips.added li")]
        assert any("A copper mine in the northern highlands" in t for t in added), added
        change = paper.find_elements(By.CSS_SELECTOR, ".snips.changed li")[0]
        assert change.get_attribute("data-kind") == "number"
        assert change.find_element(By.TAG_NAME, "del").text == "410,000"
        assert change.find_element(By.TAG_NAME, "ins").text == "420,000"
        # the digest has no match with the origin: the page says how it joined
        path = rows["digest"].find_element(By.CSS_SELECTOR, ".path")
        assert path.get_attribute("data-path") == "digest paper wire/ferry.txt"
        assert "joined through" in path.text and "paper" in path.text
        assert "excerpt" in path.text or "partial" in path.text
        driver.execute_script("arguments[0].scrollIntoView()", css("#members")[0])
        driver.save_screenshot(str(artifacts() / "report-family-chain.png"))

        # side by side: numbered passages on both sides, the changed figure marked inline and listed
        driver.get(page.resolve().as_uri() + "#pair/F0001/wire%2Fferry.txt/paper")
        wait.until(lambda d: css("#pair-view") and css("#text-left .p"))
        numbers = lambda side: sorted(int(x.get_attribute("data-n")) for x in css(f"#text-{side} .p.pstart"))  # noqa: E731
        assert numbers("left") == numbers("right") == list(range(1, len(numbers("left")) + 1))
        first = css("#text-left .p.pstart")[0]
        shown = driver.execute_script("return getComputedStyle(arguments[0], '::before').content", first)
        assert shown == '"1"', shown  # visible without clicking
        assert [x.get_attribute("textContent") for x in css("#text-left .chg")] == ["410,000"]
        assert [x.get_attribute("textContent") for x in css("#text-right .chg")] == ["420,000"]
        item = css("#word-changes li")[0]
        assert item.get_attribute("data-kind") == "number" and "410,000" in item.text and "420,000" in item.text
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", css("#text-left .chg")[0])
        driver.save_screenshot(str(artifacts() / "report-pair-chain.png"))
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not errors, errors
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
