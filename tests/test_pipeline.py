"""The scan's stage order and its engine: answers never depend on where the stages ran."""

from __future__ import annotations

import copy
from pathlib import Path

from reprints import ScanParams, load_corpus, scan
from reprints.engine import LocalEngine

MULTI = Path(__file__).resolve().parent.parent / "examples" / "multilingual" / "corpus"


def _square(x: int) -> int:
    return x * x


def test_local_engine_keeps_input_order_and_starts_workers_only_when_asked():
    with LocalEngine(jobs=2) as engine:
        assert list(engine.map(_square, [(k,) for k in range(2)], start=True)) == [0, 1]
        assert engine.workers == 0  # two pieces: both ran here
        assert list(engine.map(_square, [(k,) for k in range(40)])) == [k * k for k in range(40)]
        assert engine.workers == 0  # a later stage never starts them
        assert list(engine.map(_square, [(k,) for k in range(40)], start=True)) == [k * k for k in range(40)]
        assert engine.workers == 2
        assert list(engine.map(_square, [])) == []
    assert engine.workers == 0
    with LocalEngine(jobs=1) as engine:
        assert list(engine.map(_square, [(k,) for k in range(9)], start=True)) == [k * k for k in range(9)]
        assert engine.workers == 0


def test_scan_leaves_the_callers_documents_as_they_were():
    docs = load_corpus(MULTI).documents[:12]
    before = copy.deepcopy([(d.id, d.text, d.meta, d.header) for d in docs])
    result = scan(docs, ScanParams(jobs=1))
    assert [(d.id, d.text, d.meta, d.header) for d in docs] == before
    assert all("lang" not in d.meta for d in docs)
    langs = {d.id: d.meta.get("lang") for d in result.documents}
    assert set(langs.values()) >= {"en", "de"}, langs  # the result carries the detected languages


def test_scan_on_a_given_engine_equals_its_own_pool():
    docs = load_corpus(MULTI).documents
    params = ScanParams(batch=8, jobs=2)
    own = scan(docs, params)
    with LocalEngine(jobs=2) as engine:
        given = scan(docs, params, engine=engine)
        assert engine.workers == 2  # the scan left the engine running for its caller
    assert [r.as_dict() for r in given.relations] == [r.as_dict() for r in own.relations]
    assert [f.as_dict() for f in given.families] == [f.as_dict() for f in own.families]
    assert given.stats["jobs"] == own.stats["jobs"] == 2
