"""Rendering pages: Jinja2 templates (autoescaped) with the user, the CSRF token and flash messages.

Every page goes through :func:`render`, which gives the template ``user`` (a
:class:`~claimcheck.service.users.WebUser` or None), ``csrf_token``, ``flashes`` (a list of
``(level, text)`` shown once), ``static(path)`` (the URL of a file under ``/static``) and the
filters ``local_time`` (stored UTC → local time with its offset, :mod:`claimcheck.clock`)
and ``verdict_label``. :func:`flash` leaves a message for the next page the browser opens,
in a cookie signed with the browser's CSRF secret, so another site cannot plant one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import cache
from typing import Any, Literal

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from starlette.responses import HTMLResponse

from claimcheck.clock import show_time
from claimcheck.errors import ClaimcheckError
from claimcheck.labels import default_labels
from claimcheck.types import Verdict
from claimcheck.web.auth import clear_cookie, optional_user, set_cookie
from claimcheck.web.csrf import basis, csrf_token

FLASH_COOKIE = "cc_flash"
Level = Literal["info", "success", "error"]


@cache
def templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("claimcheck.web", "templates"),
        autoescape=True,  # every template: script text and names can never inject markup
        auto_reload=False,
    )
    env.filters["local_time"] = show_time
    env.filters["verdict_label"] = verdict_label
    return Jinja2Templates(env=env)


def verdict_label(value: str | None) -> str:
    try:
        return default_labels().verdicts[Verdict(value or "")]
    except ValueError:
        return value or ""


def static_url(request: Request, path: str) -> str:
    """``/static/<path>`` under the app's root path (a site served below a prefix keeps working)."""
    return f"{request.scope.get('root_path', '').rstrip('/')}/static/{path.lstrip('/')}"


def _mac(request: Request, data: bytes) -> str | None:
    secret = basis(request)
    if not secret:
        return None
    return hmac.new(secret.encode("utf-8"), b"flash:" + data, hashlib.sha256).hexdigest()


def flash(request: Request, response: Response, text: str, level: Level = "info") -> None:
    """Show ``text`` once on the next page this browser renders (set on a redirect response)."""
    messages = [*getattr(request.state, "flash_out", []), [level, text[:500]]][-5:]
    request.state.flash_out = messages
    data = base64.urlsafe_b64encode(json.dumps(messages, ensure_ascii=False).encode("utf-8"))
    mac = _mac(request, data)
    if mac is not None:
        set_cookie(request, response, FLASH_COOKIE, f"{data.decode('ascii')}.{mac}")


def _take_flashes(request: Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE, "")
    data, _, mac = raw.partition(".")
    expected = _mac(request, data.encode("ascii", "replace"))
    if not data or expected is None or not hmac.compare_digest(mac, expected):
        return []
    try:
        messages = json.loads(base64.urlsafe_b64decode(data.encode("ascii")))
    except (ValueError, binascii.Error):
        return []
    return [(str(m[0]), str(m[1])) for m in messages if isinstance(m, list) and len(m) == 2]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """``template`` rendered for this request, with the user, CSRF token, flashes and helpers."""
    flashes = _take_flashes(request)
    page = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "flashes": flashes,
        "static": lambda path: static_url(request, path),
        **(context or {}),
    }
    response = templates().TemplateResponse(request, template, page, status_code=status_code, headers=headers)
    if FLASH_COOKIE in request.cookies:
        clear_cookie(request, response, FLASH_COOKIE)
    return response


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    """A page saying what went wrong, in Chinese (403, 404, 422, 429, …), with the header of who is signed in."""
    try:
        optional_user(request)  # an error raised before current_user ran still shows the user
    except ClaimcheckError:  # the database itself may be what failed
        request.state.user = None
    return render(request, "error.html.j2", {"title": title, "message": message}, status_code=status_code)
