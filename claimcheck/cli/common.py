"""What every command shares: one error handler, option types, settings and services.

Errors: every :class:`~claimcheck.errors.ClaimcheckError` raised anywhere below a
command is caught once, by :class:`ClaimcheckGroup`, and printed as one line on
standard error (never interpreted as rich markup, so ``[hh:mm:ss]`` in a message
stays as written) with the error's exit code. Two more kinds of failure are a
user's to fix, not a bug, and get the same one line with exit code 2: an
operating-system error on a path (an output folder that does not exist, a
read-only disk) and a database that cannot be used (a damaged or non-SQLite file).

Output: text that comes from input (file names, script text, product names) is
printed as plain text or escaped (:func:`rich.markup.escape`), never parsed as
rich markup, so ``x[/].txt`` is printed as written.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from claimcheck.config import Settings
from claimcheck.errors import EXIT_USAGE, ClaimcheckError, ConfigError, InputError, describe_validation_errors
from claimcheck.service import Services

if TYPE_CHECKING:
    from claimcheck.labels import Labels
    from claimcheck.types import ScreenResult


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def print_error(message: str) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text.assemble(("错误", "bold red"), "：", message))


def print_note(message: str) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text(message))


def describe_os_error(exc: OSError) -> str:
    """``path: reason`` for an operating-system error (the path is the user's own, on their machine)."""
    reason = exc.strerror or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else f"{reason}"


def describe_database_error(exc: BaseException) -> str | None:
    """One line for a database that cannot be used, or None when ``exc`` is not a database error.

    Looks the exception classes up only where they are already imported, so commands that never
    open a database do not import SQLAlchemy for this."""
    sa_exc, sqlite3 = sys.modules.get("sqlalchemy.exc"), sys.modules.get("sqlite3")
    if sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        detail = str(orig if orig is not None else type(exc).__name__)
    elif sqlite3 is not None and isinstance(exc, sqlite3.Error):
        detail = str(exc)
    else:
        return None
    first = (detail.strip().splitlines() or [type(exc).__name__])[0][:200]
    return f"数据库无法使用 (the database cannot be used: {first}); check --db or CLAIMCHECK_DATABASE_URL"


class ClaimcheckGroup(TyperGroup):
    """The top-level command group: turns ClaimcheckError into one line and its exit code.

    OSError (on a path the user named) and database errors become one line and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ClaimcheckError as exc:
            print_error(exc.message)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            print_error(describe_os_error(exc))
            ctx.exit(EXIT_USAGE)
        except Exception as exc:
            message = describe_database_error(exc)
            if message is None:
                raise
            print_error(message)
            ctx.exit(EXIT_USAGE)


def make_app(help: str, **kwargs: Any) -> typer.Typer:
    return typer.Typer(help=help, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, **kwargs)


DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: CLAIMCHECK_DATABASE_URL or ./claimcheck.db).")
]
LexiconOption = Annotated[
    Path | None, typer.Option("--lexicon", help="Lexicon directory (default: the bundled lexicon).")
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table (readable) or json (the finding contract).")
]
TABLE_LIMIT = 50
"""Findings a terminal table lists (``report.terminal.DEFAULT_LIMIT``; not imported from there,
so the table code is loaded only by a command that prints a table)."""
LimitOption = Annotated[
    int,
    typer.Option(
        "--limit",
        min=0,
        help=f"Findings listed in the table (default {TABLE_LIMIT}; 0: all); the HTML and JSON reports hold every one.",
    ),
]
AllOption = Annotated[bool, typer.Option("--all", help="List every finding in the table (as --limit 0).")]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print nothing on standard output (no table, no JSON): the exit code gives the verdict; "
        "reports and the review record are still written, notes still go to standard error.",
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="The input's text encoding (e.g. gb18030, big5). Default: UTF-8, UTF-16 with BOM or GB18030, "
        "and a file that reads as mojibake in all of them is refused.",
    ),
]


def settings(
    lexicon_dir: Path | None = None,
    transformer: Path | None = None,
    no_classifier: bool = False,
    database_url: str | None = None,
) -> Settings:
    """Settings from the environment, with the command's options on top."""
    try:
        s = Settings()
    except ValidationError as exc:
        raise ConfigError(f"settings (CLAIMCHECK_* environment): {describe_validation_errors(exc.errors())}") from None
    update: dict[str, Any] = {}
    if database_url is not None:
        update["database_url"] = database_url
    if lexicon_dir is not None:
        update["lexicon_dir"] = lexicon_dir
    if transformer is not None:
        update["transformer_dir"] = transformer
    if no_classifier:
        update["detectors"] = [d for d in s.detectors if d != "exaggeration"]
    return s.model_copy(update=update)


def services(**options: Any) -> Services:
    return Services(settings(**options))


def parse_date(value: str | None, option: str = "--date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r}: expected YYYY-MM-DD") from None


def emit_json(obj: Any, *, indent: int | None = 2) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=indent, default=str) + "\n")


def print_table(
    result: ScreenResult,
    text: str,
    *,
    source: str,
    labels: Labels,
    limit: int,
    reports: tuple[Path, Path] | None,
    record_seq: int | None,
) -> None:
    """The terminal report of one screening (at most ``limit`` findings a table; 0: all), then where
    its reports went. The table code is imported here, so ``--format json`` and ``--quiet`` never load it."""
    from claimcheck.report.terminal import render

    where = f"报告：{reports[0]}" if reports else ""
    render(
        result,
        text,
        Console(highlight=False),
        source=source,
        labels=labels,
        limit=limit or None,
        full_report=str(reports[0]) if reports else "",
        footer=where + (f" · 台账记录号 {record_seq}" if record_seq else ""),
    )
