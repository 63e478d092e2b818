"""The store: adds per second, bytes per document, and query latency at 100,000 documents.

Builds a store from the generated corpus (``generate.py``: 300-700 words a
document, 15% planted versions), holding back ``--queries`` documents, then
asks the store about each held-back one with :meth:`Store.query` (candidate
search, alignment and the family answer: what ``reprints query`` and the
service do once the store is open). Lexical store first, then a store with
semantic matching (leads embedded, rewrites and translations found).

Peer, measured in the same run on the same documents: datasketch's in-memory
MinHashLSH with the same shingles (5 words), permutations (128) and threshold
(0.2). Its query only returns candidate ids (no alignment, no family, nothing
persisted), so it is the floor a lexical query could reach in Python.

    REPRINTS_THREADS=2 .venv/bin/python benchmarks/bench_store.py --docs 100000
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate  # noqa: E402

from reprints.load import Document, iter_load  # noqa: E402
from reprints.normalize import fold  # noqa: E402
from reprints.pipeline import ScanParams  # noqa: E402
from reprints.store import Store  # noqa: E402


def _latency(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"median_ms": round(float(np.median(ms)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "mean_ms": round(float(ms.mean()), 2), "max_ms": round(float(ms.max()), 2)}


def run_store(docs: list[Document], queries: list[Document], params: ScanParams, path: Path, batch: int) -> dict:
    t0 = time.perf_counter()
    with Store(path, params) as store:
        done = store.add(docs, batch=batch, progress=None,
                         on_commit=lambda r: print(f"  {r.added} added, {time.perf_counter() - t0:.0f} s",
                                                   file=sys.stderr, flush=True))
        add_s = time.perf_counter() - t0
    with Store(path, params) as store:  # closing folded the write-ahead log into the file: its size is the store's
        stats = store.stats()
        store.query(queries[0])  # warm: lead matrix loaded, model loaded
        times, found = [], 0
        for q in queries:
            res = store.query(q)
            times.append(res.seconds)
            found += bool(res.relations)
    return {
        "documents": len(docs), "add_seconds": round(add_s, 1), "adds_per_second": round(done.added / add_s, 1),
        "bytes_per_document": round(stats["bytes"] / len(docs)), "store_mib": round(stats["bytes"] / 2**20, 1),
        "families": stats["families"], "queries": len(queries), "queries_with_a_match": found,
        "query": _latency(times),
    }


_WORD = re.compile(r"\w+")


def _shingles(text: str, k: int = 5) -> list[bytes]:
    w = _WORD.findall(fold(text).lower())
    return [" ".join(w[i : i + k]).encode() for i in range(max(len(w) - k + 1, 1))]


def run_datasketch(docs: list[Document], queries: list[Document]) -> dict:
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.2, num_perm=128)
    for d in docs:
        m = MinHash(num_perm=128)
        m.update_batch(_shingles(d.text))
        lsh.insert(d.id, m)
    add_s = time.perf_counter() - t0
    times, found = [], 0
    for q in queries:
        t = time.perf_counter()
        m = MinHash(num_perm=128)
        m.update_batch(_shingles(q.text))
        hits = lsh.query(m)
        times.append(time.perf_counter() - t)
        found += bool(hits)
    return {"documents": len(docs), "add_seconds": round(add_s, 1), "adds_per_second": round(len(docs) / add_s, 1),
            "queries": len(queries), "queries_with_a_candidate": found, "query": _latency(times)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--skip", choices=["semantic", "lexical", "peer"], action="append", default=[])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "store.json")
    args = ap.parse_args(argv)
    corpus = ROOT / "benchmarks" / "data" / f"corpus-{args.docs}-s1.jsonl"
    if not corpus.exists():
        generate(args.docs, corpus, 1)
    docs = [d for d in iter_load(corpus) if isinstance(d, Document)]
    stored, queries = docs[: -args.queries], docs[-args.queries :]
    out: dict[str, object] = {"machine": platform.platform(), "python": platform.python_version(),
                              "corpus": corpus.name}
    with tempfile.TemporaryDirectory() as tmp:
        if "lexical" not in args.skip:
            print("lexical store", file=sys.stderr)
            out["lexical"] = run_store(stored, queries, ScanParams(semantic=False), Path(tmp) / "lex.db", args.batch)
        if "peer" not in args.skip:
            print("datasketch MinHashLSH", file=sys.stderr)
            out["datasketch"] = run_datasketch(stored, queries)
        if "semantic" not in args.skip:
            print("semantic store", file=sys.stderr)
            out["semantic"] = run_store(stored, queries, ScanParams(), Path(tmp) / "sem.db", args.batch)
    if "lexical" in out and "datasketch" in out:
        lex, ds = out["lexical"], out["datasketch"]
        out["ratios"] = {
            "query_median_vs_datasketch": round(lex["query"]["median_ms"] / ds["query"]["median_ms"], 2),
            "query_p99_vs_datasketch": round(lex["query"]["p99_ms"] / ds["query"]["p99_ms"], 2),
            "adds_per_second_vs_datasketch": round(lex["adds_per_second"] / ds["adds_per_second"], 2),
        }
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
