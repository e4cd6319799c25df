"""The ASGI app uvicorn imports (settings from CLAIMCHECK_* environment variables)."""

from claimcheck.api.app import create_app

app = create_app()
