"""Cross-check extracted claims against one product record.

Verdicts: ``supported`` (the record backs it), ``contradicted`` (the record says
otherwise), ``unverifiable`` (nothing on file), ``expired_evidence`` (the only
evidence is not valid on the broadcast date), ``failed_evidence`` (a test item
failed). Each check returns the evidence it used, so the reviewer sees the
report number, the item, the attribute and the stored value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from claimcheck.specs.extract import Claim, parse_number
from claimcheck.specs.tables import SpecTables
from claimcheck.store.schema import ProductRecord, SpecIn, TestReportIn

ClaimVerdict = Literal["supported", "contradicted", "unverifiable", "expired_evidence", "failed_evidence"]


@dataclass(frozen=True)
class ClaimCheck:
    claim: Claim
    verdict: ClaimVerdict
    evidence: dict[str, Any] = field(default_factory=dict)
    explanation: str = ""


_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%\s*([^\d%\s,，、;；/]+)|([^\d%\s,，、;；/]+?)\s*(\d+(?:\.\d+)?)\s*%")
_QTY = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z\u4e00-\u9fff]+)?")


class SpecNormalizer:
    """Canonical values of spec attributes (what is stored in ``normalized_value``)."""

    def __init__(self, tables: SpecTables) -> None:
        self.t = tables
        attrs = tables.attributes.attributes
        self._materials = {s.lower(): c for c, v in attrs["material"].values.items() for s in v.synonyms}
        self._colors = {s.lower(): c for c, v in attrs["color"].values.items() for s in v.synonyms}

    def _canon_material(self, word: str) -> str | None:
        w = word.strip().lower()
        if w in self._materials:
            return self._materials[w]
        for syn in sorted(self._materials, key=len, reverse=True):  # 新疆长绒棉 -> 棉
            if len(syn) >= 2 and syn in w:
                return self._materials[syn]
        return self._materials.get(w[-1:]) if w[-1:] in ("棉",) else None

    def __call__(self, spec: SpecIn) -> dict[str, Any] | None:
        found = self.t.attribute_for_spec(spec.name)
        if found is None:
            return None
        key, attr = found
        raw = spec.value.strip()
        if attr.kind == "composition":
            parts: dict[str, float | None] = {}
            for m in _PCT.finditer(raw):
                pct = float(m.group(1) or m.group(4))
                name = re.split(r"[（(]", (m.group(2) or m.group(3)))[0].strip()  # 100%棉（60S贡缎）
                canon = self._canon_material(name)
                if canon:
                    parts[canon] = parts.get(canon, 0.0) + pct  # type: ignore[operator]
            if not parts:
                for token in re.split(r"[\s,，、/+]+", raw):
                    canon = self._canon_material(token) if token else None
                    if canon:
                        parts[canon] = None
            return {"attribute": key, "composition": parts} if parts else None
        if attr.kind == "enum":
            vals = sorted({c for s, c in self._colors.items() if s in raw.lower()})
            return {"attribute": key, "values": vals} if vals else None
        if attr.kind == "quantity":
            q = _QTY.search(raw)
            if not q:
                return None
            num = parse_number(q.group(1))
            conv = self.t.units.lookup(spec.unit or q.group(2))
            if num is None or conv is None or conv[0] not in attr.dimensions:
                return None
            return {"attribute": key, "amount": num * conv[1], "dimension": conv[0]}
        return {"attribute": key, "text": raw}


def _spec(record: ProductRecord, normalizer: SpecNormalizer, attribute: str) -> tuple[SpecIn, dict] | None:
    for sp in record.specs:
        norm = normalizer(sp)
        if norm and norm["attribute"] == attribute:
            return sp, norm
    return None


def _specs(record: ProductRecord, normalizer: SpecNormalizer, attribute: str) -> list[tuple[SpecIn, dict]]:
    """Every spec of the record that is about ``attribute`` (a record may have 面料, 里料 and 填充物)."""
    out = []
    for sp in record.specs:
        norm = normalizer(sp)
        if norm and norm["attribute"] == attribute:
            out.append((sp, norm))
    return out


def _spec_evidence(sp: SpecIn) -> dict[str, Any]:
    return {"attribute": sp.name, "value": sp.value + (f" {sp.unit}" if sp.unit else "")}


def _valid(until: dt.date | None, on: dt.date) -> bool:
    return until is None or until >= on


class ClaimChecker:
    def __init__(self, tables: SpecTables) -> None:
        self.t = tables
        self.normalize = SpecNormalizer(tables)

    def check(self, claim: Claim, record: ProductRecord, on: dt.date) -> ClaimCheck:
        handler = getattr(self, f"_check_{claim.kind}")
        return handler(claim, record, on)

    # -- spec attributes -------------------------------------------------------
    def _check_composition(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        """Compared with every material-like spec (面料, 里料, 填充物 …): a claim names one of them."""
        found = _specs(r, self.normalize, "material")
        if not found:
            return self._from_reports(c, r, on, ("纤维含量", "成分"), "材质")
        mat, pct = c.value["material"], c.value["percent"]
        tol = self.t.attributes.attributes["material"].tolerance
        holding = [(sp, norm["composition"][mat]) for sp, norm in found if mat in norm["composition"]]
        if not holding:
            sp = found[0][0]
            values = "；".join(f"{x.name} {x.value}" for x, _ in found)
            return ClaimCheck(
                c, "contradicted", _spec_evidence(sp), f"宣称“{c.surface}”，但产品资料为“{values}”，不含{mat}"
            )
        for sp, have in holding:
            ev = _spec_evidence(sp)
            if have is None:
                return ClaimCheck(c, "supported", ev, f"{sp.name}“{sp.value}”含{mat}（资料未注明比例）")
            if abs(have - pct) <= tol or (pct < 100 and have >= pct):
                failed = self._from_reports(c, r, on, ("纤维含量", "成分"), "材质")
                if failed.verdict == "failed_evidence":  # the record says 100%, the lab measured less
                    return failed
                return ClaimCheck(c, "supported", ev, f"{sp.name}资料{mat}占{have:g}%")
        sp, have = holding[0]
        return ClaimCheck(
            c,
            "contradicted",
            _spec_evidence(sp),
            f"宣称“{c.surface}”（{mat}{pct:g}%），产品资料{sp.name}为“{sp.value}”",
        )

    def _check_material(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        found = _specs(r, self.normalize, "material")
        if not found:
            return ClaimCheck(c, "unverifiable", {}, "产品资料未登记材质")
        for sp, norm in found:
            if c.value["material"] in norm["composition"]:
                return ClaimCheck(c, "supported", _spec_evidence(sp), f"{sp.name}资料为“{sp.value}”")
        sp = found[0][0]
        values = "；".join(f"{x.name} {x.value}" for x, _ in found)
        return ClaimCheck(c, "contradicted", _spec_evidence(sp), f"提到“{c.surface}”，但产品资料为“{values}”")

    def _check_color(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        found = _spec(r, self.normalize, "color")
        if found is None:
            return ClaimCheck(c, "unverifiable", {}, "产品资料未登记颜色")
        sp, norm = found
        if c.value["color"] in norm["values"]:
            return ClaimCheck(c, "supported", _spec_evidence(sp), f"颜色资料为“{sp.value}”")
        return ClaimCheck(c, "contradicted", _spec_evidence(sp), f"提到“{c.surface}”，但产品资料的颜色为“{sp.value}”")

    def _check_amount(self, c: Claim, r: ProductRecord, attribute: str, label: str) -> ClaimCheck:
        found = _spec(r, self.normalize, attribute)
        if found is None:
            return ClaimCheck(c, "unverifiable", {}, f"产品资料未登记{label}")
        sp, norm = found
        ev = _spec_evidence(sp)
        if norm["dimension"] != c.value["dimension"]:
            return ClaimCheck(
                c, "contradicted", ev, f"宣称“{c.surface}”，产品资料的{label}为“{ev['value']}”（单位类型不同）"
            )
        tol = self.t.attributes.attributes[attribute].tolerance
        said, stored = c.value["amount"], norm["amount"]
        ev["claimed_base"] = said
        ev["stored_base"] = stored
        if abs(said - stored) <= tol * max(stored, 1e-9):
            return ClaimCheck(c, "supported", ev, f"{label}资料为“{ev['value']}”")
        return ClaimCheck(c, "contradicted", ev, f"宣称“{c.surface}”，产品资料的{label}为“{ev['value']}”")

    def _check_quantity(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        return self._check_amount(c, r, "net_content", "净含量")

    def _check_shelf_life(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        return self._check_amount(c, r, "shelf_life", "保质期")

    def _check_power(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        return self._check_amount(c, r, "power", "功率")

    def _check_origin(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        found = _spec(r, self.normalize, "origin")
        if found is None:
            return ClaimCheck(c, "unverifiable", {}, "产品资料未登记产地")
        sp, _ = found
        said, stored = c.value["place"], sp.value
        if said[:2] in stored or stored[:2] in said:
            return ClaimCheck(c, "supported", _spec_evidence(sp), f"产地资料为“{stored}”")
        return ClaimCheck(c, "contradicted", _spec_evidence(sp), f"宣称产地“{said}”，产品资料为“{stored}”")

    # -- ingredient list ---------------------------------------------------------
    def _check_free_from(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        group = self.t.claims.free_from[c.value["group"]]
        if not r.ingredients:
            return ClaimCheck(c, "unverifiable", {}, "产品资料未登记配料表")
        for pos, ing in enumerate(r.ingredients, 1):
            if any(word in ing for word in group.ingredients):
                ev = {"attribute": "配料表", "value": "、".join(r.ingredients), "ingredient": ing, "position": pos}
                return ClaimCheck(
                    c, "contradicted", ev, f"宣称“{c.surface}”，但配料表第{pos}位含“{ing}”（{group.label}）"
                )
        return ClaimCheck(
            c, "supported", {"attribute": "配料表", "value": "、".join(r.ingredients)}, f"配料表未见{group.label}"
        )

    # -- certificates and test reports --------------------------------------------
    def _check_certification(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        ctype = c.value["type"]
        label = self.t.claims.certifications[ctype].label
        certs = [x for x in r.certificates if self.certificate_kind(x.type) == ctype]
        if not certs:
            return ClaimCheck(
                c, "unverifiable", {"certificate_type": label}, f"宣称“{c.surface}”，产品资料中没有{label}"
            )
        best = max(certs, key=lambda x: x.valid_until or dt.date.max)
        ev = {
            "certificate_type": label,  # the reviewer's word for it (绿色食品), not the table id
            "number": best.number,
            "issuer": best.issuer,
            "valid_until": best.valid_until.isoformat() if best.valid_until else None,
        }
        if _valid(best.valid_until, on):
            return ClaimCheck(c, "supported", ev, f"{label} {best.number}，有效期至{ev['valid_until'] or '长期'}")
        return ClaimCheck(
            c, "expired_evidence", ev, f"{label} {best.number} 已于 {best.valid_until} 过期（播出日期 {on}）"
        )

    def certificate_kind(self, type_text: str) -> str | None:
        """A record's certificate type (an id, or the Chinese name people write) -> the table's id."""
        t = type_text.strip().lower()
        certs = self.t.claims.certifications
        if t in certs:
            return t
        best = None
        for key, c in certs.items():
            for phrase in (c.label.lower(), *(p.lower() for p in c.phrases)):
                if (
                    phrase
                    and (phrase in t or (len(t) >= 2 and t in phrase))
                    and (best is None or len(phrase) > best[1])
                ):
                    best = (key, len(phrase))
        return best[0] if best else None

    def _reports_for(self, r: ProductRecord, lab: str | None) -> list[TestReportIn]:
        reports = r.test_reports
        if lab is not None:
            needles = [m.lower() for m in self.t.claims.tests.labs[lab].match]
            reports = [x for x in reports if any(n in x.laboratory.lower() for n in needles)]
        return sorted(reports, key=lambda x: x.issue_date, reverse=True)

    def _check_test(self, c: Claim, r: ProductRecord, on: dt.date) -> ClaimCheck:
        lab = c.value.get("lab")
        reports = self._reports_for(r, lab)
        item_names = self.t.claims.tests.items[c.value["item"]].items if "item" in c.value else None
        if item_names is not None:
            reports = [x for x in reports if any(any(n in it.item for n in item_names) for it in x.items)]
        if not reports:
            what = f"{lab}的检测报告" if lab else "相关检测报告"
            return ClaimCheck(c, "unverifiable", {}, f"宣称“{c.surface}”，产品资料中没有{what}")
        valid = [x for x in reports if _valid(x.valid_until, on)]
        current = valid[0] if valid else reports[0]
        items = current.items
        if item_names is not None:
            items = [it for it in items if any(n in it.item for n in item_names)]
        failed = [it for it in items if it.result == "fail"]
        ev: dict[str, Any] = {
            "report_no": current.report_no,
            "laboratory": current.laboratory,
            "issue_date": current.issue_date.isoformat(),
            "valid_until": current.valid_until.isoformat() if current.valid_until else None,
        }
        if failed or (item_names is None and current.conclusion == "fail"):
            it = failed[0] if failed else None
            if it is not None:
                ev.update({"item": it.item, "measured": it.measured, "limit": it.limit, "unit": it.unit})
            detail = (
                f"“{it.item}”实测 {it.measured or '?'}{it.unit or ''}，标准 {it.limit or '?'}" if it else "结论不合格"
            )
            return ClaimCheck(c, "failed_evidence", ev, f"宣称“{c.surface}”，但报告 {current.report_no} {detail}")
        if not valid:
            return ClaimCheck(
                c,
                "expired_evidence",
                ev,
                f"报告 {current.report_no} 有效期至 {current.valid_until}，播出日期 {on} 已过期",
            )
        return ClaimCheck(c, "supported", ev, f"报告 {current.report_no}（{current.laboratory}）结论合格")

    def _from_reports(self, c: Claim, r: ProductRecord, on: dt.date, items: tuple[str, ...], label: str) -> ClaimCheck:
        for rep in self._reports_for(r, None):
            for it in rep.items:
                if any(n in it.item for n in items) and it.result == "fail":
                    ev = {"report_no": rep.report_no, "item": it.item, "measured": it.measured, "limit": it.limit}
                    return ClaimCheck(c, "failed_evidence", ev, f"报告 {rep.report_no} 的“{it.item}”不合格")
        return ClaimCheck(c, "unverifiable", {}, f"产品资料未登记{label}")
