"""``/login`` and ``/logout``: signing in with a name and password, and signing out.

Sign-in is rate-limited per user name and per client address (:mod:`claimcheck.web.ratelimit`);
a wrong name, a wrong password and a disabled user get the same answer. Success starts a new
session (never one the browser brought along) and redirects to ``next`` when it is a path on
this site. Both forms carry a CSRF token: before sign-in it is derived from a pre-session cookie.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from claimcheck.service import users as user_service
from claimcheck.web.auth import (
    SESSION_COOKIE,
    clear_cookie,
    end_session,
    optional_user,
    safe_next,
    services_of,
    start_session,
)
from claimcheck.web.csrf import PRE_SESSION_COOKIE, begin_pre_session, set_pre_session
from claimcheck.web.ratelimit import LoginLimiter, login_keys
from claimcheck.web.render import render
from claimcheck.web.routing import web_router

router = web_router()

WRONG = "用户名或密码错误，或账号已停用。"


def _login_page(
    request: Request, next_url: str, *, name: str = "", error: str = "", notice: str = "", status_code: int = 200
) -> Response:
    new_secret = begin_pre_session(request)
    context = {"next": safe_next(next_url), "name": name, "error": error, "notice": notice}
    response = render(request, "login.html.j2", context, status_code=status_code)
    set_pre_session(request, response, new_secret)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/", signed_out: bool = False) -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    response = _login_page(request, next, notice="您已退出登录。" if signed_out else "")
    if SESSION_COOKIE in request.cookies:  # expired or revoked: drop it, so the form's token is the pre-session one
        clear_cookie(request, response, SESSION_COOKIE)
    return response


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=4000)] = "/",
) -> Response:
    limiter: LoginLimiter = request.app.state.login_limiter
    keys = login_keys(name, request.client.host if request.client else None)
    wait = limiter.retry_after(keys)
    if wait is not None:
        minutes = max(1, (wait + 59) // 60)
        response = _login_page(
            request, next, name=name, error=f"登录失败次数过多，请约 {minutes} 分钟后再试。", status_code=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = user_service.authenticate(services_of(request), name, password)
    if user is None:
        limiter.failed(keys)
        return _login_page(request, next, name=name, error=WRONG, status_code=401)
    limiter.succeeded(keys[0])
    response = RedirectResponse(safe_next(next), status_code=303)
    start_session(request, response, user)
    clear_cookie(request, response, PRE_SESSION_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    end_session(request, response)
    return response
