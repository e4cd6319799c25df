"""The Excel template for product records: every sheet and column, an example, drop-downs.

Suppliers fill it in and ``claimcheck products import`` reads it back: the sheets and columns
are the importer's (``store/io.py``), with an example product that is itself a valid record,
a 说明 sheet explaining each column in Chinese, list validation for the category, item
result and report conclusion, and date formats on date columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claimcheck.store.io import REQUIRED_COLUMNS, SHEETS

COLUMNS: dict[str, list[str]] = {
    "products": ["sku", "name", "category", "brand", "supplier", "supplier_credit_code", "supplier_contact"],
    "specs": ["sku", "name", "value", "unit"],
    "ingredients": ["sku", "name"],
    "nutrition": ["sku", "item", "value", "unit", "per", "nrv"],
    "reports": ["sku", "report_no", "laboratory", "issue_date", "sampling_date", "valid_until", "conclusion"],
    "report_items": ["sku", "report_no", "item", "measured", "unit", "limit", "detection_limit", "standard", "result"],
    "certificates": ["sku", "type", "number", "issuer", "issue_date", "valid_until", "scope"],
}
EXAMPLE: dict[str, list[list[Any]]] = {
    "products": [
        [
            "DEMO-001",
            "高钙牛奶 250ml×12盒",
            "食品",
            "示例品牌",
            "某某乳业有限公司",
            "91330100MA2XXXXXX1",
            "0571-00000000",
        ]
    ],
    "specs": [
        ["DEMO-001", "规格", "250ml×12盒", None],
        ["DEMO-001", "产地", "内蒙古呼和浩特市", None],
        ["DEMO-001", "保质期", "6个月", None],
    ],
    "ingredients": [["DEMO-001", "生牛乳（≥95%）"], ["DEMO-001", "碳酸钙"]],
    "nutrition": [["DEMO-001", "蛋白质", "3.2", "g", "100ml", "5%"], ["DEMO-001", "钙", "120", "mg", "100ml", "15%"]],
    "reports": [
        ["DEMO-001", "RPT-2026-0001", "示例检测技术有限公司", "2026-06-01", "2026-05-20", "2027-05-31", "pass"]
    ],
    "report_items": [
        ["DEMO-001", "RPT-2026-0001", "铅（以Pb计）", "未检出", "mg/kg", "≤0.05", "0.005", "GB 5009.12", "pass"]
    ],
    "certificates": [
        ["DEMO-001", "有机产品认证证书", "000OP2600000", "示例认证中心", "2026-01-01", "2027-12-31", None]
    ],
}
HELP = [
    ("products", "sku", "商品编码（唯一，不含空格）"),
    ("products", "category", "品类：中文名或代码，如 食品/保健食品/化妆品/小家电（见下拉）"),
    ("specs", "name / value", "任意属性名与取值，如 含绒量=90%、额定功率=1200W、规格=15g×20袋、产地=云南省普洱市"),
    ("ingredients", "name", "按配料表顺序，一行一种；有比例的写在括号里，如 生牛乳（95%）"),
    ("nutrition", "per", "每100g / 每100ml / 每份"),
    ("reports", "conclusion", "检验结论：pass 合格 / fail 不合格"),
    ("report_items", "measured", "实测值，如 2.1、未检出、<0.5；detection_limit 填检出限"),
    ("report_items", "result", "单项判定：pass / fail / n/a"),
    ("certificates", "type", "证书类型，按证书名称填写，如 有机产品认证证书、保健食品注册证书、强制性产品认证（3C）"),
    ("（全部）", "日期", "YYYY-MM-DD"),
]
DATE_COLUMNS = {"issue_date", "sampling_date", "valid_until"}


def write_template(path: str | Path, categories: list[str]) -> Path:
    """Write the template workbook to ``path`` (.xlsx)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    assert list(COLUMNS) == list(SHEETS)
    wb = Workbook()
    wb.remove(wb.active)
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet)
        ws.append(COLUMNS[sheet])
        for i, col in enumerate(COLUMNS[sheet], 1):
            cell = ws.cell(row=1, column=i)
            cell.font = bold
            if col in REQUIRED_COLUMNS[sheet]:
                cell.fill = required_fill
            ws.column_dimensions[get_column_letter(i)].width = max(14, len(col) + 4)
            if col in DATE_COLUMNS:
                for r in range(2, 500):
                    ws.cell(row=r, column=i).number_format = "yyyy-mm-dd"
        for example in EXAMPLE[sheet]:
            ws.append(example)
        ws.freeze_panes = "A2"

        def validate(column: str, options: list[str]) -> None:
            letter = get_column_letter(COLUMNS[sheet].index(column) + 1)  # noqa: B023
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
            dv.error, dv.errorTitle = "请从下拉列表中选择", "取值无效"
            ws.add_data_validation(dv)  # noqa: B023
            dv.add(f"{letter}2:{letter}1000")

        if sheet == "products":
            validate("category", categories)
        elif sheet == "reports":
            validate("conclusion", ["pass", "fail"])
        elif sheet == "report_items":
            validate("result", ["pass", "fail", "n/a"])
    ws = wb.create_sheet("说明", 0)
    ws.append(["工作表", "列", "说明"])
    for help_row in HELP:
        ws.append(list(help_row))
    ws.append(["（全部）", "必填列", "表头标黄的列为必填；各表通过 sku（及 report_no）关联；只有 products 表是必需的"])
    for letter, width in (("A", 16), ("B", 18), ("C", 90)):
        ws.column_dimensions[letter].width = width
    for cell in ws[1]:
        cell.font = bold
    p = Path(path)
    wb.save(p)
    return p
