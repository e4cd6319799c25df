"""Dependencies: the shared services and engine, and the API-key checks.

The key is read through FastAPI's security classes so the OpenAPI document
declares both ways of presenting it (``X-API-Key`` or ``Authorization: Bearer``);
each route then needs the scope that fits it: ``write`` to record or import,
``read`` to see supplier records and the review record (when reads are protected).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

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


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_engine(request: Request) -> Engine:
    return request.app.state.services.engine


def _key_name(request: Request, scope: str, header: str | None, bearer: HTTPAuthorizationCredentials | None) -> str:
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
