"""The detector protocol and the registry that builds detectors by name.

Like Presidio's recognizers: every detector reads the same shared ClaimDoc and
returns findings with offsets into the original text, so the engine can run
them in any order and merge what they say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from claimcheck.nlp.doc import ClaimDoc
    from claimcheck.types import Finding


@runtime_checkable
class Detector(Protocol):
    """Anything with a ``name``, a ``version`` and ``analyze(doc) -> findings``."""

    name: str

    @property
    def version(self) -> str: ...

    def analyze(self, doc: ClaimDoc) -> list[Finding]: ...


DetectorFactory = Callable[..., Detector]
_REGISTRY: dict[str, DetectorFactory] = {}


def register_detector(name: str) -> Callable[[DetectorFactory], DetectorFactory]:
    """Register a detector factory under ``name`` (used by configuration)."""

    def deco(factory: DetectorFactory) -> DetectorFactory:
        if name in _REGISTRY and _REGISTRY[name] is not factory:
            raise ValueError(f"detector {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return deco


def create_detector(name: str, **kwargs: Any) -> Detector:
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ValueError(f"unknown detector {name!r}; registered: {known}") from None
    return factory(**kwargs)


def registered_detectors() -> list[str]:
    return sorted(_REGISTRY)
