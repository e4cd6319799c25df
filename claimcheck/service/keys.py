"""API keys for machines calling the HTTP service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from claimcheck.service.app import Services
from claimcheck.store import keys
from claimcheck.store.keys import SCOPES, KeyIdentity

__all__ = ["SCOPES", "KeyIdentity", "authenticate", "create", "identify", "list_all", "revoke"]


def create(services: Services, name: str, scopes: Iterable[str] = SCOPES) -> str:
    return keys.create_key(services.settings.database_url, name, scopes)


def list_all(services: Services) -> list[dict[str, Any]]:
    return keys.list_keys(services.settings.database_url)


def revoke(services: Services, key_id: str) -> bool:
    return keys.revoke_key(services.settings.database_url, key_id)


def authenticate(services: Services, presented: str | None) -> str | None:
    """The key's name when ``presented`` is a valid, unrevoked key."""
    return keys.verify_key(services.settings.database_url, presented)


def identify(services: Services, presented: str | None) -> KeyIdentity | None:
    """Name, id and scopes when ``presented`` is a valid, unrevoked key (the API checks scopes on it)."""
    return keys.authenticate_key(services.settings.database_url, presented)
