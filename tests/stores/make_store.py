"""Build the stores that tests/test_store_migration.py opens: what one reprints version wrote.

Run it with the reprints version to record, from the repository root; it writes
``tests/stores/<version>-<kind>.db`` (lexical and semantic) from
``examples/corpus`` and, beside each, the families that store held, as JSON
Lines, so a later version can be held to reading the same:

    .venv/bin/python tests/stores/make_store.py

The 0.1.0 stores were written by commit bfcf5e6 (schema 1), before the store
became a package.
"""

from __future__ import annotations

from pathlib import Path

import orjson

import reprints
from reprints import ScanParams, Store, load_corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> None:
    docs = load_corpus(ROOT / "examples" / "corpus").documents
    for kind, semantic in (("lexical", False), ("semantic", True)):
        path = HERE / f"{reprints.__version__}-{kind}.db"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        with Store(path, ScanParams(semantic=semantic)) as store:
            store.add(docs[:20], batch=7)  # several batches, as a store grows
            store.add(docs[20:], batch=7)
            families = [f.as_dict() for f in store.families()]
        # closing the last connection folds the write-ahead log into the file
        assert not Path(f"{path}-wal").exists(), "the write-ahead log was left behind"
        (HERE / f"{reprints.__version__}-{kind}.families.jsonl").write_bytes(
            b"".join(orjson.dumps(f) + b"\n" for f in families))
        print(f"wrote {path.name}: {len(docs)} documents, {len(families)} families, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
