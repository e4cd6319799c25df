"""Where the bundled data lives: inside the wheel, or the repository's folders in a checkout."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def _bundled(name: str) -> Path:
    packaged = PACKAGE_DIR / "_data" / name
    return packaged if packaged.is_dir() else REPO_ROOT / name


DEFAULT_LEXICON_DIR = _bundled("lexicons")
MODELS_DIR = _bundled("models")
DEFAULT_SPEC_DIR = DEFAULT_LEXICON_DIR / "specs"


def default_cache_dir() -> Path | None:
    """``CLAIMCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/claimcheck``, else ``~/.cache/claimcheck`` (empty: no cache)."""
    explicit = os.environ.get("CLAIMCHECK_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "claimcheck"
