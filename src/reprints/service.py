"""HTTP service over a :class:`~reprints.store.Store`: add articles as they
arrive and ask, for any article, which stored story it is a version of.

Endpoints (JSON in, JSON out; every error is ``{"detail": "one line"}``):

    GET  /health                      status and counts
    POST /documents                   add one document (201)
    POST /documents/batch             add up to ``max_batch`` documents in one transaction (201)
    POST /query                       how a document relates to the store, without adding it
    GET  /families?limit=&offset=     families, largest first
    GET  /families/{family_id}        one family
    GET  /documents/{doc_id}/versions the family of a stored document and its relations
    DELETE /documents/{doc_id}        forget a stored document (its families are rebuilt)
    GET  /openapi.json, /docs         the schema and an interactive page

A document is ``{"id", "text"}`` plus optional ``title``, ``date``, ``url``,
``byline``, ``outlet``, ``lang`` and a ``meta`` object of strings; header lines
at the top of ``text`` (title, byline, dateline) are parsed as
:func:`reprints.load.document_from_text` does. Document ids may contain
slashes (``wire/x.txt``); they are matched whole in the ``versions`` route.

With an API key, the two write endpoints need the header ``X-API-Key``; reads
stay open. Read-only mode answers writes with 403. Bodies are capped at
``max_body`` bytes (413), must be UTF-8 JSON, and are validated strictly:
unknown fields, wrong types and empty texts are 4xx errors, never 500s. A
body that does not arrive within ``body_timeout`` seconds is answered 408.
Reads run on their own read-only connection, so ``/health`` and queries
answer while a batch is being written (SQLite WAL: readers see the last
committed state).

Start it with ``reprints serve --db news.db``, then::

    curl -s -X POST localhost:8000/documents -H 'Content-Type: application/json' \\
         -d '{"id": "wire/strike.txt", "text": "Rail workers will strike ..."}'
    curl -s -X POST localhost:8000/query -H 'Content-Type: application/json' \\
         -d '{"text": "Rail strike\\n\\nRail workers will strike ..."}'
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import sqlite3
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.security import APIKeyHeader
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from reprints import __version__
from reprints.document import ID_PATTERN, MAX_ID, Document, id_problem
from reprints.load import document_from_text
from reprints.store import Store, StoreError

__all__ = ["DEFAULT_BODY_TIMEOUT", "DEFAULT_MAX_BATCH", "DEFAULT_MAX_BODY", "DEFAULT_MAX_TEXT", "create_app",
           "serve_store"]

#: Default cap on a request body, in bytes.
DEFAULT_MAX_BODY = 8 * 1024 * 1024
#: Default cap on one document's text, in characters.
DEFAULT_MAX_TEXT = 2 * 1024 * 1024
#: Default cap on the documents of one batch request.
DEFAULT_MAX_BATCH = 1000
#: Default seconds a request body may take to arrive.
DEFAULT_BODY_TIMEOUT = 30.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# -- responses -----------------------------------------------------------------------------------


def _default(obj: Any) -> Any:
    """orjson fallback: numpy scalars become plain numbers."""
    item = getattr(obj, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def _json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response written with orjson (NaN becomes null instead of failing)."""
    body = orjson.dumps(content, default=_default, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _quote(text: str, limit: int = 60) -> str:
    """A value for an error message: quoted, escaped onto one line, shortened."""
    return json.dumps(text if len(text) <= limit else text[:limit] + "…", ensure_ascii=False)


async def _send_error(send: Send, status: int, detail: str) -> None:
    """Answer straight from ASGI, before the app has seen the request."""
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# -- body guard (pure ASGI) ----------------------------------------------------------------------


class BodyGuard:
    """ASGI middleware that reads each request body before the app does, so
    no more than ``max_body`` bytes are ever held (413) and only UTF-8 gets in (400).

    A declared ``Content-Length`` over the cap is refused before reading; a
    chunked or under-declared body is counted as it streams in. A body not
    complete within ``timeout`` seconds is answered 408 (a slow or stalled
    client must not hold a worker).
    """

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY, timeout: float = DEFAULT_BODY_TIMEOUT) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_error(send, 400, "Content-Length header is not a number")
                    return
                break
        if declared is not None and declared > self.max_body:
            await _send_error(send, 413, f"request body of {declared} bytes is over the limit of "
                                         f"{self.max_body} bytes")
            return
        parts: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                await _send_error(send, 408, f"request body not received within {self.timeout:g} seconds")
                return
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _send_error(send, 413, f"request body is over the limit of {self.max_body} bytes")
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            await _send_error(send, 400, f"request body is not valid UTF-8 (byte 0x{body[exc.start]:02x} "
                                         f"at offset {exc.start})")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# -- writes in a process of their own ------------------------------------------------------------


def _write_loop(path: str, conn: Any) -> None:
    """The writer process: open the store and run each ``(method, args)`` it is
    sent, answering ``("ok", result)`` or ``("error", kind, message)``."""
    import signal

    try:  # Linux: die with the service, as one process would (kill -9 included)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    store = Store(path, check_pages=False)  # the service opened and checked it a moment ago
    try:
        while True:
            try:
                method, args = conn.recv()
            except EOFError:
                return
            try:
                conn.send(("ok", getattr(store, method)(*args)))
            except StoreError as exc:
                conn.send(("error", "store", str(exc)))
            except sqlite3.Error as exc:
                conn.send(("error", "sqlite", str(exc)))
            except Exception as exc:  # noqa: BLE001 - reported to the request, the process goes on
                conn.send(("error", type(exc).__name__, str(exc)))
    finally:
        store.close()


class _WriterProcess:
    """Runs a store's writes (add, remove, expire) in a process of their own.

    Aligning a batch is Python work that holds the interpreter lock; in the
    service's process it made every read wait its turn (``/query`` p99 335 ms
    under back-to-back 1,000-document batches, ``benchmarks/bench_service.py``).
    In its own process a write holds only SQLite's write lock, which readers
    never wait for. Writes are sent one at a time; a write's error comes back as
    the same kind of exception, so the service answers it as before.
    """

    def __init__(self, path: os.PathLike[str] | str) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no fork of a process with server threads
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_write_loop, args=(str(path), child), daemon=True,
                                    name="reprints-writer")
        self._process.start()
        child.close()
        self._lock = threading.Lock()

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method not in ("add", "remove", "expire"):
            raise AttributeError(method)

        def call(*args: Any) -> Any:
            with self._lock:
                try:
                    self._conn.send((method, args))
                    answer = self._conn.recv()
                except (EOFError, OSError):
                    raise StoreError("the store's writer process has ended; restart the service") from None
            if answer[0] == "ok":
                return answer[1]
            _, kind, message = answer
            if kind == "store":
                raise StoreError(message)
            if kind == "sqlite":
                raise sqlite3.OperationalError(message)
            raise RuntimeError(f"{kind}: {message}")

        return call

    def close(self) -> None:
        self._conn.close()
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()


# -- request and response models -----------------------------------------------------------------


def _utf8(value: str) -> str:
    """Refuse lone surrogates (``"\\ud800"`` in JSON): they cannot be stored as text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired surrogate escape (\\ud800-\\udfff), which is not text") from None
    return value


Text = Annotated[str, AfterValidator(_utf8)]
def _good_id(value: str) -> str:
    problem = id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# the schema states each constraint; the validators check them with messages that say which
DocId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID), AfterValidator(_utf8),
                  AfterValidator(_good_id),
                  Field(description=f"Document id, 1-{MAX_ID} characters, not blank, no control characters (line "
                                    "breaks, tabs, escapes); file paths such as `wire/x.txt` are fine.",
                        json_schema_extra={"pattern": ID_PATTERN})]
NonEmptyText = Annotated[str, AfterValidator(_utf8), Field(json_schema_extra={"minLength": 1, "pattern": "\\S"})]
_META_FIELDS = ("title", "date", "url", "byline", "outlet", "lang")


class DocumentIn(BaseModel):
    """A document to add: its id, its text, and what is known about it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: DocId
    text: NonEmptyText = Field(description="The article as plain text, not empty or only whitespace. Header lines at "
                                           "the top (title, `By ...`, date) are recognised.")
    title: Text | None = Field(None, description="Headline.")
    date: Text | None = Field(None, description="Publication date (any common format; stored as ISO).")
    url: Text | None = Field(None, description="Where it was published.")
    byline: Text | None = Field(None, description="Author or agency credit, e.g. `AFP`.")
    outlet: Text | None = Field(None, description="Publication or site name.")
    lang: Text | None = Field(None, description="Language code such as `en` (detected when missing).")
    meta: dict[Text, Text] = Field(default_factory=dict, description="More metadata, string to string; the "
                                                                     "named fields above win over the same keys here.")

    @field_validator("id", "text")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(f"{info.field_name} is empty or only whitespace")
        return value

    def to_document(self) -> Document:
        """The :class:`Document` the loaders would make of this text and metadata."""
        meta = dict(self.meta)
        for name in _META_FIELDS:
            value = getattr(self, name)
            if value is not None:
                meta[name] = value
        return document_from_text(self.id, self.text, meta)


class QueryIn(DocumentIn):
    """A document to check against the store; nothing is written."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: DocId = "query"


class BatchIn(BaseModel):
    """Documents to add together, in one transaction."""

    model_config = ConfigDict(extra="forbid", strict=True)

    documents: list[DocumentIn] = Field(min_length=1, description="The documents, in order; a later one "
                                                                  "with the same id replaces an earlier one.")


class HealthOut(BaseModel):
    """Service status and store size."""

    status: str = Field(description="`ok` when the store answers.")
    documents: int
    families: int
    readonly: bool = Field(description="Whether writes are refused.")


class BatchOut(BaseModel):
    """What an add did."""

    added: int = Field(description="New ids.")
    updated: int = Field(description="Known ids with new content (replaced).")
    unchanged: int = Field(description="Known ids with the same content (left alone).")
    families_rebuilt: int = Field(description="Families rebuilt because of this add.")


class AddOut(BatchOut):
    """What adding one document did, and the family it is in now."""

    id: str
    family: str | None = Field(description="Its family id, or null while no other version is stored.")


class FamilyOut(BaseModel):
    """One family of versions of a story, as in `families.jsonl`."""

    model_config = ConfigDict(extra="allow")

    family: str = Field(description="Family id, stable as the store grows (`F0001`...).")
    origin: str = Field(description="Id of the version the others derive from.")
    reasons: list[str] = Field(description="Why that version was chosen as origin.")
    members: list[str]
    tree: list[dict[str, Any]] = Field(description="Edges child -> parent with what each version changed.")


class RemoveOut(BaseModel):
    """What forgetting a document did."""

    id: str
    removed: int = Field(description="1: the document is gone.")
    families_rebuilt: int = Field(description="Families rebuilt without it.")


class VersionsOut(BaseModel):
    """A stored document's family and its relations to the other versions."""

    id: str
    family: FamilyOut | None
    relations: list[dict[str, Any]] = Field(description="Relations as in `pairs.jsonl`, best first.")


class QueryOut(BaseModel):
    """How a document relates to what the store holds."""

    model_config = ConfigDict(extra="allow")

    id: str
    known: bool = Field(description="The same id and content are already stored.")
    family: str | None = Field(description="Family of the best match (null: a stored document it would pair with).")
    family_members: list[str]
    origin: str | None
    origin_reasons: list[str]
    relation_to_origin: dict[str, Any] | None
    would_be_origin: bool = Field(description="Whether it would become the origin if added.")
    matches: list[dict[str, Any]] = Field(description="Related stored versions, best first.")
    seconds: float


class ErrorOut(BaseModel):
    """Every error: a one-line message (validation errors add the list under `errors`)."""

    detail: str
    errors: list[dict[str, Any]] | None = None


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error responses an endpoint may give, for the OpenAPI schema."""
    text = {400: "Malformed JSON or not UTF-8", 401: "Missing or wrong API key", 403: "Service is read-only",
            404: "Not found", 413: "Body, text or batch too large", 415: "Body is not JSON",
            422: "Invalid fields", 503: "Store unavailable"}
    return {c: {"model": ErrorOut, "description": text[c]} for c in codes}


# -- validation errors in words ------------------------------------------------------------------


def _where(loc: tuple[Any, ...]) -> str:
    """``("body", "documents", 2, "text")`` -> ``documents[2].text``."""
    if loc and loc[0] in ("query", "path", "header"):
        return f"{loc[0]} parameter {'.'.join(str(x) for x in loc[1:])}"
    out = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
             type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _explain(exc: RequestValidationError, path: str) -> tuple[int, str, list[dict[str, Any]]]:
    """Status, one-line message and a trimmed error list for a failed validation."""
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    loc = tuple(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        doc = exc.body if isinstance(exc.body, str) else ""
        pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
        line = doc.count("\n", 0, pos) + 1
        col = pos - (doc.rfind("\n", 0, pos) + 1) + 1
        reason = (first.get("ctx") or {}).get("error", "malformed")
        return 400, f"invalid JSON: {reason} at line {line}, column {col}", []
    trimmed = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in errors[:50]]
    if loc == ("body",):
        if first.get("type") == "missing":
            return 422, "request body is missing: send a JSON object", trimmed
        if isinstance(first.get("input"), (bytes, bytearray)):
            return 415, "send the body as JSON with the header Content-Type: application/json", trimmed
    fields = ["documents"] if path.endswith("/batch") else list(DocumentIn.model_fields)
    said = []
    for e in errors[:3]:
        where, kind, msg = _where(tuple(e.get("loc", ()))), e.get("type", ""), str(e.get("msg", "invalid"))
        if kind == "extra_forbidden":
            inner = fields if len(e.get("loc", ())) <= 2 else list(DocumentIn.model_fields)
            msg = f"unknown field (accepted: {', '.join(inner)})"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind in ("model_attributes_type", "model_type", "dict_type"):
            msg = f"expected a JSON object (got {_json_type(e.get('input'))})"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        elif kind.endswith("_type") and "input" in e:
            msg = f"{msg} (got {_json_type(e['input'])})"
        said.append(f"{where}: {msg}")
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return 422, "invalid request: " + "; ".join(said) + more, trimmed


# -- the app -------------------------------------------------------------------------------------


def create_app(store: Store, *, api_key: str | None = None, readonly: bool = False,
               max_body: int = DEFAULT_MAX_BODY, max_text: int = DEFAULT_MAX_TEXT,
               max_batch: int = DEFAULT_MAX_BATCH, body_timeout: float = DEFAULT_BODY_TIMEOUT,
               keep_days: float | None = None, write_process: bool = False) -> FastAPI:
    """The FastAPI app serving ``store``; the caller owns the store and closes it
    (the app's own read-only connection to the same file closes with the app).

    ``api_key`` guards the write endpoints; ``readonly`` (or a store opened
    read-only) refuses them. ``max_body`` caps request bytes, ``max_text`` one
    document's characters, ``max_batch`` the documents of one batch,
    ``body_timeout`` the seconds a body may take. ``keep_days``: after each
    add, documents added more than this many days ago are forgotten.
    ``write_process``: writes run in a process of their own (``reprints
    serve`` does this), so reads never wait for the interpreter lock a batch
    holds; it ends with the app.
    """
    if api_key == "":
        raise ValueError("api_key must not be empty (use None for no key)")
    for name, value in (("max_body", max_body), ("max_text", max_text), ("max_batch", max_batch)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")
    if not body_timeout > 0:
        raise ValueError(f"body_timeout must be above 0 seconds, not {body_timeout}")
    if keep_days is not None and not keep_days >= 0:
        raise ValueError(f"keep_days must be at least 0, not {keep_days}")
    readonly = readonly or store.readonly
    # reads on their own connection: a batch being written never holds them up
    reader = store if store.readonly else Store(store.path, readonly=True)
    writes: Any = _WriterProcess(store.path) if write_process and not readonly else store
    app = FastAPI(
        title="reprints",
        version=__version__,
        summary="Find reprints, rewrites and translations of news stories as they arrive.",
        description=(
            "Add articles to a persistent store and ask which stored story any article is a version of: "
            "reprint, reformatted copy, excerpt, rewrite or translation, with the family of versions and "
            "its origin.\n\n"
            f"Limits: request bodies up to {max_body} bytes, texts up to {max_text} characters, "
            f"{max_batch} documents per batch. "
            + ("Writes need the `X-API-Key` header. " if api_key else "")
            + ("This instance is read-only. " if readonly else "")
        ),
        openapi_tags=[
            {"name": "documents", "description": "Add documents and look up their versions."},
            {"name": "families", "description": "Families of versions of one story."},
            {"name": "service", "description": "Status."},
        ],
    )
    def openapi() -> dict[str, Any]:
        """The schema, with this instance's limits on texts and batches stated."""
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            parts = schema["components"]["schemas"]
            parts["BatchIn"]["properties"]["documents"]["maxItems"] = max_batch
            for name in ("DocumentIn", "QueryIn"):
                parts[name]["properties"]["text"]["maxLength"] = max_text
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(BodyGuard, max_body=max_body, timeout=body_timeout)
    if reader is not store:
        app.router.on_shutdown.append(reader.close)
    if writes is not store:
        app.router.on_shutdown.append(writes.close)
    key_bytes = api_key.encode("utf-8") if api_key else None
    key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="Needed for writes when the service runs with an API key.")

    def refuse_readonly(request: Request) -> None:
        if readonly:
            raise HTTPException(403, f"this service is read-only: {request.method} {request.url.path} is disabled")

    def keyed_writer(request: Request, key: str | None = Security(key_header)) -> None:
        """Let a write through only with the right key and when not read-only."""
        # header values arrive latin-1 decoded: compare the raw bytes, in constant time
        given = key.encode("latin-1") if key is not None else b""
        if key is None or not hmac.compare_digest(given, key_bytes or b""):
            what = "missing" if key is None else "wrong"
            raise HTTPException(401, f"{what} API key: writes need the X-API-Key header",
                                headers={"WWW-Authenticate": 'APIKey header="X-API-Key"'})
        refuse_readonly(request)

    # without a key the schema declares no security scheme: the writes need none
    writer = keyed_writer if key_bytes is not None else refuse_readonly

    def check_text(doc: DocumentIn) -> None:
        if len(doc.text) > max_text:
            raise HTTPException(413, f"text of document {_quote(doc.id)} is {len(doc.text)} characters; "
                                     f"the limit is {max_text}")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        status, detail, errors = _explain(exc, request.url.path)
        return _json({"detail": detail, "errors": errors} if errors else {"detail": detail}, status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail
        if detail == "There was an error parsing the body":  # FastAPI's words for JSON it could not decode
            detail = "request body could not be parsed as JSON"
        return _json({"detail": str(detail)}, exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        return _json({"detail": f"store unavailable: {exc}"}, 503)

    @app.exception_handler(sqlite3.Error)
    async def _sqlite_error(request: Request, exc: sqlite3.Error) -> Response:
        return _json({"detail": f"store unavailable: {exc}"}, 503)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        return _json({"detail": f"internal error: {type(exc).__name__}"}, 500)

    @app.get("/health", tags=["service"], response_model=HealthOut, responses=_errors(503))
    def health() -> Response:
        """Whether the store answers, with its document and family counts."""
        stats = reader.stats()
        return _json({"status": "ok", "documents": int(stats["documents"]), "families": int(stats["families"]),
                      "readonly": readonly})

    @app.post("/documents", tags=["documents"], status_code=201, response_model=AddOut,
              dependencies=[Depends(writer)], responses=_errors(400, 401, 403, 413, 415, 422, 503))
    def add_document(doc: DocumentIn) -> Response:
        """Add one document (or replace the stored one with the same id) and
        return its family; families it touches are rebuilt at once."""
        check_text(doc)
        result = writes.add([doc.to_document()])
        expire()
        try:
            family, _ = reader.versions(doc.id)
        except KeyError:  # replaced or removed by another writer meanwhile (or expired at once)
            family = None
        return _json({"id": doc.id, "added": result.added, "updated": result.updated, "unchanged": result.unchanged,
                      "families_rebuilt": result.families_rebuilt, "family": family.id if family else None}, 201)

    @app.post("/documents/batch", tags=["documents"], status_code=201, response_model=BatchOut,
              dependencies=[Depends(writer)], responses=_errors(400, 401, 403, 413, 415, 422, 503))
    def add_batch(batch: BatchIn) -> Response:
        """Add many documents in one transaction: all of them are stored, or none."""
        if len(batch.documents) > max_batch:
            raise HTTPException(413, f"batch of {len(batch.documents)} documents; the limit is {max_batch} "
                                     f"per request")
        for doc in batch.documents:
            check_text(doc)
        docs = [d.to_document() for d in batch.documents]
        result = writes.add(docs, max(len(docs), 1))
        expire()
        return _json({"added": result.added, "updated": result.updated, "unchanged": result.unchanged,
                      "families_rebuilt": result.families_rebuilt}, 201)

    @app.post("/query", tags=["documents"], response_model=QueryOut,
              responses=_errors(400, 413, 415, 422, 503))
    def query(doc: QueryIn) -> Response:
        """How a document relates to the stored ones, without adding it: its
        matches, their family and origin, and whether it would be the origin."""
        check_text(doc)
        return _json(reader.query(doc.to_document()).as_dict())

    @app.get("/families", tags=["families"], response_model=list[FamilyOut], responses=_errors(422, 503))
    def families(limit: int = Query(50, ge=1, le=10_000, description="Most families to return."),
                 offset: int = Query(0, ge=0, le=2**62, description="Families to skip (for paging).")) -> Response:
        """Families, largest first; the total is in the `X-Total-Count` header."""
        fams, total = reader.families_page(limit, offset)
        return _json([f.as_dict() for f in fams], headers={"X-Total-Count": str(total)})

    @app.get("/families/{family_id}", tags=["families"], response_model=FamilyOut, responses=_errors(404, 503))
    def family(family_id: str = Path(description="Family id such as `F0001`.")) -> Response:
        """One family: its origin, members and the tree of who derives from whom."""
        fam = reader.family(family_id)
        if fam is None:
            raise HTTPException(404, f"no family {_quote(family_id)}")
        return _json(fam.as_dict())

    @app.get("/documents/{doc_id:path}/versions", tags=["documents"], response_model=VersionsOut,
             responses=_errors(404, 503))
    def versions(doc_id: str = Path(description="A stored document id; may contain slashes.")) -> Response:
        """A stored document's family and its relations to the other versions."""
        try:
            fam, rels = reader.versions(doc_id)
        except KeyError:
            raise HTTPException(404, f"no document {_quote(doc_id)}") from None
        return _json({"id": doc_id, "family": fam.as_dict() if fam else None,
                      "relations": [r.as_dict() for r in rels]})

    @app.delete("/documents/{doc_id:path}", tags=["documents"], response_model=RemoveOut,
                dependencies=[Depends(writer)], responses=_errors(401, 403, 404, 503))
    def remove(doc_id: str = Path(description="A stored document id; may contain slashes.")) -> Response:
        """Forget a stored document: its pairs go, and the families it was in
        are rebuilt as a scan of the remaining documents would build them."""
        result = writes.remove([doc_id])
        if result.missing:
            raise HTTPException(404, f"no document {_quote(doc_id)}")
        return _json({"id": doc_id, "removed": result.removed, "families_rebuilt": result.families_rebuilt})

    def expire() -> None:
        if keep_days is not None:
            writes.expire(keep_days * 86400)

    return app


# -- running it ----------------------------------------------------------------------------------


def serve_store(store: Store, *, host: str = "127.0.0.1", port: int = 8000, api_key: str | None = None,
                readonly: bool = False, max_body: int = DEFAULT_MAX_BODY, max_text: int = DEFAULT_MAX_TEXT,
                max_batch: int = DEFAULT_MAX_BATCH, body_timeout: float = DEFAULT_BODY_TIMEOUT,
                keep_days: float | None = None, log_level: str = "warning") -> None:
    """Serve an open store with uvicorn until interrupted (shared by :func:`serve` and ``reprints serve``)."""
    import uvicorn

    app = create_app(store, api_key=api_key, readonly=readonly, max_body=max_body, max_text=max_text,
                     max_batch=max_batch, body_timeout=body_timeout, keep_days=keep_days, write_process=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
