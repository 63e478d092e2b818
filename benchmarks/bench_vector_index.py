"""Which vector index for semantic candidates: all-neighbours search over lead vectors.

Every lead is a query against all leads (k nearest), as a scan does. Vectors
are 512-dimensional unit rows: random directions, plus planted near neighbours
(a vector and a noisy copy at cosine about 0.8, like a lead and its
translation). Reports seconds (build + search) and recall of the planted
neighbours, for NumPy (exact, blocked matrix products), faiss (exact
``IndexFlatIP`` and ``IndexHNSWFlat``), hnswlib and usearch, each with 2
threads where it has a setting.

    .venv/bin/python benchmarks/bench_vector_index.py --n 10000 20000 100000
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
K = 11  # the query itself and 10 neighbours


def _data(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 512)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    planted = rng.choice(n, size=(n // 10, 2), replace=False)
    a, b = planted[:, 0], planted[:, 1]
    noise = rng.standard_normal((len(a), 512)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    x[b] = 0.8 * x[a] + 0.6 * noise
    x[b] /= np.linalg.norm(x[b], axis=1, keepdims=True)
    return x, planted


def numpy_exact(x: np.ndarray) -> np.ndarray:
    out = np.empty((len(x), K), dtype=np.int64)
    for i in range(0, len(x), 2048):
        s = x[i : i + 2048] @ x.T
        out[i : i + 2048] = np.argpartition(-s, K, axis=1)[:, :K]
    return out


def faiss_flat(x: np.ndarray) -> np.ndarray:
    import faiss

    faiss.omp_set_num_threads(2)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index.search(x, K)[1]


def faiss_hnsw(x: np.ndarray) -> np.ndarray:
    import faiss

    faiss.omp_set_num_threads(2)
    index = faiss.IndexHNSWFlat(x.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efSearch = 64
    index.add(x)
    return index.search(x, K)[1]


def hnswlib_index(x: np.ndarray) -> np.ndarray:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=x.shape[1])
    index.init_index(max_elements=len(x), ef_construction=100, M=16)
    index.set_num_threads(2)
    index.add_items(x)
    index.set_ef(64)
    return index.knn_query(x, k=K)[0].astype(np.int64)


def usearch_index(x: np.ndarray) -> np.ndarray:
    from usearch.index import Index

    index = Index(ndim=x.shape[1], metric="ip", dtype="f32")
    index.add(np.arange(len(x)), x, threads=2)
    return index.search(x, K, threads=2).keys.astype(np.int64)


ENGINES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "numpy exact": numpy_exact, "faiss flat (exact)": faiss_flat, "faiss HNSW": faiss_hnsw,
    "hnswlib": hnswlib_index, "usearch": usearch_index,
}


def run(n: int) -> dict[str, dict[str, float]]:
    x, planted = _data(n)
    out = {}
    for name, fn in ENGINES.items():
        if name == "numpy exact" and n > 50_000:
            continue  # minutes; the exact faiss result stands for it
        t0 = time.perf_counter()
        nbrs = fn(x)
        took = time.perf_counter() - t0
        found = np.mean([b in nbrs[a] for a, b in planted])
        out[name] = {"seconds": round(took, 2), "planted_recall": round(float(found), 4)}
        print(n, name, out[name], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 20_000])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "vector_index.json")
    args = ap.parse_args()
    report = {str(n): run(n) for n in args.n}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
