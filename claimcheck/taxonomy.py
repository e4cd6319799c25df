"""Category ids shared by the lexicon, the classifier and the reports.

The ids are the stable contract (they appear in JSON output and in the review
record); the Chinese labels are what reviewers read on screen.
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


CATEGORY_LABELS_ZH: dict[Category, str] = {
    Category.ABSOLUTE_TERM: "绝对化用语",
    Category.STATE_SYMBOL: "国家机关/国旗国徽等",
    Category.MEDICAL_CLAIM: "医疗用语",
    Category.EFFICACY_OVERCLAIM: "功效夸大",
    Category.GUARANTEE: "效果/收益保证",
    Category.AUTHORITY_ENDORSEMENT: "权威/专家背书",
    Category.FALSE_PRICE_URGENCY: "虚假价格/虚构紧迫",
    Category.UNSUPPORTED_DATA: "数据/专利/获奖无出处",
    Category.SUPERSTITION: "封建迷信",
    Category.DISPARAGEMENT: "贬低他人",
    Category.OFF_PLATFORM_TRADE: "引导私下交易",
    Category.SPEC_MISMATCH: "与产品资料不符",
}
