"""Detectors behind one protocol; importing this package registers the built-ins."""

from claimcheck.detectors import exaggeration as _exaggeration  # noqa: F401  (registers "exaggeration")
from claimcheck.detectors import lexicon as _lexicon  # noqa: F401  (registers "lexicon")
from claimcheck.detectors import patterns as _patterns  # noqa: F401  (registers "patterns")
from claimcheck.detectors import scope as _scope  # noqa: F401  (registers "efficacy_scope")
from claimcheck.detectors import spec_check as _spec_check  # noqa: F401  (registers "spec_check")
from claimcheck.detectors.base import (
    Detector,
    DetectorResources,
    Granularity,
    Traits,
    create_detector,
    register_detector,
    registered_detectors,
)

__all__ = [
    "Detector",
    "DetectorResources",
    "Granularity",
    "Traits",
    "create_detector",
    "register_detector",
    "registered_detectors",
]
