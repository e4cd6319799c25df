"""Validated data tables for claim extraction: attributes, synonyms, units, claim phrases.

They live in ``lexicons/specs/`` as YAML, like the lexicon: a reviewer adds a
material synonym or a laboratory without touching Python.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from claimcheck.errors import describe_validation_errors
from claimcheck.lexicons import LexiconError
from claimcheck.paths import DEFAULT_SPEC_DIR

# libyaml's safe loader when present (5-10x faster on the lexicon), else the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dimension(_M):
    base: str
    units: dict[str, float]


class UnitTable(_M):
    dimensions: dict[str, Dimension]

    def lookup(self, unit: str | None) -> tuple[str, float] | None:
        """(dimension, factor to base) for a unit string, or None."""
        if not unit:
            return None
        u = unit.strip().lower()
        for name, dim in self.dimensions.items():
            if u in dim.units:
                return name, dim.units[u]
        return None

    def all_units(self, dims: list[str] | None = None) -> list[str]:
        out: list[str] = []
        for name, dim in self.dimensions.items():
            if dims is None or name in dims:
                out.extend(dim.units)
        return sorted(set(out), key=len, reverse=True)


class Value(_M):
    synonyms: list[str]
    implies_percent: dict[str, float] = Field(default_factory=dict)


class Attribute(_M):
    label: str
    kind: Literal["composition", "enum", "quantity", "text"]
    spec_names: list[str]
    tolerance: float = 0.0
    dimensions: list[str] = Field(default_factory=list)
    values: dict[str, Value] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _needs(self) -> Attribute:
        if self.kind in ("composition", "enum") and not self.values:
            raise ValueError(f"{self.label}: a {self.kind} attribute needs values")
        if self.kind == "quantity" and not self.dimensions:
            raise ValueError(f"{self.label}: a quantity attribute needs dimensions")
        return self


class AttributeTable(_M):
    attributes: dict[str, Attribute]


class FreeFrom(_M):
    label: str
    phrases: list[str]
    ingredients: list[str]


class Certification(_M):
    label: str
    phrases: list[str]


class Lab(_M):
    phrases: list[str]
    match: list[str]


class ItemClaim(_M):
    phrases: list[str]
    items: list[str]


class Tests(_M):
    generic: list[str]
    labs: dict[str, Lab]
    items: dict[str, ItemClaim]


class ClaimTable(_M):
    free_from: dict[str, FreeFrom]
    certifications: dict[str, Certification]
    tests: Tests
    origin_cues: list[str]
    quantity_cues: list[str]


class VerdictPolicy(_M):
    """How spec_check findings are reported (``verdicts.yaml``)."""

    default_basis: str = Field(min_length=4)
    basis: dict[str, str] = Field(default_factory=dict)  # legal basis per claim kind
    mention_kinds: list[str] = Field(default_factory=list)  # named in passing: a contradiction is a review

    def basis_for(self, kind: str) -> str:
        return self.basis.get(kind, self.default_basis)


class SpecTables(_M):
    units: UnitTable
    attributes: AttributeTable
    claims: ClaimTable
    verdicts: VerdictPolicy
    version: str

    def attribute_for_spec(self, spec_name: str) -> tuple[str, Attribute] | None:
        name = spec_name.strip()
        for key, attr in self.attributes.attributes.items():
            if name in attr.spec_names:
                return key, attr
        return None


def _load(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise LexiconError(f"spec table missing: {path}") from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise LexiconError(f"{path}: {describe_validation_errors(exc.errors())}") from None


@cache
def load_spec_tables(spec_dir: str | Path | None = None) -> SpecTables:
    """Load ``units.yaml``, ``attributes.yaml``, ``claims.yaml`` and ``verdicts.yaml`` from ``spec_dir``."""
    import hashlib

    root = Path(spec_dir) if spec_dir is not None else DEFAULT_SPEC_DIR
    parts: dict[str, type[BaseModel]] = {
        "units": UnitTable,
        "attributes": AttributeTable,
        "claims": ClaimTable,
        "verdicts": VerdictPolicy,
    }
    loaded = {}
    digest = hashlib.sha256()
    for name, model in parts.items():
        path = root / f"{name}.yaml"
        loaded[name] = _load(path, model)
    # The version covers every table of the folder (units, places, synonyms, value words …),
    # so a finding names exactly the data that produced it.
    for path in sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".tsv")):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return SpecTables(**loaded, version=digest.hexdigest()[:12])
