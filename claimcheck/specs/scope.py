"""What a product may claim: efficacy mentions checked against the product type and its record.

``lexicons/efficacy/scope.yaml`` lists the efficacies (the 2023 health-food function catalogue,
the cosmetics efficacy categories with the special-use ones marked, and efficacies none of
these products may claim) with the words that name them, and for each product category the
groups of efficacies within scope. A product record narrows the scope to what it lists in
its claim specs (保健功能, 功效宣称, 适用范围 …): a registered health food may claim its
approved functions only, a special cosmetic its registered efficacy, a medical device its
registered intended use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claimcheck.errors import ConfigError, describe_validation_errors
from claimcheck.paths import DEFAULT_LEXICON_DIR
from claimcheck.store.schema import ProductRecord

DEFAULT_SCOPE_FILE = DEFAULT_LEXICON_DIR / "efficacy" / "scope.yaml"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Efficacy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    group: Literal["health_food", "cosmetics", "none"]
    label: str
    words: list[str] = Field(min_length=1)
    special: bool = False


class ProductType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    allowed_groups: list[Literal["health_food", "cosmetics"]]
    special_needs_registration: bool = False


class ScopeTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    record_specs: list[str]
    efficacies: dict[str, Efficacy]
    product_types: dict[str, ProductType]
    content_hash: str = ""


@cache
def load_scope(path: str | Path = DEFAULT_SCOPE_FILE) -> ScopeTable:
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = yaml.load(raw, Loader=_YAML_LOADER)
        return ScopeTable.model_validate({**data, "content_hash": hashlib.sha256(raw).hexdigest()})
    except FileNotFoundError:
        raise ConfigError(f"efficacy scope table missing: {p}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(f"{p}: {describe_validation_errors(exc.errors())}") from None


@dataclass(frozen=True)
class ScopeVerdict:
    efficacy: str
    within: bool
    basis: str  # what decided: the record's claims, or the product type
    allowed: tuple[str, ...]  # labels of what the product may claim (for the explanation)


class ScopeChecker:
    def __init__(self, table: ScopeTable) -> None:
        self.t = table

    def record_claims(self, record: ProductRecord) -> str:
        names = set(self.t.record_specs)
        return "；".join(s.value for s in record.specs if s.name.strip() in names)

    def check(self, efficacy_id: str, category: str | None, record: ProductRecord | None) -> ScopeVerdict | None:
        """Is the efficacy within what this product may claim? None when there is nothing to judge by."""
        eff = self.t.efficacies[efficacy_id]
        claims = self.record_claims(record) if record is not None else ""
        if claims:
            allowed = tuple(e.label for e in self.t.efficacies.values() if _named_in(e, claims))
            return ScopeVerdict(efficacy_id, _named_in(eff, claims), "record", allowed)
        ptype = self.t.product_types.get(category or "")
        if ptype is None:
            return None
        within = eff.group in ptype.allowed_groups and not (eff.special and ptype.special_needs_registration)
        if efficacy_id == "nutrient" and category in ("food", "baby", "agricultural"):
            within = True  # nutrient function claims are lawful for ordinary foods (GB 28050)
        allowed = tuple(
            e.label
            for e in self.t.efficacies.values()
            if e.group in ptype.allowed_groups and not (e.special and ptype.special_needs_registration)
        )
        return ScopeVerdict(efficacy_id, within, "type", allowed)


def _named_in(eff: Efficacy, claims: str) -> bool:
    return eff.label in claims or any(w in claims for w in eff.words)
