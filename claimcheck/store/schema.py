"""The product record as it is imported, exported and checked against (pydantic).

One ``ProductRecord`` per SKU: the product, its supplier, spec attributes,
ingredient list, test reports with their items, and certificates. The same
model validates JSON, Excel and CSV imports and is what the cross-check reads,
so a record means the same thing wherever it came from.

Text is refused when it holds control characters (a NUL byte in a product name
is a damaged file, not a name) or is longer than its database column; dates must
be written as dates (``2026-01-31``), never as numbers, which pydantic would read
as seconds since 1970.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: the one message for an import with no records (the API, the CLI and the service all use it)
NO_RECORDS = "no product records to import (the list is empty)"

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d*)?$")
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _bad_char(text: str) -> str | None:
    """The first control character or lone surrogate in ``text`` (tab and line breaks are fine), or None."""
    for ch in text:
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs"):
            return ch
    return None


def _date_text(v: object) -> object:
    """A date field's input, refused when it is a number (``0`` would become 1970-01-01)."""
    if isinstance(v, int | float) or (isinstance(v, str) and _NUMBER.match(v.strip())):  # bool is an int
        raise ValueError(f"a date is written YYYY-MM-DD, not as a number ({str(v)[:20]})")
    return v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, v: Any) -> Any:
        for text in v if isinstance(v, list) else [v]:
            if isinstance(text, str) and (ch := _bad_char(text)) is not None:
                raise ValueError(f"contains a control character (U+{ord(ch):04X}); remove it")
        return v


class SupplierIn(_Model):
    """A supplier: the same credit code (or, without one, the same name) is the same supplier."""

    name: str = Field(min_length=1, max_length=200)
    credit_code: str | None = Field(default=None, max_length=64)  # 统一社会信用代码
    contact: str | None = Field(default=None, max_length=200)

    @property
    def key(self) -> str:
        """What identifies the supplier in the store: its credit code, else its name."""
        return f"code:{self.credit_code.upper()}" if self.credit_code else f"name:{self.name}"


class SpecIn(_Model):
    """A spec attribute: 材质 = 65%棉 35%涤纶, 净含量 = 400 g, 产地 = 云南."""

    name: str = Field(min_length=1, max_length=100)
    value: str = Field(min_length=1)
    unit: str | None = Field(default=None, max_length=32)


class TestItemIn(_Model):
    item: str = Field(min_length=1, max_length=200)  # 检测项目, e.g. 甲醛含量, 蔗糖, 纤维含量
    measured: str | None = Field(default=None, max_length=200)  # 检测结果, as printed ("2.1", "未检出", "<0.5")
    unit: str | None = Field(default=None, max_length=32)
    limit: str | None = Field(default=None, max_length=200)  # 标准要求
    result: Literal["pass", "fail", "n/a"] = "pass"  # 单项判定
    detection_limit: str | None = Field(default=None, max_length=100)  # 检出限 (a 未检出 means below it)
    standard: str | None = Field(default=None, max_length=200)  # 检测方法/标准, e.g. GB 5009.12

    @field_validator("measured", "limit", "detection_limit", mode="before")
    @classmethod
    def _as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


class NutritionIn(_Model):
    """One row of the nutrition table (营养成分表)."""

    item: str = Field(min_length=1, max_length=100)  # 能量, 蛋白质, 脂肪, 钙 …
    value: str = Field(min_length=1, max_length=100)
    unit: str | None = Field(default=None, max_length=32)
    per: str | None = Field(default=None, max_length=32)  # 100g, 100ml, 每份 …
    nrv: str | None = Field(default=None, max_length=32)  # NRV%

    @field_validator("value", mode="before")
    @classmethod
    def _as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


class TestReportIn(_Model):
    report_no: str = Field(min_length=1, max_length=100)
    laboratory: str = Field(min_length=1, max_length=200)
    sampling_date: dt.date | None = None
    issue_date: dt.date
    valid_until: dt.date | None = None
    conclusion: Literal["pass", "fail"] = "pass"  # 检验结论
    items: list[TestItemIn] = Field(default_factory=list)

    _dates_as_text = field_validator("sampling_date", "issue_date", "valid_until", mode="before")(_date_text)

    @model_validator(mode="after")
    def _dates(self) -> TestReportIn:
        if self.sampling_date and self.sampling_date > self.issue_date:
            raise ValueError("sampling_date is after issue_date")
        if self.valid_until and self.valid_until < self.issue_date:
            raise ValueError("valid_until is before issue_date")
        return self


class CertificateIn(_Model):
    type: str = Field(min_length=1, max_length=64)  # organic, green_food, ccc, health_food_approval, …
    number: str = Field(min_length=1, max_length=100)
    issuer: str = Field(min_length=1, max_length=200)
    issue_date: dt.date | None = None
    valid_until: dt.date | None = None
    scope: str | None = None

    _dates_as_text = field_validator("issue_date", "valid_until", mode="before")(_date_text)


class ProductRecord(_Model):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    category: str = Field(min_length=1, max_length=64)  # a product category id (lexicons/product_categories.yaml)
    brand: str | None = Field(default=None, max_length=200)
    supplier: SupplierIn | None = None
    specs: list[SpecIn] = Field(default_factory=list)
    ingredients: list[str] = Field(default_factory=list)  # in label order; shares in brackets as printed
    nutrition: list[NutritionIn] = Field(default_factory=list)
    test_reports: list[TestReportIn] = Field(default_factory=list)
    certificates: list[CertificateIn] = Field(default_factory=list)

    @field_validator("sku")
    @classmethod
    def _sku_shape(cls, v: str) -> str:
        if any(ch.isspace() for ch in v):
            raise ValueError("SKU must not contain spaces")
        return v

    @field_validator("ingredients", mode="before")
    @classmethod
    def _ingredient_objects(cls, v: object) -> object:
        """An ingredient may be written {"name": "生牛乳", "percent": 95}: kept as printed, 生牛乳（95%）."""
        if not isinstance(v, list):
            return v
        out = []
        for item in v:
            if isinstance(item, dict) and set(item) <= {"name", "percent"} and isinstance(item.get("name"), str):
                pct = item.get("percent")
                out.append(item["name"] + (f"（{pct}%）" if pct not in (None, "") else ""))
            else:
                out.append(item)
        return out

    @field_validator("ingredients")
    @classmethod
    def _no_blank_ingredients(cls, v: list[str]) -> list[str]:
        if any(not i.strip() for i in v):
            raise ValueError("an ingredient is blank")
        if any(len(i.strip()) > 200 for i in v):
            raise ValueError("an ingredient is longer than 200 characters")
        return [i.strip() for i in v]

    @model_validator(mode="after")
    def _unique_numbers(self) -> ProductRecord:
        nos = [r.report_no for r in self.test_reports]
        if len(nos) != len(set(nos)):
            raise ValueError("a report number appears twice")
        return self
