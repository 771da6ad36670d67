"""The council's county page (issue 12) on the sync server's own address: figures per
hub and district with a period picker, a chart and downloads; sync health; directory
suggestions to accept or reject. Every page needs a signed-in council user
(``council_sessions``) and shows only that user's hubs (``council_access``).

Forms that change something are POSTs carrying the session's CSRF token (the login
form a token of its own, in a cookie and a hidden field). The figures form is a GET
that changes nothing; it carries no token, which would otherwise end up in URLs.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from hubdesk.core.clock import utc_now
from hubdesk.core.days import hub_today
from hubdesk.reports.figures.writers import ReportHeading, write_csv, write_xlsx
from hubdesk.reports.periods import PERIODS
from hubdesk.server.council_access import Viewer
from hubdesk.server.council_sessions import (
    LIFETIME,
    LoginRefused,
    csrf_matches,
    csrf_token,
    sign_in,
    sign_out,
    viewer_for_session,
)
from hubdesk.server.errors import AdminError, ApiError
from hubdesk.server.reports import ReportRequest, county_report, county_time_zone
from hubdesk.server.security_log import record_event_now
from hubdesk.server.suggestions import SuggestionRefused, decide, pending_suggestions
from hubdesk.server.sync_health import laptop_health
from hubdesk.server.web.figures_view import HEADLINES, area_name, figures_view
from hubdesk.server.web.forms import BadForm, FiguresQuery, form_fields, read_figures_query
from hubdesk.server.web.pages import SECURITY_HEADERS, Pages, stylesheet

SESSION_COOKIE = "hubdesk_session"
LOGIN_COOKIE = "hubdesk_login"
DOWNLOADS = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303, headers=SECURITY_HEADERS)


def county_routes(engine: Engine) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    pages = Pages()

    async def signed_in(request: Request) -> tuple[Viewer, str] | None:
        token = request.cookies.get(SESSION_COOKIE)
        viewer = await run_in_threadpool(viewer_for_session, engine, token)
        return (viewer, str(token)) if viewer is not None else None

    def page(template: str, viewer: Viewer, token: str, status: int = 200,
             **context: Any) -> Response:
        return pages.render(template, status, viewer=viewer, csrf=csrf_token(token), **context)

    async def signed_post(request: Request) -> tuple[Viewer, str, dict[str, str]] | Response:
        """The user, session token and fields of a POST carrying the session's CSRF
        token; otherwise the answer to give (the sign-in page, or "page expired")."""
        found = await signed_in(request)
        if found is None:
            return _to_login()
        viewer, token = found
        try:
            fields = await form_fields(request)
        except BadForm:
            fields = {}
        if not csrf_matches(token, fields.get("csrf", "")):
            return forbidden(viewer, token)
        return viewer, token, fields

    def forbidden(viewer: Viewer, token: str) -> Response:
        return page("message.html", viewer, token, 403, title="Page expired",
                    message="That form had expired. Go back, reload the page and try again.")

    # -- signing in and out ----------------------------------------------------------
    def login_page(request: Request, status: int = 200, error: str = "",
                   headers: dict[str, str] | None = None, username: str = "") -> Response:
        form_token = secrets.token_urlsafe(24)
        response = pages.render("login.html", status, headers, title="Sign in", error=error,
                                form_token=form_token, username=username, viewer=None)
        response.set_cookie(LOGIN_COOKIE, form_token, max_age=3600, httponly=True,
                            samesite="strict", secure=_secure(request), path="/login")
        return response

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        if await signed_in(request):
            return RedirectResponse("/", status_code=303, headers=SECURITY_HEADERS)
        return login_page(request)

    @router.post("/login")
    async def login(request: Request) -> Response:
        try:
            fields = await form_fields(request)
        except BadForm:
            return login_page(request, 400, "The form could not be read; try again.")
        username = fields.get("username", "")[:80]
        sent_token = fields.get("form_token", "")
        cookie_token = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie_token or not secrets.compare_digest(cookie_token.encode(), sent_token.encode()):
            return login_page(request, 400, "The sign-in form had expired. Please sign in again.",
                              username=username)
        try:
            token = await run_in_threadpool(sign_in, engine, username,
                                            fields.get("password", "")[:200], _address(request))
        except LoginRefused as refused:
            return login_page(request, 401, str(refused), username=username)
        except ApiError as blocked:  # 429 from the rate limits
            return login_page(request, blocked.status, "There have been too many failed "
                              "sign-ins from here. Wait 5 minutes, then try again.",
                              headers=blocked.headers, username=username)
        response = RedirectResponse("/", status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(SESSION_COOKIE, token, max_age=int(LIFETIME.total_seconds()),
                            httponly=True, samesite="strict", secure=_secure(request), path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        posted = await signed_post(request)
        if isinstance(posted, Response):
            return posted
        viewer, token, _ = posted
        await run_in_threadpool(sign_out, engine, token, viewer.user_id, _address(request))
        response = _to_login()
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # -- figures -----------------------------------------------------------------------
    def figures_query(request: Request, viewer: Viewer) -> tuple[FiguresQuery, str]:
        zone = county_time_zone(engine)
        return read_figures_query(request.query_params, viewer, hub_today(zone)), zone

    def report_for(query: FiguresQuery, viewer: Viewer) -> dict[str, Any]:
        return county_report(engine, ReportRequest(
            query.first, query.last, hub=query.hub_id(), district=query.district(),
            hub_ids=frozenset(viewer.hubs)))

    @router.get("/")
    async def figures(request: Request) -> Response:
        found = await signed_in(request)
        if found is None:
            return _to_login()
        viewer, token = found
        query, zone = await run_in_threadpool(figures_query, request, viewer)
        view, problem = None, ""
        if viewer.hubs:
            try:
                report = await run_in_threadpool(report_for, query, viewer)
                view = figures_view(report, query, viewer)
            except AdminError as error:
                problem = str(error)
        else:
            problem = "Your account has no hubs yet. Ask the server's administrator."
        return page("figures.html", viewer, token, 400 if query.errors else 200,
                    title="Figures", nav="figures", query=query, view=view, problem=problem,
                    periods=PERIODS, headlines=HEADLINES, zone=zone)

    @router.get("/download.{file_format}")
    async def download(request: Request, file_format: str) -> Response:
        found = await signed_in(request)
        if found is None:
            return _to_login()
        viewer, token = found
        if file_format not in DOWNLOADS or not viewer.hubs:
            return page("message.html", viewer, token, 404, title="Not found",
                        message="There is no such download.")
        query, zone = await run_in_threadpool(figures_query, request, viewer)
        if query.errors:
            return page("message.html", viewer, token, 400, title="Check your choices",
                        message=" ".join(query.errors.values()))
        content = await run_in_threadpool(_download_bytes, query, viewer, zone, file_format)
        area = query.hub_id() or query.district() or "all"
        await run_in_threadpool(
            record_event_now, engine, "council_download", address=_address(request),
            hub_id=query.hub_id(),
            detail=f"user {viewer.user_id} {file_format} {area} {query.first}..{query.last}")
        name = f"hubdesk-figures-{query.first}-to-{query.last}.{file_format}"
        return Response(content, media_type=DOWNLOADS[file_format], headers={
            **SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    def _download_bytes(query: FiguresQuery, viewer: Viewer, zone: str, file_format: str) -> bytes:
        report = report_for(query, viewer)
        # a user limited to part of a district gets no district totals (see figures_view)
        report["by_district"] = {name: sub for name, sub in report["by_district"].items()
                                 if viewer.may_see_district(name) and not query.hub_id()}
        heading = ReportHeading("County impact report", area_name(query, viewer), query.first,
                                query.last, zone, small_numbers_hidden=True)
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / f"report.{file_format}"
            (write_csv if file_format == "csv" else write_xlsx)(report, heading, target)
            return target.read_bytes()

    # -- sync health and suggestions -----------------------------------------------------------
    @router.get("/sync-health")
    async def sync_health(request: Request) -> Response:
        found = await signed_in(request)
        if found is None:
            return _to_login()
        viewer, token = found
        laptops = await run_in_threadpool(laptop_health, engine, viewer)
        zone = await run_in_threadpool(county_time_zone, engine)
        return page("health.html", viewer, token, title="Sync health", nav="health",
                    laptops=laptops, zone=zone, now=utc_now())

    async def suggestions_page(request: Request, viewer: Viewer, token: str, status: int = 200,
                               error: str = "") -> Response:
        pending = await run_in_threadpool(pending_suggestions, engine, viewer)
        zone = await run_in_threadpool(county_time_zone, engine)
        done = request.query_params.get("done", "")
        return page("suggestions.html", viewer, token, status, title="Directory suggestions",
                    nav="suggestions", pending=pending, zone=zone, error=error,
                    done=done if done in ("accepted", "rejected") else "")

    @router.get("/suggestions")
    async def suggestions(request: Request) -> Response:
        found = await signed_in(request)
        if found is None:
            return _to_login()
        return await suggestions_page(request, *found)

    @router.post("/suggestions/decide")
    async def decide_suggestion(request: Request) -> Response:
        posted = await signed_post(request)
        if isinstance(posted, Response):
            return posted
        viewer, token, fields = posted
        decision = fields.get("decision")
        version = fields.get("version", "")
        if decision not in ("accept", "reject") or not version.isdigit():
            return await suggestions_page(request, viewer, token, 400,
                                          "Choose Accept or Reject on a suggestion.")
        try:
            await run_in_threadpool(decide, engine, viewer, fields.get("record_id", "")[:36],
                                    int(version[:9]), decision == "accept", _address(request))
        except SuggestionRefused as refused:
            return await suggestions_page(request, viewer, token, 409, str(refused))
        done = "accepted" if decision == "accept" else "rejected"
        return RedirectResponse(f"/suggestions?done={done}", status_code=303,
                                headers=SECURITY_HEADERS)

    @router.get("/static/county.css")
    async def county_css() -> Response:
        return Response(stylesheet(), media_type="text/css",
                        headers={"Cache-Control": "max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})

    return router
