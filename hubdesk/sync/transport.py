"""HTTP transport for sync protocol v1: the only module that imports ``requests``.

Only ``https://`` is used, except to this computer (``http://127.0.0.1``,
``localhost``): plain HTTP to another host is refused before anything is sent.
Certificates are checked against the operating system's trust store
(``truststore``), so a council's own certificate authority, installed on its
laptops by IT, is trusted without HubDesk carrying a copy.

Timeouts are a connect timeout plus a *stall* timeout (``requests``' read timeout
applies to each socket read, so a slow link that keeps moving never times out,
a silent one does).  Every failure becomes one of the typed errors of
``hubdesk.sync.errors``; answers are parsed with the strict protocol schemas, so
a truncated or invalid body is a :class:`BadResponse`, never a half-read value.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import truststore
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from requests.adapters import HTTPAdapter

from hubdesk.protocol.schemas import (
    BatchReceipt,
    ChangesPage,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    Heartbeat,
    HeartbeatAck,
    ReferencePage,
)
from hubdesk.protocol.trust import AuditReceipt, AuditUpload, RecoveryRequest, RecoveryResponse
from hubdesk.sync.errors import (
    AuthRevoked,
    BadResponse,
    CaptivePortal,
    EnrolRefused,
    InsecureConnection,
    NotFound,
    Offline,
    PayloadTooLarge,
    PlainHttpRefused,
    RequestRejected,
    ServerBusy,
    ServerError,
    Stalled,
)

log = logging.getLogger("hubdesk.sync.transport")

Model = TypeVar("Model", bound=BaseModel)

HEALTH_BODY = {"status": "ok", "service": "hubdesk-server"}
MAX_RETRY_AFTER_S = 3600.0
_ENROL_CODES = {"enrol_code_invalid", "enrol_code_used", "device_already_enrolled",
                "bad_enrol_signature"}
_AUTH_CODES = {"device_revoked", "invalid_token", "unknown_device", "unauthorized", "not_enrolled"}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_S))


def is_allowed_server_url(url: str) -> bool:
    """``https://`` anywhere; ``http://`` only to this computer (a loopback address)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SystemTrustAdapter(HTTPAdapter):
    """HTTPS checked against the operating system's certificate store (``truststore``)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class HttpTransport:
    """Talks to one HubDesk server with one device token (or none, for enrolment)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        connect_timeout: float = 5.0,
        stall_timeout: float = 30.0,
        app_version: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.connect_timeout = connect_timeout
        self.stall_timeout = stall_timeout
        self.session = requests.Session()
        self.session.mount("https://", SystemTrustAdapter())
        self.session.headers["User-Agent"] = f"HubDesk/{app_version or '0'}"
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        self.session.close()

    # -- endpoints -----------------------------------------------------------------

    def health(self) -> None:
        """Raise :class:`CaptivePortal` unless our server answers ``/v1/health``."""
        response = self._send("GET", "/v1/health", auth=False, allow_redirects=False)
        if response.status_code != 200:
            if response.status_code in (429, 503):
                raise ServerBusy(parse_retry_after(response.headers.get("Retry-After")))
            if response.status_code >= 500 and _is_our_error(response):
                raise ServerError(response.status_code)
            raise CaptivePortal()
        try:
            body = json.loads(_content(response))
        except (ValueError, UnicodeDecodeError) as error:
            raise CaptivePortal() from error
        if not isinstance(body, dict) or any(body.get(k) != v for k, v in HEALTH_BODY.items()):
            raise CaptivePortal()

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        return self._call("POST", "/v1/enrol", EnrolResponse, body=request, auth=False)

    def upload_raw(self, batch_json: bytes) -> BatchReceipt:
        """POST an already serialised batch (the engine serialises once per batch)."""
        return self._call("POST", "/v1/batches", BatchReceipt, raw=batch_json)

    def get_receipt(self, batch_id: str) -> BatchReceipt | None:
        """The stored receipt of a batch, or None if the server never received it."""
        try:
            return self._call("GET", f"/v1/batches/{batch_id}", BatchReceipt)
        except NotFound:
            return None

    def reference(self, cursor: str, limit: int) -> ReferencePage:
        return self._call(
            "GET", "/v1/reference", ReferencePage, params={"cursor": cursor, "limit": limit}
        )

    def changes(self, cursor: str, limit: int) -> ChangesPage:
        return self._call(
            "GET", "/v1/changes", ChangesPage, params={"cursor": cursor, "limit": limit}
        )

    def heartbeat(self, beat: Heartbeat) -> HeartbeatAck:
        return self._call("POST", "/v1/heartbeat", HeartbeatAck, body=beat)

    def upload_audit(self, upload: AuditUpload) -> AuditReceipt:
        return self._call("POST", "/v1/audit", AuditReceipt, body=upload)

    def recover(self, request: RecoveryRequest) -> RecoveryResponse:
        """Key recovery (no token: the device's credentials are inside the locked store)."""
        return self._call("POST", "/v1/recovery", RecoveryResponse, body=request, auth=False)

    # -- plumbing ------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        model: type[Model],
        *,
        body: BaseModel | None = None,
        raw: bytes | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Model:
        data = raw if raw is not None else (
            body.model_dump_json().encode() if body is not None else None
        )
        response = self._send(method, path, data=data, params=params, auth=auth)
        if response.status_code >= 300:
            _raise_for_status(response)
        try:
            return model.model_validate_json(_content(response))
        except PydanticValidationError as error:
            raise BadResponse(f"{path}: {error.error_count()} schema errors") from error

    def _send(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        allow_redirects: bool = True,
    ) -> requests.Response:
        if not is_allowed_server_url(self.base_url):
            raise PlainHttpRefused()
        headers: dict[str, str] = {}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            if not self.token:
                raise AuthRevoked("This laptop has no device token.")
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                data=data,
                params=params,
                headers=headers,
                timeout=(self.connect_timeout, self.stall_timeout),
                allow_redirects=allow_redirects,
            )
            # reading the body happens here; a cut-off body raises ChunkedEncodingError
            _ = response.content
        except requests.exceptions.ConnectTimeout as error:
            raise Offline("connect timeout") from error
        except requests.exceptions.ReadTimeout as error:
            raise Stalled() from error
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as error:
            raise BadResponse("truncated body") from error
        except requests.exceptions.SSLError as error:  # before ConnectionError, its base
            raise InsecureConnection(type(error).__name__) from error
        except requests.exceptions.ConnectionError as error:
            raise Offline(type(error).__name__) from error
        except requests.exceptions.InvalidURL as error:
            raise Offline("invalid server address") from error
        except requests.exceptions.RequestException as error:
            raise Offline(type(error).__name__) from error
        log.debug("%s %s -> %s", method, path, response.status_code)
        return response


def _content(response: requests.Response) -> bytes:
    content = response.content
    return content if isinstance(content, bytes) else b""


def _error_body(response: requests.Response) -> ErrorBody | None:
    try:
        return ErrorBody.model_validate_json(_content(response))
    except (PydanticValidationError, ValueError):
        return None


def _is_our_error(response: requests.Response) -> bool:
    return _error_body(response) is not None


def _raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    error = _error_body(response)
    code = error.error if error else ""
    message = error.message if error else ""
    if status in (429, 503):
        raise ServerBusy(parse_retry_after(response.headers.get("Retry-After")))
    if status == 413:
        raise PayloadTooLarge()
    if code in _ENROL_CODES:
        raise EnrolRefused(status, code, message)
    if status == 401 or (status == 403 and code in _AUTH_CODES):
        raise AuthRevoked(message)
    if status == 404:
        raise NotFound()
    if status >= 500:
        raise ServerError(status, message)
    if status < 400:
        # a redirect we did not ask for: a proxy or portal, not our server
        raise BadResponse(f"unexpected HTTP {status}")
    raise RequestRejected(status, code or f"http_{status}", message or _detail(response))


def _detail(response: requests.Response) -> str:
    """A short reason from a non-ErrorBody 4xx (e.g. FastAPI's ``{"detail": ...}``)."""
    try:
        body = json.loads(_content(response))
    except (ValueError, UnicodeDecodeError):
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail[:300]
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return str(detail[0].get("msg", ""))[:300]
    return ""
