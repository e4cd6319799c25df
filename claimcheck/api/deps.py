"""Dependencies: the shared services and engine, the screening pool, and the API-key checks.

Screening is CPU work. The routes that screen are coroutines and hand the work to
:func:`run_screening`, which runs it on the worker's bounded thread pool
(``Settings.api_threads``, one thread per CPU core by default): the event loop keeps
reading and answering requests while the pool is busy, and requests beyond the pool's
size wait in the loop instead of each holding a thread that competes for the GIL.

The key is read through FastAPI's security classes so the OpenAPI document
declares both ways of presenting it (``X-API-Key`` or ``Authorization: Bearer``);
each route then needs the scope that fits it: ``write`` to record or import,
``read`` to see supplier records and the review record (when reads are protected).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, ClassVar, ParamSpec, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from claimcheck.config import Settings
from claimcheck.engine import Engine
from claimcheck.errors import ClaimcheckError, NotFoundError
from claimcheck.lexicons import LexiconError
from claimcheck.service import Services
from claimcheck.service import keys as key_service

api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="An API key from `claimcheck keys create` (scopes: read, write).",
    auto_error=False,
)
bearer_key = HTTPBearer(
    scheme_name="BearerKey", description="The same API key as `Authorization: Bearer <key>`.", auto_error=False
)


class Unauthorized(ClaimcheckError):
    """No key, or one that is invalid or revoked."""

    http_status = 401
    code = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="claimcheck"'}


class Forbidden(ClaimcheckError):
    """A valid key without the scope the route needs."""

    http_status = 403
    code = "forbidden"


class UnknownCategory(NotFoundError):
    """A product category the lexicon does not know: like an unknown SKU, a named thing that does not exist."""


def resolve_category(engine: Engine, value: str | None) -> str | None:
    """The category id for an id, Chinese name or alias; 404 for one the lexicon does not know (not a 500)."""
    try:
        return engine.lexicon.resolve_product_category(value)
    except LexiconError as exc:
        raise UnknownCategory(str(exc)) from None


P = ParamSpec("P")
T = TypeVar("T")


def screening_threads(settings: Settings) -> int:
    """Threads of a worker's screening pool: ``api_threads``, or one per CPU core."""
    return settings.api_threads or os.cpu_count() or 1


def screening_pool(settings: Settings) -> ThreadPoolExecutor:
    """The bounded pool one worker runs screenings on (held in ``app.state.screening_pool``)."""
    return ThreadPoolExecutor(max_workers=screening_threads(settings), thread_name_prefix="claimcheck-screen")


async def run_screening(request: HTTPConnection, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` on the app's screening pool, awaited without blocking the event loop."""
    pool: ThreadPoolExecutor = request.app.state.screening_pool
    call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)


# Coroutines, so that FastAPI resolves them on the event loop rather than sending each
# through its thread pool (a thread hop per request for an attribute lookup).
async def get_services(request: Request) -> Services:
    return request.app.state.services


async def get_engine(request: Request) -> Engine:
    return request.app.state.services.engine


def key_name(connection: HTTPConnection, scope: str, presented: str | None) -> str:
    """The name of the key ``presented`` on a request or WebSocket, which must hold ``scope``."""
    return _key_name(connection, scope, presented, None)


def _key_name(
    request: HTTPConnection, scope: str, header: str | None, bearer: HTTPAuthorizationCredentials | None
) -> str:
    presented = header or (bearer.credentials.strip() if bearer is not None else None)
    if not presented:
        raise Unauthorized("missing API key (X-API-Key header or Authorization: Bearer)")
    identity = key_service.identify(request.app.state.services, presented)
    if identity is None:
        raise Unauthorized("invalid or revoked API key")
    if scope not in identity.scopes:
        raise Forbidden(f"this API key lacks the {scope!r} scope (claimcheck keys create --scope {scope})")
    return identity.name


def require_api_key(
    request: Request,
    header: Annotated[str | None, Security(api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_key)] = None,
) -> str:
    """Write routes: a valid key with the ``write`` scope; returns the key's name."""
    return _key_name(request, "write", header, bearer)


def require_read_key(
    request: Request,
    header: Annotated[str | None, Security(api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_key)] = None,
) -> str:
    """Read routes that show personal or supplier data: a valid key with the ``read`` scope."""
    return _key_name(request, "read", header, bearer)


ServicesDep = Annotated[Services, Depends(get_services)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
