"""The reviewer workbench: server-rendered pages in Chinese, served by ``claimcheck serve`` under ``/``.

:func:`install` adds to the API's app the vendored assets under ``/static`` (htmx, Swagger UI,
ReDoc: the pages work on an intranet with no internet), the offline ``/docs`` and ``/redoc``,
and the page routers. Pages are out of the OpenAPI schema. Modules: ``auth`` (session cookie,
``current_user``, ``require_admin``), ``csrf``, ``ratelimit`` (failed sign-ins), ``render``
(templates, flash messages), ``routing`` (the page router: CSRF, error pages, security
headers), ``docs``, and one module per page group (``login``, ``queue``, ``products``,
``upload``, ``export``, …). See docs/WEB.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from claimcheck.config import Settings
from claimcheck.web import audit, decisions, export, login, products, queue, screening, upload
from claimcheck.web.docs import docs_router
from claimcheck.web.ratelimit import LoginLimiter

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_ROUTERS = (
    login.router,
    queue.router,
    screening.router,
    audit.router,
    decisions.router,
    products.router,
    upload.router,
    export.router,
)


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the workbench from ``app`` (create the app with ``docs_url=None, redoc_url=None``)."""
    app.state.login_limiter = LoginLimiter(settings.web_login_attempts)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(docs_router(app.openapi_url or "/openapi.json", app.title))
    for router in PAGE_ROUTERS:
        app.include_router(router)


__all__ = ["STATIC_DIR", "install"]
