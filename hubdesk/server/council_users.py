"""Council users of the web page (issue 12, DESIGN §9): created, disabled and given a
new password from the command line; each sees only the hubs and districts named for
them, or every hub (a county user).

Passwords are hashed with scrypt (``cryptography``), 64 MiB and a random salt per
password; the stored text names its parameters so they can be raised later.
"""

from __future__ import annotations

import base64
import hmac
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hubdesk.core.clock import utc_now
from hubdesk.core.ids import uuid7
from hubdesk.server.council_tables import USER_AREAS, USERS, WEB_SESSIONS
from hubdesk.server.db import read_tx, write_tx
from hubdesk.server.errors import AdminError
from hubdesk.server.models import HUBS
from hubdesk.server.security_log import record_event

#: scrypt cost: 2**16 x 8 x 128 bytes = 64 MiB, about a quarter of a second
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1
#: tests set this (as for the laptop's key slots) so each hash costs milliseconds
CHEAP_KDF_ENV = "HUBDESK_TEST_CHEAP_KDF"
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 200
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")


def _cost() -> tuple[int, int, int]:
    if os.environ.get(CHEAP_KDF_ENV) == "1":
        return 2**10, 8, 1
    return SCRYPT_N, SCRYPT_R, SCRYPT_P


def hash_password(password: str) -> str:
    n, r, p = _cost()
    salt = secrets.token_bytes(16)
    digest = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(password.encode("utf-8"))
    encode = base64.b64encode
    return f"scrypt${n}${r}${p}${encode(salt).decode()}${encode(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        name, n, r, p, salt, digest = stored.split("$")
        if name != "scrypt":
            return False
        found = Scrypt(salt=base64.b64decode(salt), length=32, n=int(n), r=int(r),
                       p=int(p)).derive(password.encode("utf-8"))
    except ValueError:
        return False
    return hmac.compare_digest(found, base64.b64decode(digest))


#: checked when the username is unknown, so a refusal takes as long either way
_DECOY_HASH: list[str] = []


def decoy_check(password: str) -> None:
    if not _DECOY_HASH:
        _DECOY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    password_matches(password, _DECOY_HASH[0])


def password_problem(password: str, username: str) -> str | None:
    """Why a new password will not do, in plain English, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"the password must be at least {MIN_PASSWORD_CHARS} characters long"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"the password must be at most {MAX_PASSWORD_CHARS} characters long"
    if username.lower() in password.lower():
        return "the password must not contain the username"
    return None


def normalise_username(username: str) -> str:
    return username.strip().lower()


@dataclass(frozen=True)
class CouncilUserView:
    id: str
    username: str
    county: bool
    active: bool
    hubs: tuple[str, ...]  # hub names
    districts: tuple[str, ...]


def create_user(engine: Engine, username: str, password: str, *, hubs: list[str],
                districts: list[str], county: bool) -> str:
    """A new user seeing ``hubs`` (ids or names) and ``districts``, or every hub."""
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise AdminError("a username is 2 to 80 letters, digits or . _ @ - (for example "
                         "j.smith or j.smith@council.gov.uk)")
    problem = password_problem(password, name)
    if problem:
        raise AdminError(problem)
    if county and (hubs or districts):
        raise AdminError("a county user sees every hub: give --county, or --hub/--district")
    if not county and not hubs and not districts:
        raise AdminError("say what the user may see: --hub, --district (each may be "
                         "repeated) or --county")
    password_hash = hash_password(password)
    now = utc_now()
    user_id = uuid7()
    try:
        with write_tx(engine) as conn:
            areas = _resolve_areas(conn, hubs, districts)
            conn.execute(insert(USERS).values(
                id=user_id, username=name, password_hash=password_hash, county=county,
                active=True, created_at=now, password_changed_at=now))
            if areas:
                conn.execute(insert(USER_AREAS), [{"user_id": user_id, "kind": kind, "area": area}
                                                  for kind, area in sorted(areas)])
            record_event(conn, "council_user_created", detail=f"user {user_id}")
    except IntegrityError as error:
        raise AdminError(f"there is already a user called {name}") from error
    return user_id


def _resolve_areas(conn: Connection, hubs: list[str], districts: list[str]) -> set[tuple[str, str]]:
    areas: set[tuple[str, str]] = set()
    for hub in hubs:
        hub_id = conn.execute(select(HUBS.c.id).where(
            (HUBS.c.id == hub) | (func.lower(HUBS.c.name) == hub.strip().lower()))).scalar()
        if hub_id is None:
            raise AdminError(f"no hub {hub!r} on this server")
        areas.add(("hub", str(hub_id)))
    for district in districts:
        wanted = district.strip().lower()
        known = conn.execute(select(HUBS.c.id).where(func.lower(HUBS.c.district) == wanted)
                             .limit(1)).scalar()
        if known is None:
            raise AdminError(f"no hub is in the district {district!r} yet; create its hubs "
                             "first (create-hub --district)")
        areas.add(("district", wanted))
    return areas


def _user_id(conn: Connection, username: str) -> str:
    found = conn.execute(select(USERS.c.id).where(
        USERS.c.username == normalise_username(username))).scalar()
    if found is None:
        raise AdminError(f"no user called {normalise_username(username)}")
    return str(found)


def disable_user(engine: Engine, username: str) -> None:
    """The user can no longer sign in; every browser they are signed in on is signed out."""
    with write_tx(engine) as conn:
        user_id = _user_id(conn, username)
        conn.execute(update(USERS).where(USERS.c.id == user_id).values(active=False))
        conn.execute(delete(WEB_SESSIONS).where(WEB_SESSIONS.c.user_id == user_id))
        record_event(conn, "council_user_disabled", detail=f"user {user_id}")


def reset_password(engine: Engine, username: str, password: str) -> None:
    """A new password (the user is enabled again); existing sign-ins end."""
    name = normalise_username(username)
    problem = password_problem(password, name)
    if problem:
        raise AdminError(problem)
    password_hash = hash_password(password)
    with write_tx(engine) as conn:
        user_id = _user_id(conn, name)
        conn.execute(update(USERS).where(USERS.c.id == user_id).values(
            password_hash=password_hash, active=True, password_changed_at=utc_now()))
        conn.execute(delete(WEB_SESSIONS).where(WEB_SESSIONS.c.user_id == user_id))
        record_event(conn, "council_password_reset", detail=f"user {user_id}")


def list_users(engine: Engine) -> list[CouncilUserView]:
    with read_tx(engine) as conn:
        hub_names = dict(conn.execute(select(HUBS.c.id, HUBS.c.name)).tuples().all())
        areas: dict[str, list[tuple[str, str]]] = {}
        for row in conn.execute(select(USER_AREAS)):
            areas.setdefault(row.user_id, []).append((row.kind, row.area))
        users = conn.execute(select(USERS).order_by(USERS.c.username)).all()
    return [CouncilUserView(
        user.id, user.username, bool(user.county), bool(user.active),
        tuple(sorted(hub_names.get(a, a) for k, a in areas.get(user.id, []) if k == "hub")),
        tuple(sorted(a for k, a in areas.get(user.id, []) if k == "district")))
        for user in users]
