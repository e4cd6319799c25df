"""FastAPI app factory: the services (engine, ledger, stores) load once at start-up.

One handler per error kind: every :class:`~claimcheck.errors.ClaimcheckError`
becomes its HTTP status with ``{"error": message, "code": code}``; request
validation errors become 422 with the same shape plus ``detail``; anything else
is logged and answered 500 without a trace.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from claimcheck import __version__
from claimcheck.config import Settings
from claimcheck.errors import ClaimcheckError, describe_validation_errors, validation_details
from claimcheck.service import Services

log = logging.getLogger("claimcheck.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from claimcheck.store.migrate import ensure_schema

        services = Services(settings)
        ensure_schema(settings.database_url)  # once, before serving; never per request
        services.engine.screen("预热")  # load the segmenter and the model before the first request
        app.state.services = services
        yield

    app = FastAPI(
        title="claimcheck",
        version=__version__,
        summary="Compliance screening of live-commerce selling points (直播带货话术合规检查).",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        limit = settings.max_input_bytes + 64 * 1024  # the text limit plus room for JSON and form framing
        if length is not None and length.isdigit() and int(length) > limit:
            return JSONResponse({"error": f"request body larger than {limit} bytes", "code": "too_large"}, 413)
        return await call_next(request)

    @app.exception_handler(ClaimcheckError)
    async def claimcheck_error(_request: Request, exc: ClaimcheckError) -> JSONResponse:
        return JSONResponse({"error": exc.message, "code": exc.code}, exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        return JSONResponse(
            {
                "error": describe_validation_errors(errors, skip=("body",)),
                "code": "invalid_input",
                "detail": validation_details(errors, skip=("body",)),
            },
            422,
        )

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        return JSONResponse({"error": exc.detail, "code": "http"}, exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)  # the trace goes to the log, never to the client
        return JSONResponse({"error": "internal server error", "code": "internal"}, 500)

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> dict:
        return {"status": "ok", "versions": request.app.state.services.engine.versions}

    from claimcheck.api.routes import ledger, products, score, screening

    for module in (score, screening, products, ledger):
        app.include_router(module.router)
    return app
