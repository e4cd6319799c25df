"""Who is signed in: the session cookie, ``current_user`` and ``require_admin`` for every page.

The cookie (``cc_session``) holds a random session token; the database holds its hash
(:mod:`claimcheck.service.users`), so signing out or disabling a user revokes it at once.
The cookie is HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS (or
``web_secure_cookies`` is true). A page that needs a user and gets none answers a redirect
to ``/login?next=<this page>``; ``next`` is only ever a path on this site.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response

from claimcheck.config import Settings
from claimcheck.service import Services
from claimcheck.service import users as user_service
from claimcheck.service.users import WebUser

SESSION_COOKIE = "cc_session"
_UNSAFE_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


class LoginRequired(Exception):
    """No valid session: the page answers a redirect to the sign-in page (htmx: ``HX-Redirect``)."""

    def __init__(self, next_url: str = "/") -> None:
        super().__init__(next_url)
        self.next_url = next_url


class AdminRequired(Exception):
    """A signed-in reviewer asked for an admin page: 403."""


def services_of(request: Request) -> Services:
    return request.app.state.services


def settings_of(request: Request) -> Settings:
    return services_of(request).settings


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site (``/…``, not ``//host`` or ``/\\host``), else ``/``."""
    if not value or not value.startswith("/") or value.startswith("//") or _UNSAFE_NEXT.search(value):
        return "/"
    return value[:2000]


def login_url(next_url: str) -> str:
    target = safe_next(next_url)
    return "/login" if target == "/" else f"/login?next={quote(target, safe='/')}"


def secure_cookies(request: Request) -> bool:
    """Whether cookies set on this request are Secure: ``web_secure_cookies`` true, or "auto" over HTTPS."""
    setting = settings_of(request).web_secure_cookies
    return setting is True or (setting == "auto" and request.url.scheme == "https")


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def start_session(request: Request, response: Response, user: WebUser) -> None:
    """Sign ``user`` in on this browser: a new session (never one the browser brought along)."""
    services = services_of(request)
    token = user_service.start_session(services, user)
    hours = services.settings.web_session_hours
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(hours * 3600))


def end_session(request: Request, response: Response) -> None:
    user_service.end_session(services_of(request), session_token(request))
    clear_cookie(request, response, SESSION_COOKIE)


def optional_user(request: Request) -> WebUser | None:
    """The signed-in user, or None; remembered on ``request.state.user`` for the templates."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = user_service.session_user(services_of(request), session_token(request))
    request.state.user = user
    return user


def current_user(request: Request) -> WebUser:
    """The signed-in user; LoginRequired (a redirect to /login?next=…) when there is none."""
    user = optional_user(request)
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(here if request.method == "GET" else "/")
    return user


def require_admin(user: Annotated[WebUser, Depends(current_user)]) -> WebUser:
    """The signed-in user when an admin; AdminRequired (403 page) for a reviewer."""
    if not user.is_admin:
        raise AdminRequired()
    return user


CurrentUser = Annotated[WebUser, Depends(current_user)]
AdminUser = Annotated[WebUser, Depends(require_admin)]
