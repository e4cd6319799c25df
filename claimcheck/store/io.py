"""Import and export of product records: JSON, Excel (.xlsx) and CSV, with pandas.

Formats (documented in docs/PRODUCTS.md):

* **JSON** — an array of product records (``claimcheck/store/schema.py``), nested.
* **Excel** — one workbook, sheets ``products``, ``specs``, ``ingredients``,
  ``reports``, ``report_items``, ``certificates``; rows joined by ``sku`` (and
  ``report_no``). Only ``products`` is required.
* **CSV** — the ``products`` sheet alone, one product per row, with optional
  ``ingredients`` (separated by 、 or ;) and ``spec:名称`` / ``spec:名称[单位]`` columns.

Every row is validated before anything is written; an error names the sheet (or
record), the row and the field, and the import writes nothing.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from claimcheck.errors import InputError, describe_validation_errors
from claimcheck.store.schema import ProductRecord

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


class ImportError_(InputError):
    """A product file is malformed; the message names where."""


def _clean(v: Any) -> Any:
    import pandas as pd

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return str(v) if not isinstance(v, str) else v


def _describe(exc: ValidationError) -> str:
    return describe_validation_errors(exc.errors())


def _validate(raw: dict[str, Any], where: str, resolve_category: Callable[[str], str] | None) -> ProductRecord:
    try:
        rec = ProductRecord.model_validate(raw)
    except ValidationError as exc:
        raise ImportError_(f"{where}: {_describe(exc)}") from None
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
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ImportError_(f"{path.name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except UnicodeDecodeError:
        raise ImportError_(f"{path.name}: not UTF-8 text") from None
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


def _frame_rows(df: pd.DataFrame, sheet: str, name: str) -> list[tuple[str, dict[str, Any]]]:
    missing = [c for c in REQUIRED_COLUMNS[sheet] if c not in df.columns]
    if missing:
        raise ImportError_(f"{name}: sheet {sheet!r} lacks column(s) {', '.join(missing)}")
    rows = []
    for i, row in enumerate(df.to_dict(orient="records")):
        where = f"{name}: sheet {sheet}, row {i + 2}"  # row 1 is the header
        clean = {str(k).strip(): _clean(v) for k, v in row.items()}
        if all(v is None for v in clean.values()):
            continue  # a blank (perhaps only formatted) row
        for col in REQUIRED_COLUMNS[sheet]:
            if clean.get(col) is None:
                raise ImportError_(f"{where}: {col}: required value is empty")
        rows.append((where, clean))
    return rows


def _assemble(sheets: dict[str, pd.DataFrame], name: str, resolve_category=None) -> list[ProductRecord]:
    if "products" not in sheets:
        raise ImportError_(f"{name}: no 'products' sheet")
    products: dict[str, dict[str, Any]] = {}
    wheres: dict[str, str] = {}
    for where, r in _frame_rows(sheets["products"], "products", name):
        if r["sku"] in products:
            raise ImportError_(f"{where}: sku {r['sku']!r} appears twice (first at {wheres[r['sku']]})")
        rec: dict[str, Any] = {"sku": r["sku"], "name": r["name"], "category": r["category"], "brand": r.get("brand")}
        if r.get("supplier"):
            rec["supplier"] = {
                "name": r["supplier"],
                "credit_code": r.get("supplier_credit_code"),
                "contact": r.get("supplier_contact"),
            }
        rec["specs"], rec["ingredients"], rec["test_reports"], rec["certificates"] = [], [], [], []
        rec["nutrition"] = []
        for col, v in r.items():  # CSV convenience columns
            if col.startswith("spec:") and v is not None:
                label = col[5:]
                unit = None
                if label.endswith("]") and "[" in label:
                    label, unit = label[:-1].split("[", 1)
                rec["specs"].append({"name": label.strip(), "value": v, "unit": unit})
            elif col == "ingredients" and v:
                rec["ingredients"] = [x.strip() for x in v.replace(";", "、").split("、") if x.strip()]
        products[r["sku"]] = rec
        wheres[r["sku"]] = where

    def owner(where: str, sku: str) -> dict[str, Any]:
        if sku not in products:
            raise ImportError_(f"{where}: sku: {sku!r} is not in the products sheet")
        return products[sku]

    if "specs" in sheets:
        for where, r in _frame_rows(sheets["specs"], "specs", name):
            owner(where, r["sku"])["specs"].append({"name": r["name"], "value": r["value"], "unit": r.get("unit")})
    if "ingredients" in sheets:
        for where, r in _frame_rows(sheets["ingredients"], "ingredients", name):
            owner(where, r["sku"])["ingredients"].append(r["name"])
    if "nutrition" in sheets:
        for where, r in _frame_rows(sheets["nutrition"], "nutrition", name):
            owner(where, r["sku"])["nutrition"].append({k: r.get(k) for k in ("item", "value", "unit", "per", "nrv")})
    reports: dict[tuple[str, str], dict[str, Any]] = {}
    if "reports" in sheets:
        for where, r in _frame_rows(sheets["reports"], "reports", name):
            rep = {k: r.get(k) for k in ("report_no", "laboratory", "sampling_date", "issue_date", "valid_until")}
            rep["conclusion"] = r.get("conclusion") or "pass"
            rep["items"] = []
            key = (r["sku"], r["report_no"])
            if key in reports:
                raise ImportError_(f"{where}: report_no {r['report_no']!r} appears twice for sku {r['sku']!r}")
            reports[key] = rep
            owner(where, r["sku"])["test_reports"].append(rep)
    if "report_items" in sheets:
        for where, r in _frame_rows(sheets["report_items"], "report_items", name):
            key = (r["sku"], r["report_no"])
            if key not in reports:
                raise ImportError_(f"{where}: report_no: {r['report_no']!r} is not in the reports sheet")
            reports[key]["items"].append(
                {k: r.get(k) for k in ("item", "measured", "unit", "limit", "detection_limit", "standard")}
                | {"result": r.get("result") or "pass"}
            )
    if "certificates" in sheets:
        for where, r in _frame_rows(sheets["certificates"], "certificates", name):
            owner(where, r["sku"])["certificates"].append(
                {k: r.get(k) for k in ("type", "number", "issuer", "issue_date", "valid_until", "scope")}
            )
    return [_validate(raw, wheres[sku], resolve_category) for sku, raw in products.items()]


def read_excel(path: Path, resolve_category=None) -> list[ProductRecord]:
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except (ValueError, OSError, KeyError) as exc:
        raise ImportError_(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    except Exception as exc:  # openpyxl raises zipfile/xml errors for damaged files
        raise ImportError_(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    sheets = {str(k).strip().lower(): v for k, v in sheets.items() if str(k).strip().lower() not in NOTE_SHEETS}
    unknown = [k for k in sheets if k not in SHEETS]
    if unknown:
        raise ImportError_(f"{path.name}: unknown sheet {unknown[0]!r}; expected {', '.join(SHEETS)}")
    return _assemble(sheets, path.name, resolve_category)


def read_csv(path: Path, resolve_category=None) -> list[ProductRecord]:
    import pandas as pd

    for enc in ("utf-8-sig", "gb18030"):
        try:
            df = pd.read_csv(path, dtype=object, encoding=enc, keep_default_na=False, na_values=[""])
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ImportError_(f"{path.name}: not a readable CSV ({exc})") from None
    else:
        raise ImportError_(f"{path.name}: not UTF-8 or GB18030 text")
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
        raise ImportError_(f"{p.name}: no product records in the file")
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
    elif suffix == ".csv":
        frames = to_frames(records)
        df = frames["products"].copy()
        for r_i, rec in enumerate(records):
            if rec.ingredients:
                df.loc[r_i, "ingredients"] = "、".join(rec.ingredients)
            for s in rec.specs:
                col = f"spec:{s.name}" + (f"[{s.unit}]" if s.unit else "")
                df.loc[r_i, col] = s.value
        df.to_csv(p, index=False, encoding="utf-8-sig")
    else:
        raise ImportError_(f"{p.name}: unsupported export type; use .json, .xlsx or .csv")
    return p
