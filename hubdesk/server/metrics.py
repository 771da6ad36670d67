"""Prometheus metrics (``GET /metrics``).

With several worker processes, ``PROMETHEUS_MULTIPROC_DIR`` names a folder the
workers share (``hubdesk-server serve --workers N`` sets one up before the workers
start; prometheus-client reads it when first imported), and a scrape adds up
every worker's figures.  Without it, the figures are this process's.

Labels are bounded (route templates, status codes, outcome codes): never a device
id, a record id or anything a person typed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from hubdesk.server.metrics_env import MULTIPROCESS_ENV

ROUTES = ("/v1/health", "/v1/ready", "/v1/enrol", "/v1/batches", "/v1/reference",
          "/v1/changes", "/v1/heartbeat", "/metrics", "/openapi.json")

REQUESTS = Counter("hubdesk_requests_total", "HTTP requests answered",
                   ["method", "route", "status"])
BATCH_ITEMS = Histogram("hubdesk_batch_items", "Items per uploaded batch",
                        buckets=(1, 10, 50, 100, 250, 500, 750, 1000))
ITEMS = Counter("hubdesk_items_total", "Uploaded items by answer", ["status"])
BATCH_REPLAYS = Counter("hubdesk_batch_replays_total",
                        "Batches sent again and answered from the stored receipt")
INGEST_SECONDS = Histogram("hubdesk_ingest_seconds", "Time to store a batch and answer it",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
ENROLMENTS = Counter("hubdesk_enrolments_total", "Enrolment attempts by outcome", ["outcome"])
AUTH_FAILURES = Counter("hubdesk_auth_failures_total", "Refused device tokens by reason",
                        ["reason"])


def route_of(path: str) -> str:
    """The route template for a request path (bounded label values)."""
    if path in ROUTES:
        return path
    if path.startswith("/v1/batches/"):
        return "/v1/batches/{batch_id}"
    return "other"


def record_request(method: str, path: str, status: int) -> None:
    REQUESTS.labels(method, route_of(path), str(status)).inc()


def record_batch(counts: Mapping[str, int], seconds: float, *, replay: bool) -> None:
    """One answered upload: its size, each item's answer and the time it took."""
    if replay:
        BATCH_REPLAYS.inc()
        return
    BATCH_ITEMS.observe(sum(counts.values()))
    for status, count in counts.items():
        if count:
            ITEMS.labels(status).inc(count)
    INGEST_SECONDS.observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The scrape's body and content type (every worker's figures in multiprocess mode)."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
