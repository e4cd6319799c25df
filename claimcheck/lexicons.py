"""Load and validate the versioned lexicon files in ``lexicons/``.

The lexicon is data, not code: YAML files validated by pydantic models when
loaded, so a reviewer can add a term without touching Python and a typo fails
loudly with the file and entry that caused it.

Layout::

    lexicons/manifest.yaml            name, version, list of term files
    lexicons/product_categories.yaml  product category ids, Chinese names, aliases
    lexicons/allow_contexts.yaml      phrases in which a listed term is ordinary speech
    lexicons/context_rules.yaml       markers that a unit quotes or discusses a rule
    lexicons/terms/*.yaml             term entries, one file per category
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from claimcheck.errors import ConfigError, describe_validation_errors
from claimcheck.labels import Labels, labels_path_for, load_labels
from claimcheck.paths import DEFAULT_LEXICON_DIR
from claimcheck.taxonomy import Category
from claimcheck.types import Severity

# libyaml's safe loader when present (5-10x faster on the lexicon), else the pure-Python one
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["DEFAULT_LEXICON_DIR", "Lexicon", "LexiconError", "TermEntry", "expand_pattern", "load_lexicon"]


_MAX_EXPANSIONS = 256
_GROUP = re.compile(r"\(([^()]*)\)")
_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


class LexiconError(ConfigError):
    """A lexicon file is missing, unreadable or fails validation."""


class TermEntry(BaseModel):
    """One prohibited or restricted expression."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    term: str | None = None
    pattern: str | None = None
    category: Category
    legal_basis: str = Field(min_length=4)
    severity: Severity
    suggestion: str = ""
    explanation: str = ""
    applies_to: tuple[str, ...] = ()
    exempt_for: tuple[str, ...] = ()
    allow_contexts: tuple[str, ...] = ()
    pinyin: bool | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("id must be dotted lower-case, e.g. 'absolute.best'")
        return v

    @model_validator(mode="after")
    def _term_or_pattern(self) -> TermEntry:
        if (self.term is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'term' or 'pattern'")
        if self.term is not None and not self.term.strip():
            raise ValueError("'term' is empty")
        if self.pattern is not None:
            expand_pattern(self.pattern)  # raises on bad syntax
        return self

    def surface_forms(self) -> list[str]:
        """The literal strings this entry matches (before normalisation)."""
        if self.term is not None:
            return [self.term]
        assert self.pattern is not None
        return expand_pattern(self.pattern)


def expand_pattern(pattern: str) -> list[str]:
    """Expand ``全(网|国|球)(最低|第一)`` into its literal alternatives.

    Only ``(a|b|…)`` groups are supported, deliberately: every pattern stays a
    finite set of literals, so the whole lexicon compiles into one character
    automaton and never needs a regex scan of the text.
    """
    if any(c in pattern for c in "[]*+?{}\\.^$") or pattern.count("(") != pattern.count(")"):
        raise ValueError(f"pattern {pattern!r}: only (a|b) groups are allowed")
    parts: list[list[str]] = []
    pos = 0
    for m in _GROUP.finditer(pattern):
        if m.start() > pos:
            parts.append([pattern[pos : m.start()]])
        options = m.group(1).split("|")
        if any(not o for o in options) and len(options) == 1:
            raise ValueError(f"pattern {pattern!r}: empty group")
        parts.append(options)
        pos = m.end()
    if pos < len(pattern):
        parts.append([pattern[pos:]])
    if "(" in "".join(p for group in parts for p in group):
        raise ValueError(f"pattern {pattern!r}: nested groups are not allowed")
    count = 1
    for p in parts:
        count *= len(p)
    if count > _MAX_EXPANSIONS:
        raise ValueError(f"pattern {pattern!r} expands to {count} > {_MAX_EXPANSIONS} strings")
    forms = ["".join(combo) for combo in itertools.product(*parts)]
    return [f for f in forms if f]


class TermFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    description: str = ""
    entries: list[TermEntry]


class ProductCategory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    aliases: tuple[str, ...] = ()


class ProductCategoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[ProductCategory]


class AllowFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    phrases: list[str]


class ContextRules(BaseModel):
    """Markers that a claim unit talks *about* a rule rather than making a claim."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    meta_markers: list[str] = Field(default_factory=list)
    negation_markers: list[str] = Field(default_factory=list)
    # Segmentation data: long unpunctuated speech is cut before these markers,
    # and these words are added to the segmenter's private dictionary.
    unit_break_markers: list[str] = Field(default_factory=list)
    segmenter_words: list[str] = Field(default_factory=list)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    description: str = ""
    term_files: list[str]


@dataclass(frozen=True)
class Lexicon:
    """A validated, immutable lexicon plus its version string."""

    name: str
    version: str
    content_hash: str
    entries: tuple[TermEntry, ...]
    product_categories: tuple[ProductCategory, ...]
    allow_phrases: tuple[str, ...]
    context: ContextRules
    labels: Labels
    _by_id: dict[str, TermEntry] = field(default_factory=dict, repr=False, compare=False)

    @property
    def version_tag(self) -> str:
        """What findings and ledger entries record: version plus content hash."""
        return f"{self.name}@{self.version}+{self.content_hash[:12]}"

    def entry(self, entry_id: str) -> TermEntry:
        return self._by_id[entry_id]

    def resolve_product_category(self, value: str | None) -> str | None:
        """Map an id, Chinese name or alias to a product category id."""
        if value is None or not value.strip():
            return None
        v = value.strip().lower()
        for pc in self.product_categories:
            if v == pc.id or v == pc.name.lower() or v in (a.lower() for a in pc.aliases):
                return pc.id
        known = ", ".join(pc.id for pc in self.product_categories)
        raise LexiconError(f"unknown product category {value!r}; known: {known}")


def _read_yaml(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            return yaml.load(fh, Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise LexiconError(f"lexicon file missing: {path}") from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from None


def _validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ""
        if isinstance(data, dict) and first["loc"][:1] == ("entries",) and len(first["loc"]) > 1:
            idx = first["loc"][1]
            with contextlib.suppress(IndexError, AttributeError, TypeError):
                where = f"entry {data['entries'][idx].get('id', '#' + str(idx))} "
        raise LexiconError(f"{path}: {where}{describe_validation_errors(exc.errors())}") from None


def load_lexicon(directory: str | Path | None = None) -> Lexicon:
    """Load and validate every file of a lexicon directory."""
    root = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    if not root.is_dir():
        raise LexiconError(f"lexicon directory not found: {root}")
    digest = hashlib.sha256()

    def read(rel: str) -> Any:
        path = root / rel
        data = _read_yaml(path)
        digest.update(rel.encode())
        digest.update(path.read_bytes())
        return data, path

    data, path = read("manifest.yaml")
    manifest: Manifest = _validate(Manifest, data, path)
    data, path = read("product_categories.yaml")
    pcs: ProductCategoryFile = _validate(ProductCategoryFile, data, path)
    pc_ids = {pc.id for pc in pcs.categories}
    data, path = read("allow_contexts.yaml")
    allow: AllowFile = _validate(AllowFile, data, path)
    data, path = read("context_rules.yaml")
    ctx: ContextRules = _validate(ContextRules, data, path)

    entries: list[TermEntry] = []
    seen: dict[str, str] = {}
    for rel in manifest.term_files:
        data, path = read(rel)
        tf: TermFile = _validate(TermFile, data, path)
        for e in tf.entries:
            if e.id in seen:
                raise LexiconError(f"{path}: duplicate id {e.id!r} (first in {seen[e.id]})")
            seen[e.id] = rel
            bad = [c for c in (*e.applies_to, *e.exempt_for) if c not in pc_ids]
            if bad:
                raise LexiconError(f"{path}: entry {e.id}: unknown product category {bad[0]!r}")
            entries.append(e)
    if not entries:
        raise LexiconError(f"{root}: the lexicon has no entries")
    labels_path = labels_path_for(root)
    labels = load_labels(labels_path)
    digest.update(labels_path.name.encode())
    digest.update(labels.content_hash.encode())
    lex = Lexicon(
        name=manifest.name,
        version=manifest.version,
        content_hash=digest.hexdigest(),
        entries=tuple(entries),
        product_categories=tuple(pcs.categories),
        allow_phrases=tuple(allow.phrases),
        context=ctx,
        labels=labels,
    )
    lex._by_id.update({e.id: e for e in entries})
    return lex
