"""Stores written by an earlier reprints open, read the same families and keep growing.

The stores under tests/stores were written by reprints 0.1.0 (commit bfcf5e6,
schema 1) with tests/stores/make_store.py, from examples/corpus.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from reprints import Document, ScanParams, Store, load_corpus, scan

STORES = Path(__file__).resolve().parent / "stores"
CORPUS = Path(__file__).resolve().parent.parent / "examples" / "corpus"


def _old(kind: str, tmp_path: Path) -> tuple[Path, list[dict]]:
    db = tmp_path / f"{kind}.db"
    shutil.copy(STORES / f"0.1.0-{kind}.db", db)  # opening for writing may migrate it: never the fixture
    want = [orjson.loads(line) for line in (STORES / f"0.1.0-{kind}.families.jsonl").read_bytes().splitlines()]
    return db, want


@pytest.mark.parametrize("kind", ["lexical", "semantic"])
def test_a_0_1_0_store_reads_the_same_families(kind: str, tmp_path: Path):
    db, want = _old(kind, tmp_path)
    assert len(want) == 7

    def families(store):  # the rows as 0.1.0 wrote them; confidence (derived from the reasons) came later
        return [{k: v for k, v in f.as_dict().items() if k != "confidence"} for f in store.families()]

    with Store(db, readonly=True) as store:
        assert families(store) == want
        assert {f.confidence for f in store.families()} == {"strong"}
        assert store.params.semantic == (kind == "semantic")
        assert len(store) == 38
    with Store(db) as store:
        assert store.check() == []
        assert families(store) == want
    # the same families a scan of the same corpus finds with today's code
    fresh = scan(load_corpus(CORPUS).documents, ScanParams(semantic=kind == "semantic"))
    assert [(f.origin, list(f.members)) for f in fresh.families] == [(f["origin"], f["members"]) for f in want]


def test_a_0_1_0_store_keeps_growing(tmp_path: Path):
    db, want = _old("lexical", tmp_path)
    family = want[0]
    with Store(db) as store:
        origin = store.document(family["origin"])
        copy = Document("new/copy.txt", "Wire copy\n\n" + origin.text, {"byline": "Local Herald"})
        result = store.add([copy])
        assert result.added == 1 and store.check() == []
        grown = store.family(family["family"])
        assert grown is not None and "new/copy.txt" in grown.members
        assert set(grown.members) == set(family["members"]) | {"new/copy.txt"}
        assert grown.origin == family["origin"]


def test_a_0_1_0_store_read_only_is_checked_as_it_is(tmp_path: Path):
    db, want = _old("lexical", tmp_path)
    with Store(db, readonly=True) as store:
        assert store.check() == []
        assert store.params.lsh.min_marks == 0  # it holds no marks: candidates as 0.1.0 found them
        assert store.params.semantic_index.by_language is False  # its leads' best cosines are over all leads
    with Store(db) as store:  # migrated: the same settings, now written down
        assert store.params.lsh.min_marks == 0 and store.check() == []
        assert store.params.semantic_index.by_language is False
    with Store(db, readonly=True) as store:
        assert store.params.lsh.min_marks == 0
    with Store(tmp_path / "new.db") as store:
        assert store.params.lsh.min_marks > 0 and store.params.semantic_index.by_language is True
