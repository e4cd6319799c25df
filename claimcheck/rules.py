"""Pattern rules as validated data (``lexicons/patterns/``): token classes and rule patterns.

A pattern is a space-separated sequence of token specs (``@CLASS``, ``a|b``, ``#NUM``,
``~{m,n}``, a trailing ``?`` for optional), compiled here into spaCy Matcher patterns.
Every rule names its category, severity, legal basis and rewrite, and carries examples
that must match and hard negatives that must not; a typo in a class name or a pattern
fails loading with the rule's id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from claimcheck.errors import ConfigError, describe_validation_errors
from claimcheck.paths import DEFAULT_LEXICON_DIR
from claimcheck.taxonomy import Category
from claimcheck.types import Severity

DEFAULT_PATTERNS_DIR = DEFAULT_LEXICON_DIR / "patterns"
NUMERALS = "0123456789一二三四五六七八九十百千万亿两几半零〇"
#: a number token: numerals (百分之九十, 三百多, 90%, 2.5 included)
NUM_REGEX = r"^(百分之)?[0-9.一二三四五六七八九十百千万亿两几半零〇]+[多余]?%?$"
#: measure words and units a number is split from (三天 -> 三 天), so patterns see both
MEASURES = frozenset("天周月年岁次倍瓶粒片袋盒支罐项单份个件人斤克盒箱层秒分钟小时星期套组名")
_GAP = re.compile(r"^~\{(\d+),(\d+)\}$")
_CLASS = re.compile(r"^@([A-Z_]+)(\??)$")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PatternError(ConfigError):
    """A pattern rule file is malformed."""


class Examples(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    match: list[str] = Field(min_length=1)
    no_match: list[str] = Field(min_length=1)


class PatternRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^pattern(\.[a-z0-9_]+)+$")
    category: Category
    severity: Severity
    legal_basis: str = Field(min_length=4)
    suggestion: str = ""
    explanation: str = Field(min_length=2)
    patterns: list[str] = Field(min_length=1)
    examples: Examples
    applies_to: tuple[str, ...] = ()  # product categories the rule is limited to (empty: all)
    exempt_for: tuple[str, ...] = ()  # product categories where the claim is lawful

    def active(self, product_category: str | None) -> bool:
        if product_category is None:
            return True  # unknown product: every rule applies (the conservative choice)
        return product_category not in self.exempt_for and (not self.applies_to or product_category in self.applies_to)

    @field_validator("patterns")
    @classmethod
    def _not_blank(cls, v: list[str]) -> list[str]:
        if any(not p.strip() for p in v):
            raise ValueError("a pattern is empty")
        return v


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    rules: list[PatternRule]


class ClassesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    classes: dict[str, list[str]]


@dataclass(frozen=True)
class CompiledPattern:
    spacy: list[dict[str, Any]]  # a spaCy Matcher pattern
    required: tuple[frozenset[str], ...]  # a word of each of these sets must occur for the pattern to match


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: str
    content_hash: str
    classes: dict[str, tuple[str, ...]]
    rules: tuple[PatternRule, ...]
    compiled: dict[str, list[CompiledPattern]] = field(default_factory=dict, repr=False)

    @property
    def version_tag(self) -> str:
        return f"{self.name}@{self.version}+{self.content_hash[:12]}"

    def words(self) -> list[str]:
        """Every class word and literal: the segmenter must keep them whole."""
        out: set[str] = {w for ws in self.classes.values() for w in ws}
        for patterns in self.compiled.values():
            for p in patterns:
                for spec in p.spacy:
                    out.update(spec.get("TEXT", {}).get("IN", ()))
        return sorted(out)


def compile_pattern(text: str, classes: dict[str, tuple[str, ...]]) -> CompiledPattern:
    """One pattern string into a spaCy pattern and the word sets it cannot match without."""
    specs: list[dict[str, Any]] = []
    required: list[frozenset[str]] = []
    for part in text.split():
        gap = _GAP.match(part)
        if gap:
            lo, hi = int(gap[1]), int(gap[2])
            if lo > hi or hi > 12:
                raise ValueError(f"gap {part!r}: need m <= n <= 12")
            specs.append({"OP": f"{{{lo},{hi}}}"})
            continue
        optional = part.endswith("?") and len(part) > 1
        body = part[:-1] if optional else part
        spec: dict[str, Any]
        cls = _CLASS.match(part)
        if cls:
            name = cls[1]
            if name not in classes:
                raise ValueError(f"unknown token class @{name}")
            words = frozenset(classes[name])
            spec = {"TEXT": {"IN": sorted(words)}}
            optional = cls[2] == "?"
        elif body == "#NUM":
            spec, words = {"TEXT": {"REGEX": NUM_REGEX}}, frozenset()
        else:
            alternatives = [w for w in body.split("|") if w]
            if not alternatives or any(not w.strip() or w[0] in "~@#" for w in alternatives):
                raise ValueError(f"bad token spec {part!r}")
            words = frozenset(alternatives)
            spec = {"TEXT": {"IN": sorted(words)}}
        if optional:
            spec["OP"] = "?"
        elif words:
            required.append(words)
        specs.append(spec)
    if not required:
        raise ValueError("a pattern needs at least one required word or class")
    if "OP" in specs[0] or "OP" in specs[-1]:
        raise ValueError("a pattern must start and end with a required token")
    return CompiledPattern(specs, tuple(required))


def _read(path: Path) -> tuple[Any, bytes]:
    try:
        raw = path.read_bytes()
        return yaml.load(raw, Loader=_YAML_LOADER), raw
    except FileNotFoundError:
        raise PatternError(f"pattern file missing: {path}") from None
    except yaml.YAMLError as exc:
        raise PatternError(f"{path}: not valid YAML: {exc}") from None


def load_rules(directory: str | Path | None = None) -> RuleSet:
    root = Path(directory) if directory is not None else DEFAULT_PATTERNS_DIR
    digest = hashlib.sha256()
    data, raw = _read(root / "classes.yaml")
    digest.update(raw)
    try:
        classes_file = ClassesFile.model_validate(data)
    except ValidationError as exc:
        raise PatternError(f"{root / 'classes.yaml'}: {describe_validation_errors(exc.errors())}") from None
    data, raw = _read(root / "rules.yaml")
    digest.update(raw)
    try:
        rules_file = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise PatternError(f"{root / 'rules.yaml'}: {describe_validation_errors(exc.errors())}") from None
    classes = {k: tuple(dict.fromkeys(w.strip() for w in v if w.strip())) for k, v in classes_file.classes.items()}
    compiled: dict[str, list[CompiledPattern]] = {}
    for rule in rules_file.rules:
        if rule.id in compiled:
            raise PatternError(f"{root / 'rules.yaml'}: duplicate rule id {rule.id!r}")
        try:
            compiled[rule.id] = [compile_pattern(p, classes) for p in rule.patterns]
        except ValueError as exc:
            raise PatternError(f"{root / 'rules.yaml'}: rule {rule.id}: {exc}") from None
    return RuleSet(rules_file.name, rules_file.version, digest.hexdigest(), classes, tuple(rules_file.rules), compiled)
