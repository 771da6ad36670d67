"""Signing council users in and out of the web page.

A session is a random token in an HTTP-only, SameSite=Strict cookie (Secure over
TLS); the database keeps only its SHA-256, so every worker agrees and a copy of the
database signs nobody in. Sessions end after ``IDLE`` without a request or
``LIFETIME`` in all. Failed sign-ins count towards the rate limits of the caller's
address and of the username (``limits``), and every sign-in, failure and sign-out
goes to the security log (user ids only: never what was typed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import Engine, delete, insert, select, update

from hubdesk.core.clock import utc_now
from hubdesk.server import limits
from hubdesk.server.council_access import Viewer, viewer_of
from hubdesk.server.council_tables import USERS, WEB_SESSIONS
from hubdesk.server.council_users import decoy_check, normalise_username, password_matches
from hubdesk.server.db import read_tx, with_retries, write_tx
from hubdesk.server.security_log import record_event, record_event_now

IDLE = timedelta(minutes=60)
LIFETIME = timedelta(hours=12)
#: ``last_seen_at`` is written at most this often (a page view is then a read only)
TOUCH_EVERY = timedelta(minutes=1)
REFUSED = "The username or password is not right. Check them and try again."


class LoginRefused(Exception):
    """A sign-in that did not work; the message is safe to show."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def csrf_token(session_token: str) -> str:
    """The form token of a session: only a page served to that browser can know it."""
    digest = hmac.new(session_token.encode(), b"hubdesk-csrf", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_matches(session_token: str, sent: str) -> bool:
    return hmac.compare_digest(csrf_token(session_token).encode(), sent.encode())


def _username_key(username: str) -> str:
    digest = hashlib.sha256(f"hubdesk-user:{username}".encode()).hexdigest()[:16]
    return f"login:user:{digest}"


def sign_in(engine: Engine, username: str, password: str, address: str | None) -> str:
    """A new session token for a right username and password; raises LoginRefused, or
    ``ApiError`` 429 when this address or username has failed too often."""
    name = normalise_username(username)[:80]
    keys = [limits.address_key("login", address), _username_key(name)]
    limits.refuse_if_blocked(engine, keys)
    with read_tx(engine) as conn:
        user = conn.execute(select(USERS.c.id, USERS.c.password_hash, USERS.c.active)
                            .where(USERS.c.username == name)).first()
    if user is None:
        decoy_check(password)
        matched = False
    else:
        matched = password_matches(password, user.password_hash)
    if not matched or user is None or not user.active:
        limits.note_failure(engine, keys, "login", address=address)
        why = ("unknown username" if user is None else
               f"user {user.id}: " + ("disabled" if not user.active and matched
                                      else "wrong password"))
        record_event_now(engine, "council_login_failed", address=address, detail=why)
        raise LoginRefused(REFUSED)
    user_id = str(user.id)
    token = secrets.token_urlsafe(32)
    now = utc_now()

    def attempt() -> None:
        with write_tx(engine) as conn:
            conn.execute(delete(WEB_SESSIONS).where(WEB_SESSIONS.c.expires_at <= now))
            conn.execute(insert(WEB_SESSIONS).values(
                token_hash=_token_hash(token), user_id=user_id, created_at=now,
                last_seen_at=now, expires_at=now + LIFETIME))
            record_event(conn, "council_login", address=address, detail=f"user {user_id}")

    with_retries(attempt)
    return token


def viewer_for_session(engine: Engine, token: str | None) -> Viewer | None:
    """The signed-in user of a session cookie, or None (no cookie, ended, idle too long,
    or the user was disabled)."""
    if not token or len(token) > 200:
        return None
    now = utc_now()
    digest = _token_hash(token)
    with read_tx(engine) as conn:
        session = conn.execute(select(WEB_SESSIONS).where(WEB_SESSIONS.c.token_hash == digest)
                               ).first()
        if session is None or session.expires_at <= now or session.last_seen_at + IDLE <= now:
            return None
        viewer = viewer_of(conn, session.user_id)
    if viewer is not None and session.last_seen_at + TOUCH_EVERY <= now:
        with write_tx(engine) as conn:
            conn.execute(update(WEB_SESSIONS).where(WEB_SESSIONS.c.token_hash == digest)
                         .values(last_seen_at=now))
    return viewer


def sign_out(engine: Engine, token: str, user_id: str, address: str | None) -> None:
    with write_tx(engine) as conn:
        conn.execute(delete(WEB_SESSIONS).where(WEB_SESSIONS.c.token_hash == _token_hash(token)))
        record_event(conn, "council_logout", address=address, detail=f"user {user_id}")
