"""API keys for machines calling the HTTP service."""

from __future__ import annotations

from typing import Any

from claimcheck.service.app import Services
from claimcheck.store import keys


def create(services: Services, name: str) -> str:
    return keys.create_key(services.settings.database_url, name)


def list_all(services: Services) -> list[dict[str, Any]]:
    return keys.list_keys(services.settings.database_url)


def revoke(services: Services, key_id: str) -> bool:
    return keys.revoke_key(services.settings.database_url, key_id)


def authenticate(services: Services, presented: str | None) -> str | None:
    """The key's name when ``presented`` is a valid, unrevoked key."""
    return keys.verify_key(services.settings.database_url, presented)
