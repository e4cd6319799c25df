"""FastAPI app factory: the services (engine, ledger, stores) load once at start-up.

Each worker process (``claimcheck serve --workers N``) runs the lifespan once: it builds
the engine, screens a warm-up text that reaches every detector (so the segmenter, the
pattern matcher and the models are loaded before the first request, not during it) and
starts the bounded screening pool (:func:`~claimcheck.api.deps.run_screening`).

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
from claimcheck.api.deps import require_read_key, screening_pool
from claimcheck.api.errors import install_error_handlers
from claimcheck.api.limits import BodyLimit
from claimcheck.api.schemas import error_responses
from claimcheck.config import Settings
from claimcheck.service import Services

#: Screened once per worker at start-up: it has lexicon terms, pattern-rule sentences and claim units,
#: so every detector loads what it loads lazily (segmenter, spaCy matcher, classifier and gate).
WARM_UP_TEXT = (
    "家人们，这款面霜是全网最好的，只要坚持用三个月一定有效果，吸收率是普通面霜的三倍，"
    "别家都是化工合成的。原价999，今天只要99元！"
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from claimcheck.store.migrate import ensure_schema

        services = Services(settings)
        ensure_schema(settings.database_url)  # once, before serving; never per request
        services.engine.screen(WARM_UP_TEXT)  # load every lazy part of the engine before the first request
        app.state.services = services
        app.state.screening_pool = pool = screening_pool(settings)
        try:
            yield
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    app = FastAPI(
        title="claimcheck",
        version=__version__,
        summary="Compliance screening of live-commerce selling points (直播带货话术合规检查).",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are served from vendored assets by claimcheck.web.install
        redoc_url=None,
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
    async def healthz(request: Request) -> dict:
        return {"status": "ok", "versions": request.app.state.services.engine.versions}

    from claimcheck.api.routes import ledger, live, products, score, screening

    protected = settings.require_read_key
    for module in (score, screening, products, ledger, live):
        read_router = getattr(module, "read_router", None)
        if read_router is not None:  # the routes that show supplier records or reviewers' names
            app.include_router(
                read_router,
                dependencies=[Security(require_read_key)] if protected else None,
                responses=error_responses(401, 403) if protected else None,
            )
        app.include_router(module.router)

    from claimcheck.web import install as install_web

    install_web(app, settings)  # the reviewer workbench, /static, offline /docs and /redoc (docs/WEB.md)
    return app
