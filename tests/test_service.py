"""The HTTP service over real loopback HTTP: adds, queries, families, versions,
every kind of bad input answered with a 4xx and a one-line detail, API keys,
read-only mode, and the `reprints serve` command."""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from reprints.load import document_from_text
from reprints.pipeline import ScanParams
from reprints.service import create_app
from reprints.store import Store

# Two invented events, written for these tests.
BRIDGE = [
    "The Korsholm river bridge will close to all traffic for eleven weeks from the start of June so that engineers "
    "can replace corroded steel cables found during a routine inspection, the regional roads agency said on Thursday.",
    "Agency director Paula Mendes said divers had discovered that three of the sixteen main cables had lost more than "
    "a fifth of their strength since the last survey in 2019, most likely because road salt had seeped into the anchors.",
    "\"The bridge is not in danger of falling down, but we will not wait until it is,\" Mendes told a news conference "
    "in the town hall. \"Every week we delay makes the repair longer and more expensive.\"",
    "About 18,000 vehicles cross the bridge on an average weekday. Drivers will be sent on a detour of roughly "
    "twenty-four kilometres through the village of Ostermark, and two extra ferry departures will be added each hour.",
    "Local shop owners said the closure would come at the worst possible time, just as the summer market season begins, "
    "and asked the agency to keep at least one lane open for pedestrians and cyclists.",
]

LIBRARY = [
    "A burst water pipe flooded the basement archive of the Halden city library overnight on Sunday, soaking part of a "
    "collection of nineteenth-century sea charts that had been donated by a local shipping family in 1962.",
    "Head librarian Jonas Aalberg said staff arriving on Monday morning found water ankle-deep between the shelves, "
    "and that volunteers had spent the day carrying boxes to a drying room set up in the reading hall.",
    "Around 140 charts were wet, he said, but conservators from the national archive believed most of them could be "
    "saved if they were frozen within forty-eight hours and then dried slowly over several months.",
    "The library will stay closed until Wednesday while a plumber and an insurance assessor inspect the building, "
    "which was last renovated in the 1980s and has had two smaller leaks in the past three years.",
]


def paras(p: list[str]) -> str:
    return "\n\n".join(p)


def agency_copy(title: str, credit: str, date: str, p: list[str]) -> str:
    return f"{title}\n\nBy {credit}\n\n{date}\n\n{paras(p)}\n"


def rewrapped(p: list[str], width: int = 70) -> str:
    """The same story broken into short lines, as a newspaper site might print it."""
    out = []
    for para in p:
        line, lines = "", []
        for word in para.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


# -- a real server on loopback -------------------------------------------------------------------


class Service:
    """A uvicorn server in a background thread, and a tiny stdlib HTTP client for it."""

    def __init__(self, app) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "server thread died"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method: str, path: str, body=None, headers: dict | None = None, raw: bool = False):
        """(status, headers, parsed JSON). ``body``: an object sent as JSON, or bytes/an iterator as is."""
        hdrs = dict(headers or {})
        if body is not None and not raw:
            body = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        conn = self.conn()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        assert resp.getheader("Content-Type", "").startswith("application/json"), (resp.status, data[:200])
        return resp.status, resp, json.loads(data)

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, **kw):
        return self.request("POST", path, body, **kw)


@pytest.fixture
def make_service(tmp_path: Path):
    """Start services on fresh stores; all are stopped and closed after the test."""
    started: list[tuple[Service, Store]] = []

    def make(store: Store | None = None, **options) -> Service:
        if store is None:  # not `store or ...`: an empty Store is falsy (it has a length)
            store = Store(tmp_path / f"s{len(started)}.db", ScanParams(semantic=False))
        svc = Service(create_app(store, **options))
        started.append((svc, store))
        return svc

    yield make
    for svc, store in started:
        svc.stop()
        store.close()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """One service with small limits shared by the bad-input tests: it must survive all of them."""
    store = Store(tmp_path_factory.mktemp("guarded") / "g.db", ScanParams(semantic=False))
    svc = Service(create_app(store, max_body=64 * 1024, max_text=20_000, max_batch=5))
    yield svc
    svc.stop()
    store.close()


# -- the happy path ------------------------------------------------------------------------------


def test_health_counts_and_mode(make_service):
    svc = make_service()
    status, _, body = svc.get("/health")
    assert status == 200
    assert body == {"status": "ok", "documents": 0, "families": 0, "readonly": False}


def test_add_query_family_versions(make_service):
    svc = make_service()
    original = agency_copy("Korsholm bridge to close for cable repairs", "NTB", "May 2, 2024", BRIDGE)
    status, _, added = svc.post("/documents", {"id": "wire/bridge.txt", "text": original, "outlet": "NTB wire"})
    assert status == 201
    assert added == {"id": "wire/bridge.txt", "added": 1, "updated": 0, "unchanged": 0, "families_rebuilt": 0,
                     "family": None}

    # a reformatted copy is recognised without being stored
    copy = "Bridge shut for eleven weeks\n\n" + rewrapped(BRIDGE)
    status, _, hit = svc.post("/query", {"text": copy, "title": "Bridge shut for eleven weeks"})
    assert status == 200
    assert hit["id"] == "query" and hit["known"] is False
    assert hit["family_members"] == ["query", "wire/bridge.txt"]
    assert hit["matches"][0]["relation"] == "reformatted"
    assert {hit["matches"][0]["a"], hit["matches"][0]["b"]} == {"query", "wire/bridge.txt"}
    assert hit["matches"][0]["passages"], "the alignment comes with the answer"
    assert hit["matches"][0]["changes"] == []
    status, _, edited = svc.post("/query", {"text": copy.replace("sixteen main cables", "eighteen main cables")})
    assert status == 200
    [change] = edited["matches"][0]["changes"]
    side = "a" if edited["matches"][0]["a"] == "query" else "b"
    other = "b" if side == "a" else "a"
    assert (change[f"{other}_words"], change[f"{side}_words"], change["kind"]) == ("sixteen", "eighteen", "number")
    assert svc.get("/health")[2]["documents"] == 1  # the query added nothing

    # stored, the copy joins the original in a family
    status, _, added = svc.post("/documents", {"id": "papers/daily/bridge.html", "text": copy,
                                               "meta": {"section": "local"}})
    assert status == 201 and added["added"] == 1 and added["families_rebuilt"] == 1
    fid = added["family"]
    assert fid

    status, resp, fams = svc.get("/families")
    assert status == 200 and resp.getheader("X-Total-Count") == "1"
    assert [f["family"] for f in fams] == [fid]
    assert fams[0]["members"] == ["papers/daily/bridge.html", "wire/bridge.txt"]

    status, _, fam = svc.get(f"/families/{fid}")
    assert status == 200 and fam == fams[0]
    assert fam["origin"] in fam["members"] and fam["tree"]

    # ids with slashes work in the versions route
    status, _, ver = svc.get("/documents/papers/daily/bridge.html/versions")
    assert status == 200
    assert ver["id"] == "papers/daily/bridge.html" and ver["family"]["family"] == fid
    assert [(r["a"], r["b"], r["relation"]) for r in ver["relations"]] == [
        ("papers/daily/bridge.html", "wire/bridge.txt", "reformatted")]

    # the same document again changes nothing; new content replaces it
    status, _, again = svc.post("/documents", {"id": "wire/bridge.txt", "text": original, "outlet": "NTB wire"})
    assert status == 201 and (again["added"], again["unchanged"], again["family"]) == (0, 1, fid)
    status, _, again = svc.post("/documents", {"id": "wire/bridge.txt", "text": original})  # outlet dropped
    assert status == 201 and again["updated"] == 1

    # a known document queried under its own id is reported as known
    status, _, hit = svc.post("/query", {"id": "papers/daily/bridge.html", "text": copy, "meta": {"section": "local"}})
    assert status == 200 and hit["known"] is True


def test_batch_add_and_paging(make_service):
    svc = make_service()
    docs = [
        {"id": "wire/library.txt", "text": agency_copy("Flood hits library archive", "Reuters", "March 4, 2024",
                                                       LIBRARY)},
        {"id": "site/library", "text": rewrapped(LIBRARY), "title": "Sea charts soaked in library flood",
         "date": "2024-03-05"},
        {"id": "wire/bridge.txt", "text": paras(BRIDGE), "byline": "NTB"},
        {"id": "site/bridge", "text": "Bridge closure\n\n" + rewrapped(BRIDGE, 60)},
    ]
    status, _, counts = svc.post("/documents/batch", {"documents": docs})
    assert status == 201
    assert counts == {"added": 4, "updated": 0, "unchanged": 0, "families_rebuilt": 2}
    status, _, counts = svc.post("/documents/batch", {"documents": docs})
    assert status == 201 and counts["unchanged"] == 4 and counts["added"] == 0

    assert svc.get("/health")[2] == {"status": "ok", "documents": 4, "families": 2, "readonly": False}
    status, resp, page = svc.get("/families?limit=1&offset=1")
    assert status == 200 and len(page) == 1 and resp.getheader("X-Total-Count") == "2"
    all_fams = svc.get("/families")[2]
    assert page[0] == all_fams[1]
    assert sorted(tuple(f["members"]) for f in all_fams) == [("site/bridge", "wire/bridge.txt"),
                                                             ("site/library", "wire/library.txt")]
    # metadata given as fields reached the store: the wire story with the agency credit is the origin
    lib = next(f for f in all_fams if "wire/library.txt" in f["members"])
    assert lib["origin"] == "wire/library.txt"


def test_unknown_family_and_document_are_404(make_service):
    svc = make_service()
    svc.post("/documents", {"id": "wire/bridge.txt", "text": paras(BRIDGE)})
    status, _, body = svc.get("/families/F9999")
    assert status == 404 and "F9999" in body["detail"]
    status, _, body = svc.get("/documents/wire/nothing.txt/versions")
    assert status == 404 and "wire/nothing.txt" in body["detail"]
    # a stored document with no other version: no family, no relations
    status, _, body = svc.get("/documents/wire/bridge.txt/versions")
    assert status == 200 and body == {"id": "wire/bridge.txt", "family": None, "relations": []}
    status, _, body = svc.get("/no/such/route")
    assert status == 404 and body["detail"]


def test_concurrent_writers_and_readers(make_service):
    svc = make_service()
    stories = {"bridge": BRIDGE, "library": LIBRARY}
    failures: list[object] = []

    def client(n: int) -> None:
        try:
            name = "bridge" if n % 2 else "library"
            status, _, body = svc.post("/documents", {"id": f"site{n}/{name}", "text": rewrapped(stories[name], 50 + n)})
            assert status == 201 and body["added"] == 1, body
            status, _, hit = svc.post("/query", {"text": paras(stories[name])})
            assert status == 200 and hit["matches"], hit
            assert svc.get("/health")[0] == 200
        except Exception as exc:  # collected: assertions in threads do not fail the test
            failures.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures
    fams = svc.get("/families")[2]
    assert sorted(len(f["members"]) for f in fams) == [4, 4]
    assert svc.get("/health")[2]["documents"] == 8


# -- bad input -----------------------------------------------------------------------------------

GOOD = {"id": "x", "text": paras(LIBRARY)}


def _raw(svc: Service, path: str, payload: bytes, headers: dict | None = None):
    return svc.post(path, payload, raw=True, headers={"Content-Type": "application/json", **(headers or {})})


BAD = {
    "invalid JSON": (lambda s: _raw(s, "/documents", b'{"id": "x", "text": '), {400, 422}, "JSON"),
    "trailing garbage": (lambda s: _raw(s, "/documents", json.dumps(GOOD).encode() + b"}"), {400, 422}, "JSON"),
    "invalid UTF-8": (lambda s: _raw(s, "/documents", b'{"id": "x", "text": "caf\xe9 au lait and more"}'),
                      {400, 422}, "UTF-8"),
    "lone surrogate": (lambda s: _raw(s, "/documents", b'{"id": "x", "text": "broken \\ud800 text here"}'), {422},
                       "surrogate"),
    "wrong types": (lambda s: s.post("/documents", {"id": 17, "text": ["not", "a", "string"]}), {422}, "id"),
    "meta not strings": (lambda s: s.post("/documents", {**GOOD, "meta": {"pages": 3}}), {422}, "meta.pages"),
    "body is a list": (lambda s: s.post("/documents", [GOOD]), {422}, "object"),
    "no body": (lambda s: s.post("/documents"), {422}, "missing"),
    "not JSON content type": (lambda s: s.post("/documents", b"id=x&text=hello", raw=True,
                                               headers={"Content-Type": "application/x-www-form-urlencoded"}),
                              {415, 422}, "Content-Type"),
    "missing text": (lambda s: s.post("/documents", {"id": "x"}), {422}, "text"),
    "empty text": (lambda s: s.post("/documents", {"id": "x", "text": ""}), {422}, "text"),
    "whitespace text": (lambda s: s.post("/documents", {"id": "x", "text": " \n\t \n "}), {422}, "whitespace"),
    "empty id": (lambda s: s.post("/documents", {**GOOD, "id": ""}), {422}, "id"),
    "id too long": (lambda s: s.post("/documents", {**GOOD, "id": "a" * 1001}), {422}, "id"),
    "unknown field": (lambda s: s.post("/documents", {**GOOD, "colour": "red"}), {422}, "colour"),
    "unknown field in batch item": (lambda s: s.post("/documents/batch", {"documents": [{**GOOD, "extra": "1"}]}),
                                    {422}, "documents[0].extra"),
    "query unknown field": (lambda s: s.post("/query", {"text": GOOD["text"], "k": 5}), {422}, "k"),
    "huge single line": (lambda s: s.post("/documents", {"id": "x", "text": "word " * 6000}), {413, 422},
                         "limit"),
    "huge single line query": (lambda s: s.post("/query", {"text": "x" * 30_000}), {413, 422}, "limit"),
    "batch too large": (lambda s: s.post("/documents/batch", {"documents": [{**GOOD, "id": f"d{i}"}
                                                                            for i in range(6)]}),
                        {413, 422}, "limit"),
    "empty batch": (lambda s: s.post("/documents/batch", {"documents": []}), {422}, "documents"),
    "batch not a list": (lambda s: s.post("/documents/batch", {"documents": GOOD}), {422}, "documents"),
    "bad limit": (lambda s: s.get("/families?limit=-3"), {422}, "limit"),
    "limit not a number": (lambda s: s.get("/families?limit=many"), {422}, "limit"),
    "deeply nested JSON": (lambda s: _raw(s, "/documents", b"[" * 30_000 + b"]" * 30_000), {400, 413, 422},
                           ""),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gets_4xx_with_detail(guarded: Service, case: str):
    send, codes, word = BAD[case]
    status, _, body = send(guarded)
    assert status in codes, (status, body)
    detail = body["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail
    assert word.lower() in detail.lower(), detail
    assert guarded.get("/health")[0] == 200  # and the service goes on


def test_oversized_body_with_content_length(guarded: Service):
    big = json.dumps({"id": "big", "text": "lorem ipsum " * 8000}).encode()
    assert len(big) > 64 * 1024
    status, _, body = _raw(guarded, "/documents", big)
    assert status == 413 and body["detail"].startswith("request body") and "65536 bytes" in body["detail"]
    # a client announcing a huge body is answered before it sends a byte of it
    conn = guarded.conn()
    conn.putrequest("POST", "/documents")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(10 * 1024**3))
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 413 and str(10 * 1024**3) in json.loads(resp.read())["detail"]
    conn.close()
    assert guarded.get("/health")[0] == 200


def test_oversized_chunked_body_without_content_length(guarded: Service):
    piece = b" " * 4096

    def chunks():
        yield b'{"id": "chunked", "text": "'
        for _ in range(40):  # 160 KiB of padding, streamed with no length announced
            yield piece
        yield b'"}'

    conn = guarded.conn()
    conn.request("POST", "/documents", body=chunks(), headers={"Content-Type": "application/json"},
                  encode_chunked=True)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    assert resp.status == 413 and body["detail"] == "request body is over the limit of 65536 bytes"
    # a small chunked body within the limit is read normally
    small = json.dumps({"id": "chunked", "text": paras(LIBRARY)}).encode()
    conn = guarded.conn()
    conn.request("POST", "/query", body=iter([small[:50], small[50:]]), headers={"Content-Type": "application/json"},
                 encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read())["id"] == "chunked"
    conn.close()
    assert guarded.get("/health")[0] == 200


def test_validation_error_lists_every_problem(guarded: Service):
    status, _, body = guarded.post("/documents/batch", {"documents": [{"id": 1}, {"text": ""}]})
    assert status == 422
    assert "documents[0].id" in body["detail"] and "documents[0].text" in body["detail"]
    locs = [e["loc"] for e in body["errors"]]
    assert ["body", "documents", 1, "id"] in locs
    assert all("input" not in e for e in body["errors"])  # the offending body is not echoed back


# -- API key and read-only mode -------------------------------------------------------------------


def test_api_key_guards_writes_only(make_service):
    svc = make_service(api_key="s3cret-key")
    doc = {"id": "wire/bridge.txt", "text": paras(BRIDGE)}
    status, resp, body = svc.post("/documents", doc)
    assert status == 401 and "API key" in body["detail"] and resp.getheader("WWW-Authenticate")
    status, _, body = svc.post("/documents", doc, headers={"X-API-Key": "guess"})
    assert status == 401 and "wrong" in body["detail"]
    status, _, body = svc.post("/documents/batch", {"documents": [doc]}, headers={"X-API-Key": "s3cret-ke"})
    assert status == 401
    # a key that is not ASCII is a wrong key, not a crash
    status, _, body = svc.post("/documents", doc, headers={"X-API-Key": "s3cr\xe9t"})
    assert status == 401
    # an unauthenticated write with an invalid body is still refused for the key
    status, _, body = svc.post("/documents", {"id": 5})
    assert status == 401
    assert svc.get("/health")[2]["documents"] == 0

    status, _, body = svc.post("/documents", doc, headers={"X-API-Key": "s3cret-key"})
    assert status == 201 and body["added"] == 1
    status, _, body = svc.post("/documents/batch", {"documents": [{**doc, "id": "copy"}]},
                               headers={"X-API-Key": "s3cret-key"})
    assert status == 201 and body["added"] == 1
    # reads stay open
    assert svc.get("/health")[0] == 200
    assert svc.get("/families")[0] == 200
    assert svc.get("/documents/wire/bridge.txt/versions")[0] == 200
    status, _, hit = svc.post("/query", {"text": rewrapped(BRIDGE)})
    assert status == 200 and "wire/bridge.txt" in hit["family_members"]


def test_read_only_mode_refuses_writes(make_service, tmp_path: Path):
    svc = make_service(readonly=True)
    status, _, body = svc.post("/documents", {"id": "a", "text": paras(BRIDGE)})
    assert status == 403 and "read-only" in body["detail"]
    status, _, body = svc.post("/documents/batch", {"documents": [{"id": "a", "text": paras(BRIDGE)}]})
    assert status == 403 and "read-only" in body["detail"]
    assert svc.get("/health")[2]["readonly"] is True
    assert svc.post("/query", {"text": paras(BRIDGE)})[0] == 200

    # a store opened read-only makes a read-only service by itself
    path = tmp_path / "ro.db"
    with Store(path, ScanParams(semantic=False)) as writer:
        writer.add([document_from_text("wire/library.txt", paras(LIBRARY))])
    ro = make_service(Store(path, readonly=True))
    status, _, body = ro.get("/health")
    assert status == 200 and body["readonly"] is True and body["documents"] == 1
    assert ro.post("/documents", {"id": "b", "text": paras(LIBRARY)})[0] == 403
    status, _, hit = ro.post("/query", {"text": "Library flood\n\n" + rewrapped(LIBRARY)})
    assert status == 200 and hit["matches"][0]["relation"] == "reformatted"


def test_store_failure_is_503_not_500(make_service, tmp_path: Path):
    store = Store(tmp_path / "closing.db", ScanParams(semantic=False))
    svc = make_service(store)
    store.close()  # the writer's connection goes away under the service
    status, _, body = svc.post("/documents", {"id": "a", "text": "Some text about a vote in the council."})
    assert status == 503 and "store" in body["detail"]
    assert svc.get("/health")[0] == 200  # reads have their own connection


# -- the schema and the command ------------------------------------------------------------------


def test_openapi_lists_the_endpoints(make_service):
    svc = make_service(api_key="k")
    status, _, schema = svc.get("/openapi.json")
    assert status == 200
    paths = schema["paths"]
    assert set(paths) == {"/health", "/documents", "/documents/batch", "/query", "/families",
                          "/families/{family_id}", "/documents/{doc_id}/versions", "/documents/{doc_id}"}
    assert set(paths["/documents"]) == {"post"} and "201" in paths["/documents"]["post"]["responses"]
    assert set(paths["/documents/{doc_id}/versions"]) == {"get"}
    assert paths["/query"]["post"]["description"]
    doc = schema["components"]["schemas"]["DocumentIn"]
    assert doc["additionalProperties"] is False and set(doc["required"]) == {"id", "text"}
    assert "X-API-Key" in json.dumps(schema["components"]["securitySchemes"])
    assert schema["info"]["title"] == "reprints"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command(tmp_path: Path):
    db = tmp_path / "cli.db"
    with Store(db, ScanParams(semantic=False)) as store:
        store.add([document_from_text("wire/bridge.txt", paras(BRIDGE))])
    port = _free_port()
    env = {**os.environ, "REPRINTS_API_KEY": "from-env"}
    proc = subprocess.Popen([sys.executable, "-m", "reprints", "serve", "--db", str(db), "--port", str(port),
                             "--max-body", "100000"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health")
                resp = conn.getresponse()
                health = json.loads(resp.read())
                conn.close()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "reprints serve did not start"
                time.sleep(0.1)
        assert health["documents"] == 1 and health["readonly"] is False

        def post(body: bytes, key: str | None):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Content-Type": "application/json", **({"X-API-Key": key} if key else {})}
            conn.request("POST", "/documents", body=body, headers=headers)
            resp = conn.getresponse()
            status = resp.status
            resp.read()
            conn.close()
            return status

        doc = json.dumps({"id": "copy", "text": rewrapped(BRIDGE)}).encode()
        assert post(doc, None) == 401
        assert post(doc, "from-env") == 201
        assert post(b'{"id": "x", "text": "' + b"y" * 200_000 + b'"}', "from-env") == 413  # --max-body
    finally:
        proc.terminate()
        proc.wait(30)


def test_serve_command_bad_db_is_one_line_error(tmp_path: Path):
    res = subprocess.run([sys.executable, "-m", "reprints", "serve", "--db", str(tmp_path), "--read-only"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.startswith("reprints: error: ") and res.stderr.count("\n") == 1
    assert "Traceback" not in res.stderr
