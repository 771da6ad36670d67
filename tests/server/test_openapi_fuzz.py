"""schemathesis against the running server's OpenAPI document: no 5xx, every status
declared, every response matching its schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import BaseOpenAPISchema

from hubdesk.core.ids import uuid7
from hubdesk.protocol.signing import new_device_key, sign_enrolment
from hubdesk.server.testing import LiveServer, live_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]
# FastAPI writes OpenAPI 3.1; schemathesis 3.x supports it behind this switch
schemathesis.experimental.OPEN_API_3_1.enable()


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str,
                                                                              str]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    with live_server(folder) as server, httpx.Client(base_url=server.base_url) as http:
        device_id, code = uuid7(), server.enrol_code()
        private_key, public_key = new_device_key()
        answer = http.post("/v1/enrol", json={
            "code": code, "device_id": device_id, "device_public_key": public_key,
            "enrol_signature": sign_enrolment(private_key, code, device_id)})
        assert answer.status_code == 200, answer.text
        yield server, device_id, answer.json()["device_token"]


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: tuple[LiveServer, str, str]) -> BaseOpenAPISchema:
    """The server's own document, with request bodies' list sizes capped for generation
    speed only (the server still enforces the real limits, tested elsewhere)."""
    server = fuzzed_server[0]
    document = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
    components = document["components"]["schemas"]
    components["UploadBatch"]["properties"]["items"]["maxItems"] = 4
    components["RecordPayload"]["properties"]["fields"]["maxProperties"] = 6
    return schemathesis.from_dict(document, base_url=server.base_url)


schema = schemathesis.from_pytest_fixture("api_schema")


def check_case(case: Any, fuzzed_server: tuple[LiveServer, str, str]) -> None:
    _server, device_id, token = fuzzed_server
    if case.path == "/v1/batches" and isinstance(case.body, dict):
        case.body["device_id"] = device_id  # reach the item checks, not just the 403
    response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    case.validate_response(response, checks=(not_a_server_error, status_code_conformance,
                                              response_schema_conformance))


@schema.exclude(method="POST", path="/v1/batches").parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any, fuzzed_server: tuple[LiveServer, str, str]) -> None:
    check_case(case, fuzzed_server)


@schema.include(method="POST", path="/v1/batches").parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_batch_upload_conforms(case: Any, fuzzed_server: tuple[LiveServer, str, str]) -> None:
    check_case(case, fuzzed_server)
