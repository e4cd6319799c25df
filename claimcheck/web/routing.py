"""Routers for the web pages: out of the OpenAPI schema, CSRF-checked, errors answered as pages.

Every page module makes its router with :func:`web_router`. Its routes

- are left out of ``/openapi.json`` (the API's contract stays the API's),
- check the CSRF token on every state-changing request (:func:`claimcheck.web.csrf.require_csrf`),
- answer a missing sign-in with a redirect to ``/login?next=…`` (htmx requests: ``HX-Redirect``),
  a reviewer on an admin page, a refused CSRF token, bad form fields and any
  :class:`~claimcheck.errors.ClaimcheckError` with a page in Chinese instead of the API's JSON,
- send security headers (no framing, no sniffing, same-origin referrers, scripts only from
  this site, and ``Cache-Control: no-store`` so a signed-out browser shows no cached page).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from claimcheck.errors import ClaimcheckError, ConfigError, UnavailableError
from claimcheck.web.auth import AdminRequired, LoginRequired, login_url
from claimcheck.web.csrf import CsrfRefused, require_csrf
from claimcheck.web.render import error_page

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _login_redirect(request: Request, exc: LoginRequired) -> Response:
    target = login_url(exc.next_url)
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def page_for_error(request: Request, exc: Exception) -> Response | None:
    """The page that answers ``exc`` on a web route, or None to let it propagate."""
    if isinstance(exc, LoginRequired):
        return _login_redirect(request, exc)
    if isinstance(exc, AdminRequired):
        return error_page(request, 403, "没有权限", "此页面仅限管理员使用。")
    if isinstance(exc, CsrfRefused):
        return error_page(
            request, 403, "请求被拒绝", "表单已过期或来源不明（CSRF 校验失败）。请返回上一页，刷新后重试。"
        )
    if isinstance(exc, RequestValidationError):
        return error_page(request, 422, "输入有误", "提交的表单内容不完整或格式不正确，请检查后重试。")
    if isinstance(exc, UnavailableError | ConfigError):
        return error_page(
            request, exc.http_status, "服务暂时不可用", "服务暂时无法完成此操作，请稍后重试或联系管理员。"
        )
    if isinstance(exc, ClaimcheckError):
        return error_page(request, exc.http_status, "无法完成操作", exc.message)
    return None


class WebRoute(APIRoute):
    """An APIRoute whose errors become pages and whose answers carry the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as exc:
                answer = page_for_error(request, exc)
                if answer is None:
                    raise
                response = answer
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return page


def web_router(**kwargs: Any) -> APIRouter:
    """An APIRouter for pages: WebRoute, out of the schema, CSRF on every state-changing request."""
    dependencies = [Depends(require_csrf), *kwargs.pop("dependencies", [])]
    return APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=dependencies, **kwargs)
