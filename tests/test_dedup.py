"""Keep and drop lists: one document kept per family, every other member dropped
with the kept twin it duplicates, from a scan and from a store."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _paths import EXAMPLES, SEED_ORIGIN, SEED_REWRITE, SEED_WRAPPED, SEEDS, truth_of

from reprints import load_corpus

REPRINTS = [sys.executable, "-m", "reprints"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*REPRINTS, *args], capture_output=True, text=True, timeout=600)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, set[str]]]:
    """examples/corpus with the seeds when present, and the families expected of it."""
    root = tmp_path_factory.mktemp("dedup") / "corpus"
    shutil.copytree(EXAMPLES / "corpus", root)
    families, _, _ = truth_of(EXAMPLES / "truth.jsonl")
    expected = {label: ids for label, ids in families.items() if len(ids) > 1}
    if (SEEDS / SEED_ORIGIN).exists():
        for name in (SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE):
            shutil.copy(SEEDS / name, root / name)
        expected["seeds"] = {SEED_ORIGIN, SEED_WRAPPED, SEED_REWRITE}
    return root, expected


@pytest.mark.parametrize("rule", ["origin", "longest", "earliest"])
def test_dedup_keeps_one_document_per_family_and_drops_the_others_with_their_twin(corpus, tmp_path, rule):
    root, expected = corpus
    out = tmp_path / "out"
    res = run("scan", str(root), "-o", str(out), "--dedup", "--keep", rule)
    assert res.returncode == 0, res.stderr
    keep, drop = _rows(out / "keep.jsonl"), _rows(out / "drop.jsonl")
    kept = {r["id"] for r in keep}
    ids = {d for line in (out / "documents.jsonl").read_text().splitlines() for d in [json.loads(line)["id"]]}
    for label, members in expected.items():
        assert len(members & kept) == 1, (label, sorted(members & kept))
        twin = (members & kept).pop()
        dropped = {r["id"]: r for r in drop if r["id"] in members}
        assert set(dropped) == members - {twin}, label
        assert all(r["kept"] == twin and (r["relation"] or r["via"]) for r in dropped.values()), label
    assert kept.isdisjoint(r["id"] for r in drop)
    families = _rows(out / "families.jsonl")
    origin_of = {m: f["origin"] for f in families for m in f["members"]}
    if rule == "origin":
        assert all(origin_of[r["kept"]] == r["kept"] for r in drop)
    assert len(keep) + len(drop) == len(load_corpus(root).documents)  # every document once
    assert ids <= kept | {r["id"] for r in drop}
    assert f"drops {len(drop)} documents" in " ".join(res.stdout.split())


def test_export_dedup_of_a_store_matches_the_scans(corpus, tmp_path):
    root, _ = corpus
    db = tmp_path / "s.db"
    assert run("add", str(root), "--db", str(db), "-q").returncode == 0
    assert run("export", "--db", str(db), "-o", str(tmp_path / "e"), "--dedup").returncode == 0
    assert run("scan", str(root), "-o", str(tmp_path / "s"), "--dedup", "-q").returncode == 0
    for name in ("keep.jsonl", "drop.jsonl"):
        got = sorted(map(json.dumps, _rows(tmp_path / "e" / name)))
        want = sorted(map(json.dumps, _rows(tmp_path / "s" / name)))
        if name == "keep.jsonl":  # family ids may differ between a store and a scan; the kept ids may not
            got = sorted(json.loads(r)["id"] for r in got)
            want = sorted(json.loads(r)["id"] for r in want)
        else:
            got = sorted((json.loads(r)["id"], json.loads(r)["kept"], json.loads(r)["relation"]) for r in got)
            want = sorted((json.loads(r)["id"], json.loads(r)["kept"], json.loads(r)["relation"]) for r in want)
        assert got == want, name


def test_a_bad_keep_rule_is_one_line(tmp_path):
    res = run("scan", str(EXAMPLES / "corpus"), "-o", str(tmp_path / "o"), "--dedup", "--keep", "newest")
    assert res.returncode == 2 and "--keep must be one of origin, longest, earliest" in res.stderr
