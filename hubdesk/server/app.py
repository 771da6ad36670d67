"""The FastAPI application (protocol v1, see ``hubdesk/protocol/schemas.py``).

Request bodies are read raw (bounded) and parsed with the protocol models in
JSON mode (``model_validate_json``), because the schemas are strict and strict
python-mode validation would refuse ISO date-time strings.  The OpenAPI document
still names each body's schema, and every error answer is an ``ErrorBody``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import models_json_schema
from sqlalchemy import Engine
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hubdesk.protocol.schemas import (
    MAX_PAGE_ITEMS,
    PROTOCOL_VERSION,
    BatchReceipt,
    ChangesPage,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    Heartbeat,
    HeartbeatAck,
    ReferencePage,
    UploadBatch,
)
from hubdesk.protocol.trust import AuditReceipt, AuditUpload, RecoveryRequest, RecoveryResponse
from hubdesk.server import audit_chain, devices, feeds, ingest, metrics, recovery
from hubdesk.server.db import DatabaseBusy, checkpoint_due, checkpoint_wal
from hubdesk.server.errors import ApiError
from hubdesk.server.identity import DeviceIdentity
from hubdesk.server.keys import ServerKeys, key_folder, load_or_create_keys
from hubdesk.server.readiness import readiness
from hubdesk.server.validation import describe_validation_error

log = logging.getLogger("hubdesk.server")

#: Largest request body accepted (a full batch of 1,000 ordinary records is ~1-2 MB).
MAX_BODY_BYTES = 16 * 1024 * 1024
M = TypeVar("M", bound=BaseModel)
CursorParam = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_\-=.]*$")]
LimitParam = Annotated[int | None, Query(ge=1, le=MAX_PAGE_ITEMS)]
BatchIdParam = Annotated[str, Path(max_length=36)]


class Health(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["ok"] = "ok"
    service: Literal["hubdesk-server"] = "hubdesk-server"
    protocol: int = PROTOCOL_VERSION


class Ready(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["ready", "unready"]
    reason: str = ""


class RequestMetrics:
    """Counts every answered request by method, route template and status (a plain
    ASGI wrapper: Starlette's BaseHTTPMiddleware would cost more per request)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [500]

        async def send_noting_status(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            metrics.record_request(scope["method"], scope["path"], status[0])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "Missing, malformed or unknown device token (or enrolment code)",
        403: "The device is revoked (`device_revoked`) or names another device",
        404: "Not found",
        409: "Conflict (enrolment code used by another laptop, device id already enrolled, "
             "batch id reused)",
        413: "Request body too large: send fewer items per batch",
        415: "The body is not sent as `Content-Type: application/json`",
        422: "Malformed request, with a plain-English message",
        429: "Too many failed attempts from this address or for this device; retry after "
             "`Retry-After` seconds",
        503: "The database is busy; retry after `Retry-After` seconds",
    }
    return {code: {"model": ErrorBody, "description": text[code]} for code in codes}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{model.__name__}"}}},
    }}


def _json(model: BaseModel) -> Response:
    """Serialise once (FastAPI would dump, re-validate and dump a returned model again)."""
    return Response(model.model_dump_json(), media_type="application/json")


def _error_response(error: ApiError) -> JSONResponse:
    body = ErrorBody(error=error.code, message=error.message)
    return JSONResponse(body.model_dump(), status_code=error.status, headers=error.headers)


def client_address(request: Request) -> str | None:
    """The caller's address (uvicorn takes it from X-Forwarded-For only when the
    proxy is trusted: ``serve --behind-tls-proxy``)."""
    return request.client.host if request.client else None


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The JSON request body, refusing another content type (415) and more than
    ``limit`` bytes (413)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type",
                       "Send the request body as JSON (Content-Type: application/json).")
    too_large = ApiError(413, "too_large",
                         f"The request is larger than {limit // (1024 * 1024)} MB; "
                         "send fewer records per batch.")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_model(body: bytes, model: type[M]) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise ApiError(422, "invalid_body",
                       "The request is not in the expected form: "
                       + describe_validation_error(error)) from error


def _ingest_body(engine: Engine, device: DeviceIdentity, body: bytes) -> bytes:
    return ingest.ingest_batch_json(engine, device, ingest.parse_json(body))


def create_app(engine: Engine, keys: ServerKeys | None = None) -> FastAPI:
    """The app over an opened, migrated database (see ``db.open_database``); ``keys``
    default to those in the database's key folder (``keys.key_folder``)."""
    server_keys = keys or load_or_create_keys(key_folder(engine.url))
    app = FastAPI(
        title="HubDesk sync server",
        version=f"{PROTOCOL_VERSION}.0",
        description="Sync protocol v1 between HubDesk laptops and the council's server.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        separate_input_output_schemas=False,
    )
    app.state.engine = engine
    bearer = HTTPBearer(auto_error=False, description="The laptop's device token")
    auth_dep = [Depends(bearer)]

    async def device_of(request: Request) -> DeviceIdentity:
        try:
            return await run_in_threadpool(devices.authenticate, engine,
                                           request.headers.get("authorization"),
                                           client_address(request))
        except ApiError as refused:
            metrics.AUTH_FAILURES.labels(refused.code).inc()
            raise

    @app.exception_handler(ApiError)
    async def on_api_error(_request: Request, error: ApiError) -> JSONResponse:
        return _error_response(error)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for problem in error.errors()[:3]:
            where = ".".join(str(step) for step in problem.get("loc", ()))
            parts.append(f"{where}: {problem.get('msg', 'invalid')}")
        return _error_response(ApiError(422, "invalid_request",
                                        "The request is not in the expected form: "
                                        + "; ".join(parts)))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _error_response(ApiError(error.status_code, code, str(error.detail),
                                        dict(error.headers or {})))

    @app.exception_handler(DatabaseBusy)
    async def on_busy(_request: Request, _error: DatabaseBusy) -> JSONResponse:
        return _error_response(ApiError(503, "busy", "The server is busy; try again shortly.",
                                        {"Retry-After": "2"}))

    @app.exception_handler(Exception)
    async def on_bug(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error: %s", type(error).__name__)
        return _error_response(ApiError(500, "server_error",
                                        "The server failed unexpectedly; try again later."))

    @app.get("/v1/health", response_model=Health, tags=["health"])
    async def health() -> Health:
        """No authentication: tells the real server from a captive portal."""
        return Health()

    @app.get("/v1/ready", response_model=Ready, tags=["health"],
             responses={503: {"model": Ready, "description": "Not ready: see `reason`"}})
    async def ready() -> JSONResponse:
        """No authentication: 200 when the database answers and its schema is current,
        503 otherwise (a load balancer sends this process no work until it is ready)."""
        found = await run_in_threadpool(readiness, engine)
        body = Ready(status="ready" if found.ready else "unready", reason=found.reason)
        return JSONResponse(body.model_dump(), status_code=200 if found.ready else 503)

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """Prometheus text format; keep it on the internal network (see docs/deploy.md)."""
        body, content_type = await run_in_threadpool(metrics.exposition)
        return Response(body, media_type=content_type)

    @app.post("/v1/enrol", response_model=EnrolResponse, tags=["devices"],
              responses=_errors(401, 403, 409, 413, 415, 422, 429, 503),
              openapi_extra=_body(EnrolRequest))
    async def enrol(request: Request) -> Response:
        """Enrol a NEW laptop with a one-time code and its public key; a repeat from the
        same laptop (same code and key) while the code is valid gets a working token;
        another laptop, or a device id already known, is refused (409); a revoked
        laptop stays revoked (403)."""
        payload = parse_model(await read_body(request), EnrolRequest)
        try:
            answer = await run_in_threadpool(devices.enrol, engine, payload,
                                             server_keys.recovery_public_b64,
                                             client_address(request))
        except ApiError as refused:
            metrics.ENROLMENTS.labels(refused.code).inc()
            raise
        metrics.ENROLMENTS.labels("enrolled").inc()
        return _json(answer)

    @app.post("/v1/batches", response_model=BatchReceipt, tags=["sync"],
              dependencies=auth_dep, responses=_errors(401, 403, 409, 413, 415, 422, 429, 503),
              openapi_extra=_body(UploadBatch))
    async def upload_batch(request: Request) -> Response:
        """Upload a batch; the batch id is the idempotency key (a replay gets the same
        results and counts, with the device's high sequence and gaps as now)."""
        device = await device_of(request)
        body = await read_body(request)
        # parsing (~1 ms per 1,000 items) runs off the event loop with the rest
        receipt = await run_in_threadpool(_ingest_body, engine, device, body)
        # the WAL is copied back once the laptop has its answer (SQLite; see db.py)
        later = (BackgroundTask(checkpoint_wal, engine) if checkpoint_due(engine, len(body))
                 else None)
        return Response(receipt, media_type="application/json", background=later)

    @app.get("/v1/batches/{batch_id}", response_model=BatchReceipt, tags=["sync"],
             dependencies=auth_dep, responses=_errors(401, 403, 404, 422, 429, 503))
    async def get_batch(
        request: Request,
        batch_id: BatchIdParam,
    ) -> Response:
        """The stored receipt of a batch this laptop sent (404 if never received)."""
        device = await device_of(request)
        return _json(await run_in_threadpool(ingest.stored_receipt, engine, device, batch_id))

    @app.get("/v1/reference", response_model=ReferencePage, tags=["sync"],
             dependencies=auth_dep, responses=_errors(401, 403, 422, 429, 503))
    async def reference(
        request: Request,
        cursor: CursorParam = None,
        limit: LimitParam = None,
    ) -> Response:
        """Services directory, hubs, venues, volunteer roster and vocabularies."""
        device = await device_of(request)
        return _json(await run_in_threadpool(feeds.reference_page, engine, device, cursor,
                                             limit))

    @app.get("/v1/changes", response_model=ChangesPage, tags=["sync"],
             dependencies=auth_dep, responses=_errors(401, 403, 422, 429, 503))
    async def changes(
        request: Request,
        cursor: CursorParam = None,
        limit: LimitParam = None,
    ) -> Response:
        """The hub's coordinator edits and erasure tombstones."""
        device = await device_of(request)
        return _json(await run_in_threadpool(feeds.changes_page, engine, device, cursor, limit))

    @app.post("/v1/heartbeat", response_model=HeartbeatAck, tags=["devices"],
              dependencies=auth_dep, responses=_errors(401, 403, 413, 415, 422, 429, 503),
              openapi_extra=_body(Heartbeat))
    async def heartbeat(request: Request) -> Response:
        """The laptop's sync health: unsent, needs attention, oldest unsent, clock."""
        device = await device_of(request)
        beat = parse_model(await read_body(request), Heartbeat)
        return _json(await run_in_threadpool(devices.heartbeat, engine, device, beat))

    @app.post("/v1/audit", response_model=AuditReceipt, tags=["devices"],
              dependencies=auth_dep, responses=_errors(401, 403, 413, 415, 422, 429, 503),
              openapi_extra=_body(AuditUpload))
    async def audit(request: Request) -> Response:
        """Links of the laptop's audit chain, stored append-only and verified from the
        last stored link; a break is kept and reported (``chain_ok`` false)."""
        device = await device_of(request)
        upload = parse_model(await read_body(request), AuditUpload)
        return _json(await run_in_threadpool(audit_chain.receive_links, engine, device, upload))

    @app.post("/v1/recovery", response_model=RecoveryResponse, tags=["devices"],
              responses=_errors(401, 403, 413, 415, 422, 429, 503),
              openapi_extra=_body(RecoveryRequest))
    async def recover(request: Request) -> Response:
        """No token: a one-time recovery code for this device opens its recovery slot;
        the key comes back sealed to the request's one-off reply key."""
        payload = parse_model(await read_body(request), RecoveryRequest)
        return _json(await run_in_threadpool(recovery.recover, engine, server_keys, payload,
                                             client_address(request)))

    # the council's county page (HTML, not part of the sync protocol's OpenAPI document)
    from hubdesk.server.web.routes import county_routes

    app.include_router(county_routes(engine))
    app.openapi = _openapi_builder(app)  # type: ignore[method-assign]
    app.add_middleware(RequestMetrics)
    return app


#: allocations between two young collections in a server process (CPython's default
#: is 700): a batch of 1,000 records makes ~40,000 containers that live exactly as long
#: as its request: with the default, ~60 young and ~6 middle collections a batch walked
#: them and freed nothing; with 50,000 about one young collection comes per batch
#: (issue 13; bench/README.md has the figures)
GC_YOUNG_THRESHOLD = 50_000


def settle_startup_objects() -> None:
    """Move everything built at start-up out of the garbage collector's sight
    (``gc.freeze``): a batch makes ~40,000 short-lived containers, and each full
    collection would otherwise walk the ~150,000 long-lived objects of FastAPI,
    SQLAlchemy and pydantic too (measured: a third of ingest's CPU time, 0.3 s of
    0.9 s for 20,000 records; 0.13 s frozen).  Then collect young objects less often
    (``GC_YOUNG_THRESHOLD``); the older generations keep their default rhythm, so a
    cycle of garbage is still freed, only a few thousand allocations later."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def _openapi_builder(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI's document plus the component schemas of the raw-read request bodies."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version,
                               description=app.description, routes=app.routes)
        _, defs = models_json_schema(
            [(UploadBatch, "validation"), (EnrolRequest, "validation"),
             (Heartbeat, "validation"), (AuditUpload, "validation"),
             (RecoveryRequest, "validation")],
            ref_template="#/components/schemas/{model}",
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in defs.get("$defs", {}).items():
            schemas.setdefault(name, schema)
        app.openapi_schema = document
        return document

    return build

