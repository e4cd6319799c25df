"""One error hierarchy for every front end.

Each error carries the exit code the command line uses and the HTTP status the
API answers with, so the CLI and the API each have one handler and never decide
per call site. Messages are for users: one line, no stack trace, no server paths.

Exit codes: 0 nothing blocks, 1 a blocking finding exists, 2 bad input, usage or
configuration (including a database that cannot be reached), 3 an integrity
problem (a damaged review record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

EXIT_OK, EXIT_BLOCK, EXIT_USAGE, EXIT_INTEGRITY = 0, 1, 2, 3


class ClaimcheckError(Exception):
    """Base of every error a user can cause or must act on."""

    exit_code: int = EXIT_USAGE
    http_status: int = 400
    code: str = "bad_request"

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class InputError(ClaimcheckError, ValueError):
    """The input cannot be read or processed as given (a file, a field, an option)."""

    http_status = 422
    code = "invalid_input"


class NotFoundError(ClaimcheckError, LookupError):
    """Something named in the request does not exist (a SKU, a ledger entry, a key)."""

    http_status = 404
    code = "not_found"


class ConflictError(ClaimcheckError):
    """The request contradicts the current state (e.g. a decision that supersedes nothing)."""

    http_status = 409
    code = "conflict"


class IntegrityError(ClaimcheckError):
    """Stored data failed a check: a damaged or rewritten review record."""

    exit_code = EXIT_INTEGRITY
    http_status = 409
    code = "integrity"


class UnavailableError(ClaimcheckError):
    """The service cannot work right now: the database cannot be reached or used."""

    http_status = 503
    code = "unavailable"


class ConfigError(ClaimcheckError, ValueError):
    """Configuration data (lexicon, model folder, spec tables, settings) is missing or invalid."""

    http_status = 500
    code = "configuration"


def describe_validation_errors(errors: Iterable[Mapping[str, Any]], *, skip: tuple[str, ...] = ()) -> str:
    """One line for pydantic's error list: ``field.path: message`` of the first error.

    The single formatter of validation errors, used by the lexicon, corpus, model
    metadata and product loaders and by the API.
    """
    items = list(errors)
    if not items:
        return "invalid value"
    first = items[0]
    loc = ".".join(str(p) for p in first.get("loc", ()) if str(p) not in skip)
    msg = str(first.get("msg", "invalid value"))
    more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
    return f"{loc}: {msg}{more}" if loc else f"{msg}{more}"


def validation_details(errors: Iterable[Mapping[str, Any]], *, skip: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Every validation error as ``{"field", "message"}`` (the API's error detail)."""
    return [
        {"field": ".".join(str(p) for p in e.get("loc", ()) if str(p) not in skip), "message": str(e.get("msg", ""))}
        for e in errors
    ]
