"""``/docs`` (Swagger UI) and ``/redoc`` served from the vendored assets under ``/static``: no CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import HTMLResponse

from claimcheck.web.render import static_url


def docs_router(openapi_url: str, title: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def spec_url(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/") + openapi_url

    @router.get("/docs")
    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=spec_url(request),
            title=f"{title} - Swagger UI",
            swagger_js_url=static_url(request, "swagger-ui/swagger-ui-bundle.js"),
            swagger_css_url=static_url(request, "swagger-ui/swagger-ui.css"),
            swagger_favicon_url=static_url(request, "swagger-ui/favicon-32x32.png"),
            swagger_ui_parameters={"validatorUrl": None},  # never call validator.swagger.io
        )

    @router.get("/redoc")
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=spec_url(request),
            title=f"{title} - ReDoc",
            redoc_js_url=static_url(request, "redoc/redoc.standalone.js"),
            redoc_favicon_url=static_url(request, "swagger-ui/favicon-32x32.png"),
            with_google_fonts=False,
        )

    return router
