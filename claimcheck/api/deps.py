"""Dependencies: the shared services and engine, and the API-key check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from claimcheck.engine import Engine
from claimcheck.service import Services
from claimcheck.service import keys as key_service


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_engine(request: Request) -> Engine:
    return request.app.state.services.engine


def require_api_key(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="API key from `claimcheck keys create`.")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """Write endpoints: a valid key in X-API-Key or 'Authorization: Bearer …'; returns the key's name."""
    presented = x_api_key
    if presented is None and authorization and authorization.lower().startswith("bearer "):
        presented = authorization[7:].strip()
    if not presented:
        raise HTTPException(401, "missing API key (X-API-Key header)")
    name = key_service.authenticate(request.app.state.services, presented)
    if name is None:
        raise HTTPException(401, "invalid or revoked API key")
    return name


ServicesDep = Annotated[Services, Depends(get_services)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
