"""``hubdesk-server create-user | disable-user | reset-password | list-users``: the
council's web-page users (issue 12). A password is read from ``HUBDESK_USER_PASSWORD``
(for scripts) or asked for twice without echo; it is never a command-line argument,
which other users of the machine could read."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import Engine

from hubdesk.server.errors import AdminError

PASSWORD_ENV = "HUBDESK_USER_PASSWORD"
COMMANDS = ("create-user", "disable-user", "reset-password", "list-users")


def add_user_parsers(commands: argparse._SubParsersAction) -> None:
    create = commands.add_parser(
        "create-user", help="a council user of the web page (password from "
                            f"${PASSWORD_ENV} or asked for)")
    create.add_argument("--username", required=True)
    create.add_argument("--hub", action="append", default=[], metavar="HUB",
                        help="a hub (id or name) the user sees; repeat for more")
    create.add_argument("--district", action="append", default=[], metavar="D",
                        help="a district whose hubs the user sees; repeat for more")
    create.add_argument("--county", action="store_true", help="the user sees every hub")
    disable = commands.add_parser("disable-user", help="stop a user signing in (ends sign-ins)")
    disable.add_argument("--username", required=True)
    reset = commands.add_parser("reset-password", help="give a user a new password "
                                                       "(enables them; ends their sign-ins)")
    reset.add_argument("--username", required=True)
    commands.add_parser("list-users", help="the web page's users and what each sees")


def _password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        raise AdminError(f"set {PASSWORD_ENV} or run this in a terminal to type the password")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Type it again: ") != first:
        raise AdminError("the two passwords differ; nothing was changed")
    return first


def run_user_command(engine: Engine, args: argparse.Namespace) -> int:
    from hubdesk.server import council_users

    if args.command == "create-user":
        user_id = council_users.create_user(engine, args.username, _password(), hubs=args.hub,
                                            districts=args.district, county=args.county)
        print(user_id)
    elif args.command == "disable-user":
        council_users.disable_user(engine, args.username)
        print(f"disabled {council_users.normalise_username(args.username)}; "
              "their sign-ins have ended")
    elif args.command == "reset-password":
        council_users.reset_password(engine, args.username, _password())
        print(f"new password set for {council_users.normalise_username(args.username)}")
    else:
        for user in council_users.list_users(engine):
            sees = ("every hub" if user.county else
                    "; ".join([*(f"hub {h}" for h in user.hubs),
                               *(f"district {d}" for d in user.districts)]))
            state = "" if user.active else " [disabled]"
            print(f"{user.username}{state}: {sees}")
    return 0
