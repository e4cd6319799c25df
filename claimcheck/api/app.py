"""FastAPI app factory: the services (engine, ledger, stores) load once at start-up.

Errors are answered in one model (see :mod:`claimcheck.api.errors`); request
bodies are limited while they arrive (:mod:`claimcheck.api.limits`); read routes
that show supplier records or reviewers' names need a key with the ``read`` scope
unless ``require_read_key`` is off; CORS is on only for ``cors_origins``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Security
from fastapi.middleware.cors import CORSMiddleware

from claimcheck import __version__
from claimcheck.api.deps import require_read_key
from claimcheck.api.errors import install_error_handlers
from claimcheck.api.limits import BodyLimit
from claimcheck.api.schemas import error_responses
from claimcheck.config import Settings
from claimcheck.service import Services


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
    install_error_handlers(app, settings)
    app.add_middleware(BodyLimit, limit=settings.body_limit)
    if settings.cors_origins:  # added last, so it is outermost and answers preflights itself
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
            expose_headers=["X-Total-Count", "Link"],
            max_age=600,
        )

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> dict:
        return {"status": "ok", "versions": request.app.state.services.engine.versions}

    from claimcheck.api.routes import ledger, products, score, screening

    protected = settings.require_read_key
    for module in (score, screening, products, ledger):
        read_router = getattr(module, "read_router", None)
        if read_router is not None:  # the routes that show supplier records or reviewers' names
            app.include_router(
                read_router,
                dependencies=[Security(require_read_key)] if protected else None,
                responses=error_responses(401, 403) if protected else None,
            )
        app.include_router(module.router)
    return app
