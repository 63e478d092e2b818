"""Semantic matching: speed on a 10,000-document corpus, and quality on the multilingual test set.

Speed: ``scan`` with semantic matching (the default) and with ``--no-semantic``
on the same generated corpus (``generate.py``, seeded, 300-700 words a
document, 15% planted lexical versions) plus the hand-written multilingual test
set in ``examples/multilingual/corpus``. Reports documents per second of both,
their ratio, and the share of worker time spent embedding (leads for every
document, passages for documents in a candidate pair the lexical rules left
unrelated).

Quality: ``scan`` on ``examples/multilingual/corpus`` scored with
``reprints.evaluate`` against ``examples/multilingual/truth.jsonl``: pair
precision/recall/F1 of families, ARI, and precision/recall per relation.

    .venv/bin/python benchmarks/bench_semantic.py --docs 10000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

from reprints.evaluate import evaluate, read_found, read_truth  # noqa: E402
from reprints.load import Document, iter_load, load_corpus  # noqa: E402
from reprints.pipeline import ScanParams, scan  # noqa: E402
from reprints.report.files import write_outputs  # noqa: E402

MULTI = ROOT / "examples" / "multilingual"


def _timed_scan(corpus: Path, params: ScanParams) -> dict[str, float]:
    t0 = time.perf_counter()
    docs = [d for d in iter_load(corpus) if isinstance(d, Document)]
    docs += load_corpus(MULTI / "corpus").documents
    result = scan(docs, params)
    took = time.perf_counter() - t0
    st = result.stats
    jobs = st["jobs"]
    return {
        "documents": len(docs),
        "seconds": round(took, 2),
        "docs_per_second": round(len(docs) / took, 1),
        "seconds_embed_worker_time": round(st["seconds_embed"], 2),
        "embed_share_of_worker_time": round(st["seconds_embed"] / (took * jobs), 3) if jobs else 0.0,
        "embedded_documents": int(st["embedded_documents"]),
        "candidates": int(st["candidates"]),
        "candidates_lexical": int(st["candidates_lexical"]),
        "related_pairs": int(st["related_pairs"]),
        "families": int(st["families"]),
        "jobs": int(jobs),
    }


def quality() -> dict[str, object]:
    """Scores of a default scan on the multilingual test set."""
    corpus = load_corpus(MULTI / "corpus")
    result = scan(corpus.documents)
    with tempfile.TemporaryDirectory() as tmp:
        write_outputs(result, Path(tmp))
        scores = evaluate(read_truth(MULTI / "truth.jsonl"), read_found(Path(tmp)))
    return {
        "documents": scores.documents,
        "family_pairs": {"precision": round(scores.precision, 4), "recall": round(scores.recall, 4),
                         "f1": round(scores.f1, 4)},
        "ari": round(scores.ari, 4),
        "purity": round(scores.purity, 4),
        "relations": {k: {m: round(v, 4) for m, v in d.items()} for k, d in scores.relations.items()},
        "missed": [list(p) for p in scores.missed],
        "false_merges": [[a, b] for a, b, _ in scores.false_merges],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000, help="generated documents (default 10000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "semantic.json")
    args = ap.parse_args(argv)
    corpus = ROOT / "benchmarks" / "data" / f"corpus-{args.docs}-seed{args.seed}.jsonl"
    if not corpus.exists():
        corpus.parent.mkdir(parents=True, exist_ok=True)
        generate(args.docs, corpus, seed=args.seed)
    report: dict[str, object] = {"machine": f"{platform.machine()}, {platform.python_version()}",
                                 "corpus": corpus.name}
    report["quality"] = quality()
    print(json.dumps(report["quality"], indent=1))
    lexical = _timed_scan(corpus, replace(ScanParams(), semantic=False))
    print("lexical ", lexical)
    semantic = _timed_scan(corpus, ScanParams())
    print("semantic", semantic)
    report["lexical"] = lexical
    report["semantic"] = semantic
    report["semantic_vs_lexical_speed"] = round(semantic["docs_per_second"] / lexical["docs_per_second"], 3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
