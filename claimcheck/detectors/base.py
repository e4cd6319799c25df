"""The detector protocol, the resources detectors are built from, and the registry.

Like Presidio's recognizers: every detector reads the same shared ClaimDoc and
returns findings with offsets into the original text, so the engine can run
them in any order and merge what they say. A detector also says what the engine
and the post-processing steps need to know about it (its version, the
granularity it works at, whether its hits are precise, whether context changes
what they mean), so nothing downstream ever picks a detector by its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from claimcheck.errors import ConfigError

if TYPE_CHECKING:
    from claimcheck.config import Settings
    from claimcheck.lexicons import Lexicon
    from claimcheck.nlp.doc import ClaimDoc
    from claimcheck.store.catalogue import ProductCatalogue
    from claimcheck.types import Finding


class Granularity(StrEnum):
    SPAN = "span"  # findings point at words or phrases
    UNIT = "unit"  # findings cover a whole claim unit (a sentence or clause)


@runtime_checkable
class Detector(Protocol):
    """What every detector has and does."""

    name: str
    granularity: Granularity
    #: its findings point at the exact words (a unit finding folds into them)
    precise: bool
    #: a negation or a quoted rule nearby changes what its hits mean (they are lowered, not dismissed)
    context_sensitive: bool
    #: categories this detector decides with evidence (its verdict supersedes term hits of them)
    decides: frozenset[str]

    @property
    def version(self) -> str: ...

    def analyze(self, doc: ClaimDoc) -> list[Finding]: ...


@dataclass(frozen=True)
class Traits:
    """A detector's properties as the post-processing steps read them."""

    granularity: Granularity
    precise: bool
    context_sensitive: bool
    decides: frozenset[str] = frozenset()

    @classmethod
    def of(cls, detector: Detector) -> Traits:
        return cls(
            detector.granularity,
            detector.precise,
            detector.context_sensitive,
            frozenset(getattr(detector, "decides", frozenset())),
        )


@dataclass
class DetectorResources:
    """What factories build detectors from; expensive shared objects are built once and cached here."""

    settings: Settings
    lexicon: Lexicon
    catalogue: ProductCatalogue | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]


DetectorFactory = Callable[[DetectorResources], Detector]
_REGISTRY: dict[str, DetectorFactory] = {}


def register_detector(name: str) -> Callable[[DetectorFactory], DetectorFactory]:
    """Register a detector factory under ``name`` (used by configuration)."""

    def deco(factory: DetectorFactory) -> DetectorFactory:
        if name in _REGISTRY and _REGISTRY[name] is not factory:
            raise ValueError(f"detector {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return deco


def create_detector(name: str, resources: DetectorResources) -> Detector:
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ConfigError(f"unknown detector {name!r}; registered: {known}") from None
    return factory(resources)


def registered_detectors() -> list[str]:
    return sorted(_REGISTRY)
