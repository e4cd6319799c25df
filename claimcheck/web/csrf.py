"""CSRF protection for every state-changing request of the web pages.

The token is derived from a secret the browser holds in an HttpOnly cookie: the session
token once signed in, before that a random pre-session cookie (``cc_csrf``, for the sign-in
form). ``token = HMAC-SHA256(cookie value, "claimcheck-csrf-v1")``: pages put it in each form
(``<input type="hidden" name="csrf_token">``) and on ``<body hx-headers>`` so htmx sends it as
``X-CSRF-Token``; another site can neither read the cookie nor the page, so it cannot forge
it. The token changes at every sign-in. :func:`require_csrf` is a dependency of every web
router (:func:`claimcheck.web.routing.web_router`): POST, PUT, PATCH and DELETE without the
right token are refused with a 403 page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request, Response

from claimcheck.web.auth import SESSION_COOKIE, set_cookie

PRE_SESSION_COOKIE = "cc_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MESSAGE = b"claimcheck-csrf-v1"


class CsrfRefused(Exception):
    """A state-changing request without the right CSRF token (answered with a 403 page)."""


def _derive(secret: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), _MESSAGE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def basis(request: Request) -> str | None:
    """The cookie value the token is derived from (one a page is just setting comes first)."""
    chosen = getattr(request.state, "csrf_basis", None)
    return chosen or request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_SESSION_COOKIE) or None


def csrf_token(request: Request) -> str:
    """The token this request's pages must send back ("" when the browser holds no basis cookie)."""
    secret = basis(request)
    return _derive(secret) if secret else ""


def begin_pre_session(request: Request, *, fresh: bool = False) -> str | None:
    """Choose a signed-out browser's pre-session secret (its cookie's, unless ``fresh``) before a page is
    rendered; returns a new value that :func:`set_pre_session` must put on the response, else None."""
    value = None if fresh else request.cookies.get(PRE_SESSION_COOKIE)
    new = None if value else secrets.token_urlsafe(32)
    request.state.csrf_basis = value or new
    return new


def set_pre_session(request: Request, response: Response, value: str | None) -> None:
    if value:
        set_cookie(request, response, PRE_SESSION_COOKIE, value)


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form field or ``X-CSRF-Token`` header is not this browser's token."""
    if request.method in _SAFE_METHODS:
        return
    presented = request.headers.get(HEADER)
    if not presented and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(FIELD)
        presented = value if isinstance(value, str) else None
    expected = csrf_token(request)
    if not presented or not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise CsrfRefused()
