"""The HTTP scoring service (FastAPI): one Engine per process, shared by every request."""

from claimcheck.api.app import create_app

__all__ = ["create_app"]
