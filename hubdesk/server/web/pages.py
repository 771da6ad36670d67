"""Rendering the county page: Jinja2 templates (autoescaped) and the headers every page
and download carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hubdesk.core.days import to_hub_time
from hubdesk.reports.figures.tables import figure_text

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "county.css"

#: no script at all; styles and images only from this server; no framing; forms post here
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _when(value: datetime | None, zone: str) -> str:
    """A stored naive-UTC time as the county reads it: 1 Dec 2026, 14:05."""
    if value is None:
        return ""
    local = to_hub_time(value, zone)
    return f"{local.day} {local:%b %Y, %H:%M}"


def _ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    seconds = max(0, int((now - value).total_seconds()))
    if seconds < 3600:
        minutes = seconds // 60
        return "just now" if minutes < 1 else f"{minutes} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


class Pages:
    def __init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES),
                               autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["when"] = _when
        self.env.filters["ago"] = _ago
        self.env.filters["figure"] = figure_text

    def render(self, template: str, status: int = 200, headers: dict[str, str] | None = None,
               **context: Any) -> HTMLResponse:
        body = self.env.get_template(template).render(**context)
        return HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS,
                                                               **(headers or {})})


def stylesheet() -> bytes:
    return STYLESHEET.read_bytes()
