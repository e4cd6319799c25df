"""One error model for every answer that is not a success: ``{"error", "code", "detail"?}``.

Every :class:`~claimcheck.errors.ClaimcheckError` becomes its own HTTP status and
code; request validation errors become 422 with a ``detail`` per field; Starlette's
own errors (unknown path, wrong method, a body too large) get the same shape and a
stable code; anything else is logged and answered 500 without a trace. Messages
never carry a server path: known server directories are cut down to the file name.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from claimcheck.config import Settings
from claimcheck.errors import ClaimcheckError, describe_validation_errors, validation_details

log = logging.getLogger("claimcheck.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@lru_cache(maxsize=8)
def _server_dirs(extra: tuple[str, ...]) -> re.Pattern[str]:
    roots = {tempfile.gettempdir(), os.getcwd(), os.path.expanduser("~"), sys.prefix, *extra}
    roots = {r.rstrip("/") for r in roots if len(r.rstrip("/")) > 1}
    alternatives = "|".join(re.escape(r) for r in sorted(roots, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})/(?:[^\s'\"]*/)?([^\s'\"/]*)")


def scrub(message: str, settings: Settings | None = None) -> str:
    """``message`` with paths under server directories (temp, working, home, install, configured) cut to their
    last part: users may see a file's name, never where the server keeps it."""
    extra: tuple[str, ...] = ()
    if settings is not None:
        dirs = (settings.lexicon_dir, settings.report_dir, settings.model_dir, settings.spec_tables_dir)
        extra = tuple(str(Path(d).resolve()) for d in dirs)
    return _server_dirs(extra).sub(lambda m: m.group(1) or "…", message)


def error_body(message: str, code: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status, headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method some route serves on this path (Starlette's own 405 names only the first route's).

    Probed through ``matches`` rather than read from the routes, so routers that FastAPI
    keeps nested (or flattens) answer alike."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    return ", ".join(allowed)


def install_error_handlers(app: FastAPI, settings: Settings) -> None:
    @app.exception_handler(ClaimcheckError)
    async def claimcheck_error(_request: Request, exc: ClaimcheckError) -> JSONResponse:
        return error_body(scrub(exc.message, settings), exc.code, exc.http_status, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message = scrub(describe_validation_errors(errors, skip=("body",)), settings)
        details = [{**d, "message": scrub(d["message"], settings)} for d in validation_details(errors, skip=("body",))]
        return JSONResponse({"error": message, "code": "invalid_input", "detail": details}, 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return error_body(scrub(str(exc.detail), settings), code, exc.status_code, headers or None)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)  # the trace goes to the log, never to the client
        return error_body("internal server error", "internal", 500)
