"""Dependencies: the shared Engine, settings, the ledger and the API-key check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from claimcheck.config import Settings
from claimcheck.engine import Engine


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_ledger(request: Request):
    return request.app.state.ledger


def require_api_key(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="API key from `claimcheck keys create`.")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """Write endpoints: a valid key in X-API-Key or 'Authorization: Bearer …'."""
    from claimcheck.store.keys import verify_key

    presented = x_api_key
    if presented is None and authorization and authorization.lower().startswith("bearer "):
        presented = authorization[7:].strip()
    if not presented:
        raise HTTPException(401, "missing API key (X-API-Key header)")
    name = verify_key(request.app.state.settings.database_url, presented)
    if name is None:
        raise HTTPException(401, "invalid or revoked API key")
    return name


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LedgerDep = Annotated[object, Depends(get_ledger)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
