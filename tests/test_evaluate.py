import json
import subprocess
import sys
from collections import Counter
from itertools import combinations
from math import comb
from pathlib import Path

import pytest
from _paths import EXAMPLES

from reprints import load_corpus, scan
from reprints.evaluate import evaluate, read_found, read_truth
from reprints.report.files import write_outputs


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scan")
    corpus = load_corpus(EXAMPLES / "corpus")
    write_outputs(scan(corpus.documents), out)
    return out


def _perturbed_truth(tmp: Path) -> tuple[Path, dict[str, str]]:
    """The example truth with two labelling changes, so the scan is no longer perfect."""
    rows = [json.loads(x) for x in (EXAMPLES / "truth.jsonl").read_text().splitlines()]
    labels = {r["id"]: r["family"] for r in rows if "id" in r}
    labels["feed-0001"] = labels["wire/dam-breach-origin.txt"]   # a false merge for the scan
    labels["clippings/wildfire-report.txt"] = "solo-made-up"      # and a missed split
    out = []
    for r in rows:
        if "id" in r:
            r = {"id": r["id"], "family": labels[r["id"]]}
        elif "a" in r and "feed-0001" in (r["a"], r["b"]):
            continue  # drop one labelled excerpt pair
        out.append(r)
    path = tmp / "truth.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in out) + "\n")
    return path, labels


def _ari(a: list[str], b: list[str]) -> float:
    """Adjusted Rand Index from its contingency-table definition (Hubert & Arabie)."""
    n = len(a)
    nij = Counter(zip(a, b))
    sum_ij = sum(comb(v, 2) for v in nij.values())
    sum_a = sum(comb(v, 2) for v in Counter(a).values())
    sum_b = sum(comb(v, 2) for v in Counter(b).values())
    expected = sum_a * sum_b / comb(n, 2)
    return (sum_ij - expected) / (0.5 * (sum_a + sum_b) - expected)


def test_scores_match_an_independent_computation(scanned: Path, tmp_path: Path):
    truth_path, labels = _perturbed_truth(tmp_path)
    families = [json.loads(x) for x in (scanned / "families.jsonl").read_text().splitlines()]
    found = {m: f["family"] for f in families for m in f["members"]}
    docs = sorted(labels)
    got = [found.get(d, "alone:" + d) for d in docs]
    want = [labels[d] for d in docs]
    pairs = list(combinations(range(len(docs)), 2))
    tp = sum(got[i] == got[j] and want[i] == want[j] for i, j in pairs)
    fp = sum(got[i] == got[j] and want[i] != want[j] for i, j in pairs)
    fn = sum(got[i] != got[j] and want[i] == want[j] for i, j in pairs)

    s = evaluate(read_truth(truth_path), read_found(scanned))
    assert s.precision == pytest.approx(tp / (tp + fp))
    assert s.recall == pytest.approx(tp / (tp + fn))
    assert s.ari == pytest.approx(_ari(want, got))
    assert s.precision < 1 and s.recall < 1 and s.ari < 1
    # purity: each found family counts its most common true label
    by_found: dict[str, list[str]] = {}
    for d, g in zip(docs, got):
        by_found.setdefault(g, []).append(labels[d])
    assert s.purity == pytest.approx(sum(Counter(v).most_common(1)[0][1] for v in by_found.values()) / len(docs))
    # one labelled excerpt pair was dropped from the truth: 5 left, all found
    assert s.relations["excerpt"]["support"] == 5 and s.relations["excerpt"]["recall"] == 1.0
    assert ("feed-0001", "wire/dam-breach-origin.txt") in s.missed
    assert any({a, b} == {"clippings/wildfire-report.txt", "wire/wildfire-origin.txt"} and row
               for a, b, row in s.false_merges)


def test_evaluate_command(scanned: Path, tmp_path: Path):
    truth_path, _ = _perturbed_truth(tmp_path)
    res = subprocess.run([sys.executable, "-m", "reprints", "evaluate", str(scanned), "--truth", str(truth_path), "--worst", "50"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "ARI" in res.stdout and "missed: feed-0001 ~ wire/dam-breach-origin.txt" in res.stdout
    assert "false merge: clippings/wildfire-report.txt ~ wire/wildfire-origin.txt: reformatted" in res.stdout
    # each error says what caused it: the passage that merged, or how the pair aligns when compared
    merge = next(x for x in res.stdout.splitlines()
                 if x.startswith("false merge: clippings/wildfire-report.txt ~ wire/wildfire-origin.txt"))
    # the copied block is one passage, from the report's first sentence on
    assert 'longest, verbatim: "More than 1,200 firefighters backed by 14 water-bombing aircraft' in merge, merge
    missed = next(x for x in res.stdout.splitlines() if x.startswith("missed: feed-0001 ~ wire/dam-breach-origin"))
    assert "compared directly: unrelated (feed-0001 in wire/dam-breach-origin.txt 0.00" in missed
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "family": "y"}\n{oops\n')
    res = subprocess.run([sys.executable, "-m", "reprints", "evaluate", str(scanned), "--truth", str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "bad.jsonl:2: invalid JSON" in res.stderr and "Traceback" not in res.stderr
