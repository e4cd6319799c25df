"""Category ids shared by the lexicon, the classifier and the reports.

The ids are the stable contract (they appear in JSON output and in the review
record); the Chinese labels reviewers read live in ``labels.yaml`` (claimcheck/labels.py).
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    ABSOLUTE_TERM = "absolute_term"
    STATE_SYMBOL = "state_symbol"
    MEDICAL_CLAIM = "medical_claim"
    EFFICACY_OVERCLAIM = "efficacy_overclaim"
    GUARANTEE = "guarantee"
    AUTHORITY_ENDORSEMENT = "authority_endorsement"
    FALSE_PRICE_URGENCY = "false_price_urgency"
    UNSUPPORTED_DATA = "unsupported_data"
    SUPERSTITION = "superstition"
    DISPARAGEMENT = "disparagement"
    OFF_PLATFORM_TRADE = "off_platform_trade"
    SPEC_MISMATCH = "spec_mismatch"
    # a violation the classifier sees without enough evidence for any one category
    UNCLASSIFIED = "unclassified"


# What the spec cross-check can say about a factual claim.
CLAIM_VERDICTS: tuple[str, ...] = ("supported", "contradicted", "unverifiable", "expired_evidence", "failed_evidence")
