"""Import and export of product records: JSON, Excel (.xlsx) and CSV, with pandas.

Formats (documented in docs/PRODUCTS.md):

* **JSON** — an array of product records (``claimcheck/store/schema.py``), nested.
* **Excel** — one workbook, sheets ``products``, ``specs``, ``ingredients``,
  ``reports``, ``report_items``, ``certificates``; rows joined by ``sku`` (and
  ``report_no``). Only ``products`` is required.
* **CSV** — the ``products`` sheet alone, one product per row, with optional
  ``ingredients`` (separated by 、 or ;) and ``spec:名称`` / ``spec:名称[单位]`` columns.

Every row is validated before anything is written; an error names the sheet (or
record), the row and the field where the bad value is (a test report's date in
the ``reports`` sheet, not the product's row), and the import writes nothing.
Exports to CSV and Excel keep text as text (:mod:`claimcheck.sheets`): a name
such as ``=HYPERLINK(…)`` is never a live formula.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from claimcheck.errors import InputError, describe_validation_errors
from claimcheck.safejson import JSONInputError, loads
from claimcheck.sheets import escape_formula, keep_formulas_as_text, unescape_formula
from claimcheck.store.schema import NO_RECORDS, ProductRecord
from claimcheck.textcodec import UndecodableText, decode_text

if TYPE_CHECKING:
    import pandas as pd

#: sheets of instructions (the template's 说明) that the importer skips
NOTE_SHEETS = frozenset({"说明", "填写说明", "readme", "instructions"})
SHEETS = ("products", "specs", "ingredients", "nutrition", "reports", "report_items", "certificates")
REQUIRED_COLUMNS = {
    "products": ("sku", "name", "category"),
    "specs": ("sku", "name", "value"),
    "ingredients": ("sku", "name"),
    "nutrition": ("sku", "item", "value"),
    "reports": ("sku", "report_no", "laboratory", "issue_date"),
    "report_items": ("sku", "report_no", "item"),
    "certificates": ("sku", "type", "number", "issuer"),
}
CERT_COLUMNS = ("type", "number", "issuer", "issue_date", "valid_until", "scope")


class ImportError_(InputError):
    """A product file is malformed; the message names where."""


def _clean(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dt.datetime):  # Excel date cells (pandas Timestamp is a datetime)
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, str):
        v = unescape_formula(v.strip())  # a CSV/Excel cell exported as '=… comes back as =…
        return v or None
    return str(v)


#: where each part of an assembled record came from: (where, field) per child, by list position
Origins = dict[str, Any]
_CHILDREN = ("specs", "ingredients", "nutrition", "test_reports", "certificates")
_SUPPLIER_COLUMNS = {"name": "supplier", "credit_code": "supplier_credit_code", "contact": "supplier_contact"}


def _locate(loc: tuple[Any, ...], where: str, origins: Origins) -> tuple[str, tuple[Any, ...]]:
    """The sheet row and column of a validation error in an assembled record (else the record's ``where``)."""
    if len(loc) >= 2 and loc[0] in _CHILDREN and isinstance(loc[1], int) and loc[1] < len(origins.get(loc[0], ())):
        if loc[0] == "test_reports" and len(loc) >= 4 and loc[2] == "items" and isinstance(loc[3], int):
            items = origins["items"].get(loc[1], [])
            if loc[3] < len(items):
                item_where, column = items[loc[3]]
                return item_where, column or loc[4:]
        child_where, column = origins[loc[0]][loc[1]]
        return child_where, column or loc[2:]
    if loc[:1] == ("ingredients",) and origins.get("ingredients"):
        return origins["ingredients"][0][0], ("ingredients",)
    if loc[:1] == ("supplier",) and origins and len(loc) > 1:
        return where, (_SUPPLIER_COLUMNS.get(str(loc[1]), "supplier"),)
    return where, loc


def _validate(
    raw: dict[str, Any], where: str, resolve_category: Callable[[str], str] | None, origins: Origins | None = None
) -> ProductRecord:
    try:
        rec = ProductRecord.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first_where, loc = _locate(tuple(errors[0].get("loc", ())), where, origins or {})
        message = describe_validation_errors([{**errors[0], "loc": loc}, *errors[1:]])
        raise ImportError_(f"{first_where}: {message}") from None
    if resolve_category is not None:
        try:
            rec = rec.model_copy(update={"category": resolve_category(rec.category)})
        except ValueError as exc:
            raise ImportError_(f"{where}: category: {exc}") from None
    return rec


def _check_unique(records: list[ProductRecord], wheres: list[str]) -> None:
    seen: dict[str, str] = {}
    for rec, where in zip(records, wheres, strict=True):
        if rec.sku in seen:
            raise ImportError_(f"{where}: sku {rec.sku!r} appears twice (first at {seen[rec.sku]})")
        seen[rec.sku] = where


def read_json(path: Path, resolve_category=None) -> list[ProductRecord]:
    try:
        data = loads(path.read_bytes())
    except JSONInputError as exc:
        raise ImportError_(f"{path.name}: {exc}") from None
    except OSError as exc:
        raise ImportError_(f"{path.name}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
    if isinstance(data, dict) and "products" in data:
        data = data["products"]
    if not isinstance(data, list):
        raise ImportError_(f"{path.name}: expected an array of product records")
    records, wheres = [], []
    for i, raw in enumerate(data, 1):
        sku = raw.get("sku") if isinstance(raw, dict) else None
        where = f"{path.name}: record {i}" + (f" (sku {sku})" if sku else "")
        if not isinstance(raw, dict):
            raise ImportError_(f"{where}: not an object")
        records.append(_validate(raw, where, resolve_category))
        wheres.append(where)
    _check_unique(records, wheres)
    return records


def _frame_rows(df: pd.DataFrame, sheet: str, name: str, label: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Non-blank rows of one sheet with their ``where`` (``label``: the sheet's name as the workbook spells it)."""
    shown = label or sheet
    missing = [c for c in REQUIRED_COLUMNS[sheet] if c not in df.columns]
    if missing:
        raise ImportError_(f"{name}: sheet {shown!r} lacks column(s) {', '.join(missing)}")
    rows = []
    for i, row in enumerate(df.to_dict(orient="records")):
        where = f"{name}: sheet {shown}, row {i + 2}"  # row 1 is the header
        clean = {str(k).strip(): _clean(v) for k, v in row.items()}
        if all(v is None for v in clean.values()):
            continue  # a blank (perhaps only formatted) row
        for col in REQUIRED_COLUMNS[sheet]:
            if clean.get(col) is None:
                raise ImportError_(f"{where}: {col}: required value is empty")
        rows.append((where, clean))
    return rows


def _product_row(where: str, r: dict[str, Any], origin: Origins) -> dict[str, Any]:
    """A record from a products row, with the CSV convenience columns (spec:名称[单位], ingredients)."""
    rec: dict[str, Any] = {"sku": r["sku"], "name": r["name"], "category": r["category"], "brand": r.get("brand")}
    if r.get("supplier"):
        rec["supplier"] = {
            "name": r["supplier"],
            "credit_code": r.get("supplier_credit_code"),
            "contact": r.get("supplier_contact"),
        }
    rec |= {child: [] for child in _CHILDREN}
    for col, v in r.items():
        if col.startswith("spec:") and v is not None:
            label = col[5:]
            unit = None
            if label.endswith("]") and "[" in label:
                label, unit = label[:-1].split("[", 1)
            rec["specs"].append({"name": label.strip(), "value": v, "unit": unit})
            origin["specs"].append((where, (col,)))
        elif col == "ingredients" and v:
            rec["ingredients"] = [x.strip() for x in v.replace(";", "、").split("、") if x.strip()]
            origin["ingredients"] = [(where, ("ingredients",))] * len(rec["ingredients"])
    return rec


def _assemble(
    sheets: dict[str, pd.DataFrame], name: str, resolve_category=None, labels: dict[str, str] | None = None
) -> list[ProductRecord]:
    if "products" not in sheets:
        raise ImportError_(f"{name}: no 'products' sheet")
    labels = labels or {}
    products: dict[str, dict[str, Any]] = {}
    wheres: dict[str, str] = {}
    origins: dict[str, Origins] = {}
    for where, r in _frame_rows(sheets["products"], "products", name, labels.get("products")):
        if r["sku"] in products:
            raise ImportError_(f"{where}: sku {r['sku']!r} appears twice (first at {wheres[r['sku']]})")
        origins[r["sku"]] = {child: [] for child in _CHILDREN} | {"items": defaultdict(list)}
        products[r["sku"]] = _product_row(where, r, origins[r["sku"]])
        wheres[r["sku"]] = where

    def rows(sheet: str) -> list[tuple[str, dict[str, Any]]]:
        return _frame_rows(sheets[sheet], sheet, name, labels.get(sheet)) if sheet in sheets else []

    def add(where: str, sku: str, child: str, value: Any) -> int:
        """Append ``value`` to the record's ``child`` list, remembering the row; its index there."""
        if sku not in products:
            raise ImportError_(f"{where}: sku: {sku!r} is not in the products sheet")
        products[sku][child].append(value)
        origins[sku][child].append((where, ()))
        return len(products[sku][child]) - 1

    for where, r in rows("specs"):
        add(where, r["sku"], "specs", {"name": r["name"], "value": r["value"], "unit": r.get("unit")})
    for where, r in rows("ingredients"):
        add(where, r["sku"], "ingredients", r["name"])
    for where, r in rows("nutrition"):
        add(where, r["sku"], "nutrition", {k: r.get(k) for k in ("item", "value", "unit", "per", "nrv")})
    reports: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
    for where, r in rows("reports"):
        rep = {k: r.get(k) for k in ("report_no", "laboratory", "sampling_date", "issue_date", "valid_until")}
        rep["conclusion"] = r.get("conclusion") or "pass"
        rep["items"] = []
        key = (r["sku"], r["report_no"])
        if key in reports:
            raise ImportError_(f"{where}: report_no {r['report_no']!r} appears twice for sku {r['sku']!r}")
        reports[key] = rep, add(where, r["sku"], "test_reports", rep)
    for where, r in rows("report_items"):
        key = (r["sku"], r["report_no"])
        if key not in reports:
            raise ImportError_(f"{where}: report_no: {r['report_no']!r} is not in the reports sheet")
        rep, index = reports[key]
        rep["items"].append(
            {k: r.get(k) for k in ("item", "measured", "unit", "limit", "detection_limit", "standard")}
            | {"result": r.get("result") or "pass"}
        )
        origins[r["sku"]]["items"][index].append((where, ()))
    for where, r in rows("certificates"):
        add(where, r["sku"], "certificates", {k: r.get(k) for k in CERT_COLUMNS})
    return [_validate(raw, wheres[sku], resolve_category, origins[sku]) for sku, raw in products.items()]


def read_excel(path: Path, resolve_category=None) -> list[ProductRecord]:
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except OSError as exc:
        raise ImportError_(f"{path.name}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
    except Exception as exc:  # openpyxl raises zipfile/xml/Value/Key errors for damaged files; never show paths
        raise ImportError_(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    labels = {str(k).strip().lower(): str(k) for k in sheets}
    sheets = {str(k).strip().lower(): v for k, v in sheets.items() if str(k).strip().lower() not in NOTE_SHEETS}
    unknown = [labels[k] for k in sheets if k not in SHEETS]
    if unknown:
        raise ImportError_(f"{path.name}: unknown sheet {unknown[0]!r}; expected {', '.join(SHEETS)}")
    return _assemble(sheets, path.name, resolve_category, labels)


def read_csv(path: Path, resolve_category=None) -> list[ProductRecord]:
    import io

    import pandas as pd

    try:
        text, _ = decode_text(path.read_bytes())  # UTF-8, UTF-16 with BOM, or GB18030 that is not mojibake
    except UndecodableText as exc:
        raise ImportError_(f"{path.name}: {exc}") from None
    except OSError as exc:
        raise ImportError_(f"{path.name}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportError_(f"{path.name}: not a readable CSV ({str(exc)[:120]})") from None
    return _assemble({"products": df}, path.name, resolve_category)


def read_products(path: str | Path, resolve_category=None) -> list[ProductRecord]:
    """Read a product file by extension; raise ImportError_ naming row and field."""
    p = Path(path)
    if not p.is_file():
        raise ImportError_(f"{p}: file not found")
    readers = {".json": read_json, ".xlsx": read_excel, ".csv": read_csv}
    reader = readers.get(p.suffix.lower())
    if reader is None:
        raise ImportError_(f"{p.name}: unsupported file type {p.suffix or '(none)'}; use .json, .xlsx or .csv")
    records = reader(p, resolve_category)
    if not records:
        raise ImportError_(f"{p.name}: {NO_RECORDS}")
    return records


def to_frames(records: list[ProductRecord]) -> dict[str, pd.DataFrame]:
    import pandas as pd

    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        rows["products"].append(
            {
                "sku": r.sku,
                "name": r.name,
                "category": r.category,
                "brand": r.brand,
                "supplier": r.supplier.name if r.supplier else None,
                "supplier_credit_code": r.supplier.credit_code if r.supplier else None,
                "supplier_contact": r.supplier.contact if r.supplier else None,
            }
        )
        rows["specs"] += [{"sku": r.sku, "name": s.name, "value": s.value, "unit": s.unit} for s in r.specs]
        rows["ingredients"] += [{"sku": r.sku, "name": n} for n in r.ingredients]
        rows["nutrition"] += [{"sku": r.sku, **n.model_dump()} for n in r.nutrition]
        for rep in r.test_reports:
            rows["reports"].append({"sku": r.sku, **rep.model_dump(exclude={"items"}, mode="json")})
            rows["report_items"] += [{"sku": r.sku, "report_no": rep.report_no, **t.model_dump()} for t in rep.items]
        rows["certificates"] += [{"sku": r.sku, **c.model_dump(mode="json")} for c in r.certificates]
    return {
        sheet: pd.DataFrame(rows[sheet], columns=None if rows[sheet] else list(REQUIRED_COLUMNS[sheet]))
        for sheet in SHEETS
    }


def write_products(records: list[ProductRecord], path: str | Path) -> Path:
    """Write ``records`` as .json, .xlsx or .csv; text that a spreadsheet would run as a formula stays text."""
    import pandas as pd

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        p.write_text(
            json.dumps([r.model_dump(mode="json", exclude_none=True) for r in records], ensure_ascii=False, indent=2)
            + "\n",
            encoding="utf-8",
        )
    elif suffix == ".xlsx":
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            for sheet, df in to_frames(records).items():
                df.to_excel(xw, sheet_name=sheet, index=False)
                keep_formulas_as_text(xw.sheets[sheet])
    elif suffix == ".csv":
        frames = to_frames(records)
        df = frames["products"].copy()
        for r_i, rec in enumerate(records):
            if rec.ingredients:
                df.loc[r_i, "ingredients"] = "、".join(rec.ingredients)
            for s in rec.specs:
                col = f"spec:{s.name}" + (f"[{s.unit}]" if s.unit else "")
                df.loc[r_i, col] = s.value
        df.map(escape_formula).to_csv(p, index=False, encoding="utf-8-sig")
    else:
        raise ImportError_(f"{p.name}: unsupported export type; use .json, .xlsx or .csv")
    return p
