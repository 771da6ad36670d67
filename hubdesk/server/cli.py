"""``hubdesk-server``: serve the sync API and administer the server (DESIGN.md section 5).

Exit codes: 0 success, 1 failure (one-line reason on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubdesk.core.errors import UserFacingError
from hubdesk.server.errors import AdminError, ApiError
from hubdesk.server.logs import LOG_FORMATS

if TYPE_CHECKING:
    from sqlalchemy import Engine

# the heavy imports (SQLAlchemy, Alembic, FastAPI) wait until a command runs, so
# usage errors and --help answer at once
DB_ENV = "HUBDESK_SERVER_DB"
TIERS = ("universal", "targeted", "specialist")
CODE_VALID_DAYS = 7

log = logging.getLogger("hubdesk.server.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hubdesk-server",
        description="HubDesk central server: sync API and administration.",
        epilog=f"The database defaults to a SQLite file in the server's data folder; "
               f"{DB_ENV} or --db sets it (sqlite:///FILE or postgresql+psycopg://...).",
    )
    parser.add_argument("--db", help=f"database URL (default: ${DB_ENV} or the data folder)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the sync API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    serve.add_argument("--log-level", default="warning",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--log-format", default="text", choices=LOG_FORMATS,
                       help="json: one JSON object a line, for a log collector")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (uvicorn's process manager; use PostgreSQL)")
    serve.add_argument("--pool-size", type=int, default=None,
                       help="PostgreSQL connections per worker (default 8, and as many "
                            "again in a burst)")
    serve.add_argument("--graceful-timeout", type=int, default=30,
                       help="seconds a stopping worker may take to finish requests in hand")
    serve.add_argument("--certfile", type=Path, help="TLS certificate chain (PEM)")
    serve.add_argument("--keyfile", type=Path, help="TLS private key (PEM)")
    serve.add_argument("--behind-tls-proxy", action="store_true",
                       help="plain HTTP on a non-loopback address, because a TLS-terminating "
                            "proxy is in front (its X-Forwarded-For is trusted)")
    serve.add_argument("--trusted-proxies",
                       default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                       help="proxies whose X-Forwarded-For is believed (comma-separated; "
                            "default $FORWARDED_ALLOW_IPS or %(default)s)")

    hub = commands.add_parser("create-hub", help="create a hub; prints its id")
    hub.add_argument("--name", required=True)
    hub.add_argument("--district", required=True)
    hub.add_argument("--tier", default="universal", choices=TIERS)

    code = commands.add_parser("enrol-code", help="print a one-time enrolment code")
    code.add_argument("--hub", required=True, help="hub id or name")
    code.add_argument("--days", type=int, default=CODE_VALID_DAYS,
                      help="days the code stays valid (default %(default)s)")

    stats = commands.add_parser("stats", help="records per kind, hub and device; gaps")
    stats.add_argument("--json", action="store_true", help="one JSON object on stdout")

    revoke = commands.add_parser("revoke-device",
                                 help="switch a laptop off from the server, for good")
    revoke.add_argument("device_id")

    reinstate = commands.add_parser("reinstate-device",
                                    help="the only way back for a revoked laptop (audited)")
    reinstate.add_argument("--device", required=True, metavar="ID")

    recovery = commands.add_parser("recovery-code",
                                   help="a one-time code to recover a locked laptop's data key")
    recovery.add_argument("--device", required=True, metavar="ID")

    security = commands.add_parser("security-log", help="print the security log")
    security.add_argument("--json", action="store_true", help="one JSON object a line")
    security.add_argument("--limit", type=int, default=1000)

    directory = commands.add_parser("import-directory", help="publish a services directory")
    directory.add_argument("file", type=Path, help="JSON or CSV of services: our own format "
                           "or Open Referral UK-style fields (docs/server.md)")

    batch = commands.add_parser("import-batch", help="ingest a signed batch file")
    batch.add_argument("file", type=Path)

    venue = commands.add_parser("add-venue", help="add a venue to a hub; prints its id")
    venue.add_argument("--hub", required=True)
    venue.add_argument("--name", required=True)
    venue.add_argument("--type", default="other", dest="venue_type")
    venue.add_argument("--postcode-district")

    volunteer = commands.add_parser("add-volunteer", help="add a volunteer to a hub's roster")
    volunteer.add_argument("--hub", required=True)
    volunteer.add_argument("--name", required=True)
    volunteer.add_argument("--role", default="volunteer")

    edit = commands.add_parser("edit-record",
                               help="a coordinator's edit on the server (new version)")
    edit.add_argument("kind")
    edit.add_argument("record_id")
    edit.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                      help="field and new value as JSON (e.g. status='\"closed\"')")

    erase = commands.add_parser("erase-record", help="erase a record and tell its hub")
    erase.add_argument("kind")
    erase.add_argument("record_id")

    erase_any = commands.add_parser(
        "erase", help="right to erasure: a person (and their details everywhere) or a record")
    target = erase_any.add_mutually_exclusive_group(required=True)
    target.add_argument("--person", metavar="ID", help="a person record id")
    target.add_argument("--record", metavar="ID", help="a record id (with --kind)")
    erase_any.add_argument("--kind", default="visit")

    access = commands.add_parser("subject-access",
                                 help="write everything held about a person to a file")
    access.add_argument("--person", required=True, metavar="ID")
    access.add_argument("--out", required=True, type=Path)

    retention = commands.add_parser(
        "retention", help="anonymise people not seen for --days (default two years)")
    retention.add_argument("--days", type=int, default=730)

    from hubdesk.server.council_command import add_user_parsers
    from hubdesk.server.report_command import add_report_parser

    add_report_parser(commands)
    add_user_parsers(commands)
    return parser


def _print_stats(data: dict[str, Any]) -> None:
    print(f"Records: {data['records']} ({data['visits']} visits), "
          f"versions {data['versions']}, missing sequence numbers {data['gaps']}, "
          f"duplicated versions {data['duplicates']}")
    print("By kind: " + ", ".join(f"{k} {v}" for k, v in data["by_kind"].items()))
    for hub in data["hubs"]:
        print(f"Hub {hub['name']} ({hub['district']}): {hub['records']} records, "
              f"{hub['visits']} visits, {hub['devices']} laptops, gaps {hub['gaps']}")
    for device in data["devices"]:
        state = "revoked" if device["revoked"] else "active"
        print(f"  Laptop {device['id']} {device['name']!r} [{state}]: {device['records']} "
              f"records, {device['visits']} visits, up to #{device['high_seq']}, "
              f"gaps {device['gaps']}, conflicts {device['held']['conflict']}, "
              f"rejected {device['held']['rejected']}")
        if not device["audit"]["chain_ok"]:
            print(f"    AUDIT CHAIN BROKEN at link {device['audit']['first_break']} "
                  f"(verified up to {device['audit']['verified_through']})")


def _print_security_log(engine: Engine, limit: int, as_json: bool) -> None:
    from hubdesk.server.security_log import security_events

    for event in security_events(engine, max(1, min(limit, 100_000))):
        if as_json:
            print(json.dumps({"at": event.at.isoformat(), "event": event.event,
                              "device_id": event.device_id, "hub_id": event.hub_id,
                              "address": event.address, "detail": event.detail}))
        else:
            print(f"{event.at:%Y-%m-%d %H:%M:%S} {event.event} device={event.device_id or '-'} "
                  f"hub={event.hub_id or '-'} address={event.address or '-'} {event.detail}")


def _parse_sets(pairs: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise AdminError(f"--set needs FIELD=JSON, got {pair!r}")
        try:
            changes[name] = json.loads(value)
        except ValueError:
            changes[name] = value  # a bare word is taken as a string
    return changes


def serve(engine: Engine, url: str, args: argparse.Namespace) -> int:
    from hubdesk.server.serving import TlsOptions, serve_workers

    tls = TlsOptions(args.certfile, args.keyfile, args.behind_tls_proxy, args.trusted_proxies)
    return serve_workers(engine, url, args.host, args.port, workers=args.workers,
                         pool_size=args.pool_size, log_level=args.log_level,
                         log_format=args.log_format, graceful_timeout=args.graceful_timeout,
                         tls=tls)


def run(args: argparse.Namespace) -> int:
    from hubdesk.server import admin
    from hubdesk.server.bootstrap import open_database
    from hubdesk.server.db import default_db_url

    url = args.db or default_db_url()
    if args.command == "serve":
        if not 1 <= args.workers <= 64:
            raise AdminError("--workers must be between 1 and 64")
        from hubdesk.server.serving import TlsOptions, check_transport_security

        # before the database is opened: a refused start changes nothing
        check_transport_security(args.host, TlsOptions(args.certfile, args.keyfile,
                                                       args.behind_tls_proxy))
    engine = open_database(url, pool_size=getattr(args, "pool_size", None))
    try:
        if args.command == "serve":
            return serve(engine, url, args)
        if args.command == "report":
            from hubdesk.server.report_command import run_report

            return run_report(engine, args)
        from hubdesk.server.council_command import COMMANDS as USER_COMMANDS

        if args.command in USER_COMMANDS:
            from hubdesk.server.council_command import run_user_command

            return run_user_command(engine, args)
        if args.command == "create-hub":
            print(admin.create_hub(engine, args.name, args.district, args.tier))
        elif args.command == "enrol-code":
            if not 1 <= args.days <= 365:
                raise AdminError("--days must be between 1 and 365")
            print(admin.create_enrol_code(engine, args.hub, args.days))
        elif args.command == "stats":
            data = admin.stats(engine)
            if args.json:
                print(json.dumps(data, sort_keys=True))
            else:
                _print_stats(data)
        elif args.command == "revoke-device":
            admin.revoke_device(engine, args.device_id)
            print(f"revoked {args.device_id}")
        elif args.command == "reinstate-device":
            admin.reinstate_device(engine, args.device)
            print(f"reinstated {args.device}; its next sync sends what it kept")
        elif args.command == "recovery-code":
            print(admin.create_recovery_code(engine, args.device))
        elif args.command == "security-log":
            _print_security_log(engine, args.limit, args.json)
        elif args.command == "import-directory":
            imported = admin.import_directory(engine, args.file)
            for note in imported.notes:
                print(f"note: {note}")
            print(f"imported {imported.read} services ({imported.changed} new or changed)")
        elif args.command == "import-batch":
            from hubdesk.server.batchfile import import_batch_file

            receipt = import_batch_file(engine, args.file)
            print(receipt.model_dump_json())
        elif args.command == "add-venue":
            print(admin.add_venue(engine, args.hub, args.name, args.venue_type,
                                  args.postcode_district))
        elif args.command == "add-volunteer":
            print(admin.add_volunteer(engine, args.hub, args.name, args.role))
        elif args.command == "edit-record":
            edit = admin.edit_record(engine, args.kind, args.record_id, _parse_sets(args.set))
            print(f"{edit.kind} {edit.record_id} version {edit.version}")
        elif args.command == "erase":
            if args.person:
                done = admin.erase_person(engine, args.person)
                print(f"erased person {args.person}; {done.scrubbed_records} records made "
                      "anonymous; laptops apply it on their next sync")
            else:
                erased = admin.erase_record(engine, args.kind, args.record)
                print(f"erased {erased} versions of {args.kind} {args.record}")
        elif args.command == "subject-access":
            count = admin.write_subject_access(engine, args.person, args.out)
            print(f"wrote {count} records to {args.out}")
        elif args.command == "retention":
            from datetime import timedelta

            if not 30 <= args.days <= 36500:
                raise AdminError("--days must be between 30 and 36500")
            done_ids = admin.apply_retention(engine, keep=timedelta(days=args.days))
            print(f"anonymised {len(done_ids)} people not seen for {args.days} days")
        elif args.command == "erase-record":
            erased = admin.erase_record(engine, args.kind, args.record_id)
            print(f"erased {erased} versions of {args.kind} {args.record_id}")
        return 0
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return run(args)
    except (AdminError, UserFacingError) as error:
        print(f"hubdesk-server: {error}", file=sys.stderr)
    except ApiError as error:
        print(f"hubdesk-server: {error.message}", file=sys.stderr)
    except (SQLAlchemyError, ValueError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
        print(f"hubdesk-server: database or file error: {reason}", file=sys.stderr)
    except KeyboardInterrupt:
        print("hubdesk-server: interrupted", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
