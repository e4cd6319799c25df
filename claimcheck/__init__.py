"""claimcheck: compliance screening of live-commerce selling points."""

from typing import Any

__version__ = "0.1.0"

# The public Python API (docs/API.md), imported on first use: `import claimcheck` stays cheap and
# loads no engine, model or lexicon until one of these names is asked for. (No TYPE_CHECKING imports
# here: every module imports __version__ from this one, and import-linter would follow them up the layers.)
_PUBLIC = {
    "Engine": "claimcheck.engine",
    "screen": "claimcheck.public",
    "audit": "claimcheck.public",
    "default_engine": "claimcheck.public",
    "DocContext": "claimcheck.context",
    "Finding": "claimcheck.types",
    "ScreenResult": "claimcheck.types",
    "RowError": "claimcheck.types",
    "Severity": "claimcheck.types",
    "Verdict": "claimcheck.types",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'claimcheck' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


__all__ = [
    "DocContext",
    "Engine",
    "Finding",
    "RowError",
    "ScreenResult",
    "Severity",
    "Verdict",
    "__version__",
    "audit",
    "default_engine",
    "screen",
]
