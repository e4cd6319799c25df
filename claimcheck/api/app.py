"""FastAPI app factory: the Engine and the ledger load once at start-up."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from claimcheck import __version__
from claimcheck.config import Settings

log = logging.getLogger("claimcheck.api")
MAX_BODY_BYTES_DEFAULT = 10 * 1024 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from claimcheck.engine import Engine
        from claimcheck.ledger import Ledger

        app.state.settings = settings
        app.state.engine = Engine.from_settings(settings)
        app.state.engine.screen("预热")  # load spaCy/jieba and the model before the first request
        app.state.ledger = Ledger(settings.database_url)
        yield

    app = FastAPI(
        title="claimcheck",
        version=__version__,
        summary="Compliance screening of live-commerce selling points (直播带货话术合规检查).",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        limit = settings.max_input_bytes + 64 * 1024  # the text limit plus room for JSON and form framing
        if length is not None and length.isdigit() and int(length) > limit:
            return JSONResponse({"error": f"request body larger than {limit} bytes"}, 413)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return JSONResponse(
            {"error": f"{first['field']}: {first['message']}".lstrip(": "), "detail": errors},
            422,
        )

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)  # the trace goes to the log, never to the client
        return JSONResponse({"error": "internal server error"}, 500)

    from starlette.exceptions import HTTPException

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, exc.status_code, headers=getattr(exc, "headers", None))

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> dict:
        return {"status": "ok", "versions": request.app.state.engine.versions}

    from claimcheck.api.routes import ledger_router, products_router, score_router, screen_router

    for router in (score_router, screen_router, products_router, ledger_router):
        app.include_router(router)
    return app
