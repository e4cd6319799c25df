"""``claimcheck users``: the people who sign in to the web workbench (roles: reviewer, admin)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from claimcheck.cli.common import DbOption, make_app, services
from claimcheck.clock import show_time
from claimcheck.errors import InputError

app = make_app("People who sign in to the web workbench (roles: reviewer, admin); see docs/WEB.md.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("--password-stdin: standard input is empty (expected the password on one line)")
        return line.rstrip("\r\n")
    first = typer.prompt("密码 Password", hide_input=True)
    second = typer.prompt("再次输入 Repeat", hide_input=True)
    if first != second:
        raise InputError("两次输入的密码不一致 (the passwords do not match)")
    return first


@app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="The user name (letters, digits, Han characters, . _ - @).")],
    role: Annotated[str, typer.Option("--role", help="reviewer or admin.")] = "reviewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (one line), for scripts.")
    ] = False,
    database_url: DbOption = None,
) -> None:
    """Create a user; the password (at least 10 characters) is asked for twice, hidden, and stored hashed."""
    from claimcheck.service import users as user_service

    svc = services(database_url=database_url)
    user_service.check_name(name)  # before the password prompt: a bad name or role fails at once
    user_service.check_role(role)
    user = user_service.create(svc, name, role, _read_password(password_stdin))
    typer.echo(f"created {user.role} {user.name}")


@app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line (times in UTC ISO 8601).")] = False,
    database_url: DbOption = None,
) -> None:
    """List users: name, role, whether active, when created (local time with offset)."""
    from claimcheck.service import users as user_service

    rows = user_service.list_all(services(database_url=database_url))
    if as_json:
        for row in rows:
            typer.echo(json.dumps({k: _iso(v) for k, v in row.items()}, ensure_ascii=False))
        return
    table = Table(title="审核台用户 users")
    for col in ("用户 name", "角色 role", "状态 active"):
        table.add_column(col)
    for col in ("创建 created", "停用 disabled"):
        table.add_column(col, no_wrap=True)
    for row in rows:
        table.add_row(  # Text, not str: a name is data, never rich markup
            Text(row["name"]),
            row["role"],
            "active" if row["active"] else "disabled",
            show_time(row["created_at"]),
            show_time(row["disabled_at"]),
        )
    Console(highlight=False, soft_wrap=True).print(table)


def _iso(value: object) -> object:
    iso = getattr(value, "isoformat", None)
    return iso() if callable(iso) else value


@app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="The user name.")], database_url: DbOption = None) -> None:
    """Disable a user and sign them out everywhere at once (their name stays in the record)."""
    from claimcheck.service import users as user_service

    was_active, revoked = user_service.disable(services(database_url=database_url), name)
    state = "disabled" if was_active else "was already disabled"
    typer.echo(f"{name} {state}; {revoked} session(s) revoked")
