"""Command line: ``hubdesk [--data-dir DIR] [COMMAND]`` (DESIGN.md section 5).

Exit codes: 0 success, 1 failure with a one-line reason on stderr, 2 bad usage.
``--json`` output is one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hubdesk import __version__

if TYPE_CHECKING:
    from datetime import date

# json, getpass and datetime are imported where used: the app's start (no command) needs
# none of them before its PIN screen (issue 8)

PIN_ENV = "HUBDESK_PIN"
REPORT_COMMANDS = ("report", "export", "export-visits")
DEFAULT_VOLUNTEER = "Coordinator"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hubdesk",
        description="HubDesk: record hub visits offline and sync them when online.",
    )
    parser.add_argument("--version", action="version", version=f"hubdesk {__version__}")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="data folder (default: your profile's HubDesk folder; "
                             "HUBDESK_DATA_DIR also sets it)")
    parser.add_argument("--volunteer", metavar="NAME",
                        help=f"who is using the command (PIN from ${PIN_ENV}, or asked)")
    parser.add_argument("--no-err-windows", action="store_true",
                        help="report errors in the log instead of dialog boxes")
    parser.add_argument("--smoke", action="store_true",
                        help="self-test in a temporary data folder, then exit")
    parser.add_argument("--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="fill the local database with realistic synthetic hub data")
    demo.add_argument("--visits", type=int, required=True, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.add_argument("--days", type=int, default=30, metavar="D")

    enrol = commands.add_parser("enrol", help="connect this laptop to the hub's server")
    enrol.add_argument("--server", required=True, metavar="URL")
    enrol.add_argument("--code", required=True, metavar="CODE")

    sync = commands.add_parser("sync", help="send and receive until nothing is left to send")
    sync.add_argument("--json", action="store_true", help="print one JSON object")

    batch = commands.add_parser(
        "export-batch",
        help="save what is waiting to send as a signed file (when the venue's Wi-Fi blocks sync)")
    batch.add_argument("--out", metavar="FILE", help="where to save it (default: the exports folder)")

    recover = commands.add_parser(
        "recover", help="every PIN forgotten: open this laptop with a recovery code from the "
                        "council; --volunteer names the coordinator, who gets the new PIN "
                        f"from ${PIN_ENV} (or asked)")
    recover.add_argument("--code", required=True, metavar="CODE")

    status = commands.add_parser("status", help="counts: visits, unsent, needs attention, last sync")
    status.add_argument("--json", action="store_true", help="print one JSON object")

    report = commands.add_parser("report", help="the hub's impact figures for a date range")
    _period_arguments(report)
    report.add_argument("--json", action="store_true", help="print one JSON object")

    export = commands.add_parser("export", help="save the impact report as CSV, XLSX or PDF")
    _period_arguments(export)
    export.add_argument("--format", required=True, choices=["csv", "xlsx", "pdf"])
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--exact", action="store_true",
                        help="show counts under 5 exactly (only for the hub's own use)")

    visits = commands.add_parser("export-visits",
                                 help="one anonymous row per visit (the data behind the report)")
    _period_arguments(visits)
    visits.add_argument("--out", required=True, metavar="FILE.csv")
    return parser


def _period_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--from", dest="date_from", required=True, type=_iso_date, metavar="D")
    command.add_argument("--to", dest="date_to", required=True, type=_iso_date, metavar="D")


def _iso_date(text: str) -> date:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HUBDESK_T0", repr(time.time()))
    args = build_parser().parse_args(argv)
    if args.smoke:
        from hubdesk.smoke import run_smoke

        return run_smoke()

    from hubdesk.core.errors import UserFacingError
    from hubdesk.core.logging_setup import configure_logging
    from hubdesk.core.paths import resolve_paths

    paths = resolve_paths(args.data_dir)
    try:
        paths.ensure()
        log_file = configure_logging(paths.logs, verbose=args.verbose)
    except OSError as error:
        message = data_folder_problem(paths.data_dir, error)
        print(f"hubdesk: {message}", file=sys.stderr)
        if args.command is None and not args.no_err_windows:
            from hubdesk.ui.app import show_startup_failure

            show_startup_failure(message)
        return 1
    if args.command is None:
        from hubdesk.ui.app import run_gui
        from hubdesk.ui.launch import LaunchOptions

        return run_gui(paths, LaunchOptions(
            no_err_windows=args.no_err_windows,
            exit_after_shown=os.environ.get("HUBDESK_EXIT_AFTER_SHOWN") == "1",
            volunteer=args.volunteer,
            log_file=log_file,
        ))
    try:
        return _run_command(args, paths)
    except UserFacingError as error:
        print(f"hubdesk: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hubdesk: stopped", file=sys.stderr)
        return 1


def data_folder_problem(data_dir: Path, error: OSError) -> str:
    """One plain line for a data folder that cannot be used (classified by errno)."""
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"The data folder {data_dir} is read-only, so nothing can be saved. "
                "Ask IT to let this user write to it.")
    return f"Cannot use the data folder {data_dir}: {error.strerror or error}."


def _run_command(args: argparse.Namespace, paths: object) -> int:
    """Every command opens the encrypted store as a volunteer (``--volunteer`` and
    ``HUBDESK_PIN`` or a prompt): nothing is read or sent without a PIN."""
    from hubdesk.core.paths import AppPaths

    assert isinstance(paths, AppPaths)
    if args.command == "demo":
        from hubdesk.services.demo import demo_is_sensible

        problem = demo_is_sensible(args.visits, args.days)
        if problem:
            print(f"hubdesk: {problem}", file=sys.stderr)
            return 2
    if args.command in REPORT_COMMANDS and args.date_to < args.date_from:
        print("hubdesk: --to is before --from", file=sys.stderr)
        return 2
    if args.command == "recover":
        from hubdesk.sync.recovery import recover_laptop

        opened = recover_laptop(paths, args.code, args.volunteer or DEFAULT_VOLUNTEER, _read_pin())
        opened.store.close()
        print(f"Recovered. {opened.actor.display_name} can now unlock HubDesk with the new PIN.")
        return 0
    store, actor = _open_as_volunteer(args, paths)
    try:
        if args.command == "status":
            return _status(store, args.json)
        if args.command == "demo":
            return _demo(store, actor, args)
        if args.command == "enrol":
            from hubdesk.sync.commands import enrol_command

            return enrol_command(store, paths, args.server, args.code)
        if args.command == "sync":
            from hubdesk.sync.commands import sync_command

            return sync_command(store, paths, args.json)
        if args.command in REPORT_COMMANDS:
            from hubdesk.cli_reports import run_report_command

            return run_report_command(store, args, actor)
        if args.command == "export-batch":
            from hubdesk.sync.batchfile import export_batch_command

            return export_batch_command(store, paths, Path(args.out) if args.out else None,
                                        actor=actor)
        raise AssertionError(args.command)
    finally:
        store.close()


def _read_pin() -> str:
    pin = os.environ.get(PIN_ENV)
    if pin:
        return pin
    if not sys.stdin or not sys.stdin.isatty():
        from hubdesk.core.errors import UserFacingError

        raise UserFacingError(f"A PIN is needed: set {PIN_ENV} or run this in a terminal.")
    import getpass

    return getpass.getpass("PIN: ")


def _open_as_volunteer(args: argparse.Namespace, paths: object):  # type: ignore[no-untyped-def]
    """(store, actor): unlock the laptop; on a new data folder ``enrol`` and ``demo``
    create the first coordinator (DESIGN §5), every other command refuses."""
    from hubdesk.core.errors import UserFacingError
    from hubdesk.core.paths import AppPaths
    from hubdesk.services import laptop, setup, volunteers

    assert isinstance(paths, AppPaths)
    name = args.volunteer or DEFAULT_VOLUNTEER
    state = laptop.laptop_state(paths)
    if state is laptop.LaptopState.UNREADABLE:
        raise laptop.unreadable()
    if state is laptop.LaptopState.NEW:
        if args.command not in ("enrol", "demo"):
            raise UserFacingError("HubDesk is not set up on this laptop yet.",
                                  hint="Run enrol (or start the app) first.")
        pin = _read_pin()
        from hubdesk.core.pins import check_pin_format

        check_pin_format(pin)
        store = laptop.open_new_laptop(paths)
        try:
            with store.unit_of_work() as db:
                setup.ensure_first_coordinator(db, name, pin)
            with store.unit_of_work() as db:
                actor = volunteers.unlock(db, name, pin)
        except BaseException:
            store.close()
            raise
        return store, actor
    opened = laptop.unlock_laptop(paths, name, _read_pin())
    return opened.store, opened.actor


def _status(store: object, as_json: bool) -> int:
    from hubdesk.services.status import status_counts
    from hubdesk.store.engine import Store
    from hubdesk.sync.status import sync_status
    from hubdesk.sync.status_text import status_line

    assert isinstance(store, Store)
    with store.unit_of_work() as db:
        counts = status_counts(db)
        words = status_line(sync_status(db))  # the status bar's words
    if as_json:
        import json

        print(json.dumps(counts.to_json()))
    else:
        last = counts.last_sync.strftime("%Y-%m-%d %H:%M UTC") if counts.last_sync else "never"
        print(f"{words}\nVisits: {counts.visits}\nWaiting to send: {counts.unsent}\n"
              f"Need attention: {counts.needs_attention}\nLast sync: {last}\n"
              f"Server: {counts.server_url or 'not enrolled'}")
    return 0


def _demo(store: object, actor: object, args: argparse.Namespace) -> int:
    from hubdesk.services.common import Actor
    from hubdesk.services.demo import generate_demo
    from hubdesk.store.engine import Store

    assert isinstance(store, Store)
    started = time.perf_counter()
    last_report = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if sys.stderr and sys.stderr.isatty() and now - last_report[0] > 0.5:
            last_report[0] = now
            print(f"\r{done:,} of {total:,} visits", end="", file=sys.stderr)

    with store.unit_of_work() as db:
        assert isinstance(actor, Actor)
        result = generate_demo(db, actor, visits=args.visits, seed=args.seed, days=args.days,
                               progress=progress)
    store.refresh_statistics()  # a bulk fill: the planner needs to know the new sizes
    if sys.stderr and sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"Made {result.visits:,} demo visits in {result.sessions:,} sessions over "
          f"{result.days} days ({result.records:,} records) in {time.perf_counter() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
