import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _paths import EXAMPLES, SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, seeds
from _stories import FERRY, MINE, agency, body, wrapped


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reprints", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "wire").mkdir(parents=True)
    (root / "wire" / "ferry.txt").write_text(agency("Night ferries to stop", "AFP", "March 3, 2024", FERRY))
    (root / "ferry-wrapped.txt").write_text(wrapped(FERRY))
    (root / "mine.md").write_text("# Mine evacuated\n\n" + body(MINE))
    (root / "feed.jsonl").write_text(
        json.dumps({"id": "feed-1", "text": body(MINE[:4]), "title": "Dam cracks", "date": "2024-03-02"}) + "\n"
        + "{broken json\n"
    )
    (root / "empty.txt").write_text("")
    return root


def test_scan_writes_pairs_and_families(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    res = run("scan", str(corpus), "-o", str(out))
    assert res.returncode == 0, res.stderr
    pairs = [json.loads(line) for line in (out / "pairs.jsonl").read_text().splitlines()]
    families = [json.loads(line) for line in (out / "families.jsonl").read_text().splitlines()]
    by_pair = {(p["a"], p["b"]): p for p in pairs}
    assert by_pair[("ferry-wrapped.txt", "wire/ferry.txt")]["relation"] == "reformatted"
    assert by_pair[("mine.md", "feed-1")]["relation"] == "excerpt"
    for p in pairs:
        assert set(p) >= {"a", "b", "relation", "score", "passages"}
        for q in p["passages"]:
            assert set(q) == {"a_start", "a_end", "b_start", "b_end", "kind"}
    assert {tuple(f["members"]) for f in families} == {("ferry-wrapped.txt", "wire/ferry.txt"), ("feed-1", "mine.md")}
    for f in families:
        assert set(f) == {"family", "origin", "confidence", "reasons", "members", "tree"}
    # the bad items are reported with their place and counted, the rest went on
    assert "feed.jsonl:2" in res.stdout and "empty.txt" in res.stdout
    assert "2 skipped" in res.stdout


def test_offsets_in_pairs_slice_the_original_files(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert run("scan", str(corpus), "-o", str(out), "--quiet").returncode == 0
    pair = next(json.loads(x) for x in (out / "pairs.jsonl").read_text().splitlines() if "ferry" in x)
    a = (corpus / pair["a"]).read_text()
    b = (corpus / pair["b"]).read_text()
    for q in pair["passages"]:
        assert a[q["a_start"] : q["a_end"]].split() == b[q["b_start"] : q["b_end"]].split()


def test_quiet_and_piped_output(corpus: Path, tmp_path: Path):
    res = run("scan", str(corpus), "-o", str(tmp_path / "o"), "--quiet")
    assert res.returncode == 0
    assert res.stdout == ""
    assert "feed.jsonl:2" in res.stderr  # skipped items still reported, on stderr
    piped = run("scan", str(corpus), "-o", str(tmp_path / "p"))
    assert "\r" not in piped.stdout and "\x1b[?25l" not in piped.stdout and "sketch" not in piped.stdout


def test_parquet_output(corpus: Path, tmp_path: Path):
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    assert run("scan", str(corpus), "-o", str(out), "--parquet", "-q").returncode == 0
    assert pq.read_table(out / "families.parquet").num_rows == 2


def test_missing_path_is_one_line_error(tmp_path: Path):
    res = run("scan", str(tmp_path / "nope"), "-o", str(tmp_path / "out"))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "nope" in res.stderr
    assert "Traceback" not in res.stderr


def test_unwritable_output_is_one_line_error(corpus: Path, tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run("scan", str(corpus), "-o", str(blocker / "out"))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and res.stderr.strip().count("\n") == 0
    assert "cannot write" in res.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_output_folder(corpus: Path, tmp_path: Path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    res = run("scan", str(corpus), "-o", str(ro))
    assert res.returncode == 2 and "cannot write" in res.stderr


def test_compare_marks_passages_and_differences():
    s = seeds()
    res = run("compare", str(s / SEED_ORIGIN), str(s / SEED_WRAPPED), "--width", "160")
    assert res.returncode == 0, res.stderr
    assert "reformatted" in res.stdout
    # the header, the photo credit and the extra URL lines each stand against a gap, marked as boilerplate
    lines = res.stdout.splitlines()
    for shown in ("[header:byline] By AFP", "[credit] Russia's Foreign Minister Sergei Lavrov. MFA Russia",
                  "[url] https://www.themoscowtimes.com/author/afp"):
        line = next(x for x in lines if shown in x)
        assert "\u00b7" in line and len(line.split("\u00b7")[0 if shown.startswith("[url]") else 1].strip()) == 0, line


def test_compare_shows_a_rewrite_and_its_quote_variants():
    s = seeds()
    res = run("compare", str(s / SEED_ORIGIN), str(s / SEED_REWRITE), "--width", "160")
    assert res.returncode == 0, res.stderr
    assert "rewrite" in res.stdout and "by meaning:" in res.stdout
    assert "Quotes worded differently" in res.stdout
    assert "views conflicts as a desirable scenario" in res.stdout and "sees conflict as a desirable" in res.stdout
    assert re.search(r">\s+The negotiators have been selected", res.stdout)
    off = run("compare", str(s / SEED_ORIGIN), str(s / SEED_REWRITE), "--width", "160", "--no-semantic")
    assert off.returncode == 0, off.stderr
    assert "unrelated" in off.stdout and "by meaning:" not in off.stdout


def test_scan_no_semantic_keeps_the_rewrite_apart(tmp_path: Path):
    s = seeds()
    out_on, out_off = tmp_path / "on", tmp_path / "off"
    assert run("scan", str(s), "-o", str(out_on), "-q").returncode == 0
    assert run("scan", str(s), "-o", str(out_off), "-q", "--no-semantic").returncode == 0
    on = [json.loads(line) for line in (out_on / "families.jsonl").read_text().splitlines()]
    off = [json.loads(line) for line in (out_off / "families.jsonl").read_text().splitlines()]
    assert [sorted(f["members"]) for f in on] == [sorted([SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE])]
    assert [sorted(f["members"]) for f in off] == [sorted([SEED_ORIGIN, SEED_WRAPPED])]
    rewrite = [e for e in on[0]["tree"] if e["child"] == SEED_REWRITE][0]
    assert rewrite["relation"] == "rewrite" and rewrite["added"] and rewrite["dropped"] and rewrite["quote_variants"]


def test_compare_missing_file(tmp_path: Path):
    res = run("compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert res.returncode == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr


HELP = {  # what each command's help must name: its inputs, outputs and main options
    (): ["scan", "compare", "evaluate", "calibrate", "add", "query", "families", "export", "serve", "report",
         "remove", "expire", "check"],
    ("scan",): ["{path}", "pairs.jsonl", "documents.jsonl", "--quiet", "--threshold", "default: 0.2", "--num-perm",
                "default: 128", "--shingle", "default: 5", "--no-semantic", "--jobs", "--config", "--parquet",
                "--dedup", "--keep", "keep.jsonl", "drop.jsonl"],
    ("compare",): ["--width", "--no-semantic"],
    ("add",): ["--db", "--batch", "--config", "--keep-days"],
    ("remove",): ["{ids}", "--db"],
    ("expire",): ["--db", "--older-than", "30d", "--by"],
    ("check",): ["--db", "integrity"],
    ("calibrate",): ["--truth", "--held-out", "--folds"],
    ("query",): ["--db", "--json"],
    ("evaluate",): ["--truth", "--worst"],
    ("serve",): ["--db", "--port", "--read-only", "--api-key", "--keep-days", "--body-timeout"],
}


@pytest.mark.parametrize("cmd", sorted(HELP))
def test_help_is_useful(cmd):
    res = run(*cmd, "--help")
    assert res.returncode == 0
    assert res.stdout.lstrip().startswith(" ".join(["Usage: reprints", *cmd])), res.stdout[:200]
    flat = " ".join(res.stdout.replace("│", " ").split())  # rich wraps help text inside its boxes
    missing = [word for word in HELP[cmd] if word not in flat]
    assert missing == [], f"help of {cmd} lacks {missing}"


def test_progress_bar_on_a_terminal(corpus: Path, tmp_path: Path):
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "reprints", "scan", str(corpus), "-o", str(tmp_path / "o")],
                            stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "sketch" in shown and "\x1b[?25l" in shown  # a live bar (cursor hidden) was drawn


@pytest.mark.parametrize("option", [["--threshold", "1.5"], ["--num-perm", "100"]])
def test_bad_parameters_are_one_line_errors(corpus: Path, tmp_path: Path, option):
    res = run("scan", str(corpus), "-o", str(tmp_path / "o"), *option)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith("reprints: error:") and res.stderr.strip().count("\n") == 0


def test_evaluate_says_when_no_labelled_id_is_in_the_scan(tmp_path: Path):
    out = tmp_path / "out"
    assert run("scan", str(EXAMPLES / "corpus"), "-o", str(out), "--no-semantic", "-q").returncode == 0
    truth = tmp_path / "t.jsonl"
    truth.write_text('{"id": "elsewhere/a.txt", "family": "x"}\n{"id": "elsewhere/b.txt", "family": "x"}\n')
    res = run("evaluate", str(out), "--truth", str(truth))
    assert res.returncode == 0 and "None of the 2 labelled ids is in a family" in res.stdout


def test_counts_are_in_the_right_number(tmp_path: Path):
    (tmp_path / "in").mkdir()
    body = "Rail workers across the region will strike for two days next week after talks over pay broke down."
    (tmp_path / "in" / "a.txt").write_text(body)
    (tmp_path / "in" / "b.txt").write_text("Strike\n\n" + body)
    res = run("scan", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--no-semantic")
    assert res.returncode == 0
    assert "1 related pair (reformatted 1), 1 family in" in " ".join(res.stdout.split())
    assert "documents.jsonl" in res.stdout


def test_scan_says_how_many_documents_no_model_covers(tmp_path: Path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "en.txt").write_text(
        "Flood warning for the river valley\n\nThe regional water authority issued a flood warning for the whole "
        "river valley on Monday after three days of heavy rain raised the level of the reservoir above its summer "
        "mark, and asked farmers to move their animals to higher ground before the night.\n")
    (root / "cs.txt").write_text(
        "Povodňové varování pro údolí řeky\n\nKrajský vodohospodářský úřad v pondělí vydal povodňové varování pro "
        "celé údolí řeky poté, co tři dny vydatných dešťů zvedly hladinu nádrže nad její letní značku, a požádal "
        "zemědělce, aby před nocí přesunuli svá zvířata do vyšších poloh.\n")
    res = run("scan", str(root), "-o", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    said = " ".join(res.stdout.split())
    assert "1 document in languages the sentence encoder does not cover (cs 1)" in said
    lexical = run("scan", str(root), "-o", str(tmp_path / "out2"), "--no-semantic")
    assert "does not cover" not in lexical.stdout  # no model in play: nothing to say
