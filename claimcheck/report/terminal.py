"""Readable terminal report (rich): each finding with the offending text highlighted in its
context. Labels are Chinese, for the reviewers who read it.

It must cost a small fraction of the screening it reports, and ``rich.table.Table`` lays out
every cell through rich's generic measuring and wrapping (about a millisecond a row). So the
tables are laid out here: widths in terminal cells as rich counts them (CJK and emoji two),
each table line built as one string, the report printed in one call as a few styled segments.
Long tables are paged: the first ``limit`` findings, then how many more and where the full
list is (the HTML and JSON reports hold every finding). Cell text is never parsed as markup
(``[00:01:05]`` and ``[/]`` stay as written), and control characters in it become spaces."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate

from rich.cells import cell_len, get_character_cell_size, split_graphemes
from rich.console import Console
from rich.segment import Segment, Segments
from rich.style import Style

from claimcheck.labels import Labels, default_labels
from claimcheck.types import Finding, ScreenResult, Severity, Verdict

DEFAULT_LIMIT = 50
"""Findings listed in a terminal table before it is paged (the reports hold them all)."""

_SEVERITY_STYLE = {Severity.BLOCK: "bold red", Severity.REVIEW: "bold yellow", Severity.INFO: "cyan"}
_VERDICT_STYLE = {Verdict.PASS: "bold green", Verdict.REVIEW: "bold yellow", Verdict.BLOCK: "bold red"}
# every control character (C0, DEL, C1) but the line break becomes a space: nothing moves the cursor
_CONTROLS = {c: " " for c in (*range(32), *range(127, 160)) if c != 10}
_FLAT = {**_CONTROLS, 10: " "}
# rich's HEAVY_HEAD box: top, header row, under the header, row, between rows, bottom
_BOX = ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "└─┴┘")
_ASCII_BOX = ("+-++", "| ||", "+-++", "| ||", "+-++", "+-++")

Piece = tuple[str, Style | None]
Paragraph = list[Piece]  # pieces that run on, folded together
Cell = list[Paragraph]  # a cell's paragraphs start on lines of their own


# --- styles travel inside the text ---------------------------------------------------------------
# A styled piece is written as SO, the style's one-character id, the text, SI. Input text never
# holds these (control characters are spaces by the time text reaches a cell), so every line of a
# table is one plain string, and the finished report is cut into segments by one regex split.

_SO, _SI = "\x0e", "\x0f"
_MARKED = re.compile("\x0e(.)([^\x0f]*)\x0f", re.DOTALL)
_STYLE_IDS: dict[Style, str] = {}
_STYLE_OF: dict[str, Style] = {}
_style = cache(Style.parse)


def _mark(text: str, style: Style | None) -> str:
    if style is None or not text:
        return text
    sid = _STYLE_IDS.get(style)
    if sid is None:
        sid = _STYLE_IDS[style] = chr(0x100 + len(_STYLE_IDS))
        _STYLE_OF[sid] = style
    return _SO + sid + text + _SI


def _segments(marked: str) -> list[Segment]:
    tokens = _MARKED.split(marked)
    out = [Segment(tokens[0])] if tokens[0] else []
    for k in range(1, len(tokens), 3):
        out.append(Segment(tokens[k + 1], _STYLE_OF[tokens[k]]))
        if tokens[k + 2]:
            out.append(Segment(tokens[k + 2]))
    return out


_BOLD, _DIM, _ITALIC = _style("bold"), _style("dim"), _style("italic")


# --- text helpers --------------------------------------------------------------------------------


def line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


class LineIndex:
    """``line_col`` for many offsets into one text: the line starts are found once, then bisected."""

    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def _clean(value: str, table: dict[int, str] = _CONTROLS) -> str:
    """``value`` with control characters as spaces (line breaks too, with ``_FLAT``)."""
    return value if value.isprintable() else value.translate(table)


def _context(text: str, start: int, end: int, width: int, style: Style) -> Paragraph:
    left = _clean(text[max(0, start - width) : start], _FLAT)
    right = _clean(text[end : end + width], _FLAT)
    return [
        (("…" if start - width > 0 else "") + left, None),
        ("【" + _clean(text[start:end], _FLAT) + "】", style),
        (right + ("…" if end + width < len(text) else ""), None),
    ]


def product_label(sku: str | None, name: str | None) -> str:
    """SKU with the product's name beside it (reviewers know names, not SKUs)."""
    if not sku:
        return ""
    return f"{sku} {name}" if name else sku


# --- widths and folding --------------------------------------------------------------------------


class _CellWidths(dict[int, str]):
    """A ``str.translate`` table to the character whose code is the width in cells (as rich counts):
    ``text.translate(_CELLS).encode("latin-1")`` is the widths as bytes, summed or accumulated in C."""

    def __missing__(self, codepoint: int) -> str:
        width = self[codepoint] = chr(get_character_cell_size(chr(codepoint)))
        return width


_CELLS = _CellWidths()


@lru_cache(maxsize=4096)
def _cell_widths(text: str) -> bytes:
    """The width of each character of ``text``; cached, as a cell's width is measured, then it is folded."""
    return text.translate(_CELLS).encode("latin-1")


def _joined(text: str) -> bool:
    return "\u200d" in text or "\ufe0f" in text  # joined emoji, variation selectors: rich's grapheme rules


@lru_cache(maxsize=4096)
def _units(text: str) -> tuple[Sequence[int], Sequence[int]]:
    """Where ``text`` may be cut (the end offset of each grapheme) and the width up to each cut, in cells.

    Widths as rich measures them; a zero-width character stays with the one before it."""
    if text.isascii():
        return range(1, len(text) + 1), range(1, len(text) + 1)
    if _joined(text):
        spans, _ = split_graphemes(text)
        return tuple(end for _, end, _ in spans), tuple(accumulate(size for _, _, size in spans))
    return range(1, len(text) + 1), tuple(accumulate(_cell_widths(text)))


@lru_cache(maxsize=4096)
def _text_width(text: str) -> int:
    """Cells the widest line of ``text`` takes."""
    if "\n" in text:
        return max(map(_text_width, text.split("\n")))
    if text.isascii():
        return len(text)
    return cell_len(text) if _joined(text) else sum(_cell_widths(text))


def _break(text: str, width: int) -> list[tuple[int, int, int]]:
    """Lines of ``text`` at most ``width`` cells wide (at least one grapheme each): (start, end, cells)."""
    out = []
    start = 0
    for chunk in text.split("\n") if "\n" in text else (text,):
        ends, cum = _units(chunk)
        if not cum or cum[-1] <= width:
            out.append((start, start + len(chunk), cum[-1] if cum else 0))
        else:
            pos = unit = base = 0  # characters, graphemes and cells of the chunk already placed
            while unit < len(cum):
                stop = max(bisect_right(cum, base + width, unit), unit + 1)  # a too-wide grapheme goes alone
                out.append((start + pos, start + ends[stop - 1], cum[stop - 1] - base))
                pos, unit, base = ends[stop - 1], stop, cum[stop - 1]
        start += len(chunk) + 1
    return out


def _fold(para: Paragraph, width: int, *, right: bool = False, fill: bool = True) -> list[str]:
    """A paragraph's lines at ``width`` cells, styles marked, padded to ``width`` (unless not ``fill``)."""
    text = para[0][0] if len(para) == 1 else "".join(t for t, _ in para)
    bounds = list(accumulate(len(t) for t, _ in para))  # where each piece ends
    out = []
    for start, end, used in _break(text, width):
        if len(para) == 1:
            line = _mark(text[start:end], para[0][1])
        else:
            parts, k, pos = [], bisect_right(bounds, start), start
            while pos < end:
                stop = min(bounds[k], end)
                parts.append(_mark(text[pos:stop], para[k][1]))
                pos, k = stop, k + 1
            line = "".join(parts)
        pad = " " * (width - used) if fill else ""
        out.append(pad + line if right else line + pad)
    return out


def _padded(cell: Cell, width: int, right: bool) -> Sequence[str]:
    """A cell's lines, folded to ``width`` and padded to it, styles marked in the text."""
    if len(cell) == 1 and len(cell[0]) == 1:
        return _padded_piece(cell[0][0], width, right)
    return [
        x for p in cell for x in (_padded_piece(p[0], width, right) if len(p) == 1 else _fold(p, width, right=right))
    ]


@lru_cache(maxsize=4096)
def _padded_piece(piece: Piece, width: int, right: bool) -> tuple[str, ...]:
    """A one-piece paragraph padded, cached: a rule's legal basis and rewrite repeat, the widths stay."""
    text, style = piece
    if "\n" not in text and (used := _text_width(text)) <= width:  # most cells: one line, measured already
        return (" " * (width - used) + _mark(text, style),) if right else (_mark(text, style) + " " * (width - used),)
    return tuple(_fold([piece], width, right=right))


# --- tables --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    header: str
    ratio: int = 0  # 0: as wide as its content (up to cap); else a share of the width left over
    cap: int = 0  # most cells a content-sized column takes before it folds (0: no cap)
    right: bool = False


def _widths(columns: Sequence[_Column], rows: Sequence[Sequence[Cell]], total: int) -> list[int]:
    """Column widths that fit ``total`` cells where they can: content-sized columns first, the rest by ratio."""
    widths = [cell_len(c.header) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            for para in cell:
                n = _text_width(para[0][0] if len(para) == 1 else "".join(t for t, _ in para))
                widths[i] = n if n > widths[i] else widths[i]
    widths = [min(w, c.cap) if c.cap else w for w, c in zip(widths, columns, strict=True)]
    flexible = [i for i, c in enumerate(columns) if c.ratio]
    room = total - (3 * len(columns) + 1) - sum(w for i, w in enumerate(widths) if i not in flexible)
    for i, c in enumerate(columns):  # a narrow console: capped columns give up width first
        give = min(8 * len(flexible) - room, widths[i] - max(8, cell_len(c.header))) if c.cap else 0
        widths[i], room = widths[i] - max(give, 0), room + max(give, 0)
    pending = [i for i in flexible if widths[i] > 0]
    while sum(widths[i] for i in pending) > room:  # narrower than its share: keeps its width; the rest share
        ratios = sum(columns[i].ratio for i in pending)
        settled = [i for i in pending if widths[i] <= room * columns[i].ratio / ratios]
        if not settled:
            shares = [max(4, room * columns[i].ratio // ratios) for i in pending]
            for k, i in enumerate(pending):
                widths[i] = shares[k] + (1 if k < room - sum(shares) else 0)
            break
        room -= sum(widths[i] for i in settled)
        pending = [i for i in pending if i not in settled]
    return widths


def _table(
    out: list[str], columns: Sequence[_Column], rows: list[list[Cell]], width: int, box: Sequence[str], title: str = ""
) -> None:
    """A table with lines between its rows, or (with a ``title`` above it) without."""
    top, head, under, row_box, between, bottom = box
    widths = _widths(columns, rows, width)
    right = [c.right for c in columns]
    blank = [" " * w for w in widths]
    add = out.append
    if title:
        pad = max(0, sum(widths) + 3 * len(widths) + 1 - cell_len(title))
        add(" " * (pad // 2) + _mark(title, _ITALIC) + "\n")

    def rule(box: str) -> str:
        return box[0] + box[2].join(box[1] * (w + 2) for w in widths) + box[3] + "\n"

    def emit(cells: Sequence[Cell], box: str, header: bool = False) -> None:
        cols = [_padded(cell, w, r and not header) for cell, w, r in zip(cells, widths, right, strict=True)]
        edge, inner, end = box[0] + " ", " " + box[2] + " ", " " + box[3] + "\n"
        height = max(map(len, cols))
        if height > 1:  # shorter cells run on with blank lines
            cols = [c if len(c) == height else [*c, *[blank[i]] * (height - len(c))] for i, c in enumerate(cols)]
        for parts in zip(*cols, strict=True):
            add(edge + inner.join(parts) + end)

    add(rule(top))
    emit([[[(c.header, _BOLD)]] for c in columns], head, header=True)
    add(rule(under))
    for n, cells in enumerate(rows):
        if n and not title:
            add(rule(between))
        emit(cells, row_box)
    add(rule(bottom))


def _paragraph(out: list[str], para: Paragraph, width: int) -> None:
    """Lines of text folded to the console's width."""
    out.extend(line + "\n" for line in _fold(para, max(width, 1), fill=False))


# --- the report ----------------------------------------------------------------------------------

_PROBLEM_COLUMNS = (
    _Column("#", right=True),
    _Column("位置"),
    _Column("级别/类别", cap=24),
    _Column("原文（命中处以【】标出）", ratio=3),
    _Column("说明", ratio=3),
    _Column("法律依据", ratio=3),
    _Column("建议改写", ratio=2),
)
_BACKED_COLUMNS = (_Column("位置"), _Column("宣称", ratio=2), _Column("商品", ratio=1), _Column("依据", ratio=3))


def _plain(text: str) -> Cell:
    return [[(_clean(text), None)]]


def _problem_row(i: int, f: Finding, text: str, lines: LineIndex, labels: Labels) -> list[Cell]:
    line, col = lines.line_col(f.start)
    style = _style(_SEVERITY_STYLE[f.severity])
    kind: Cell = [[(labels.severities[f.severity], style)], *_plain(labels.category(f.category))]
    if f.sku:
        kind += _plain(product_label(f.sku, f.product_name))
    where = _plain(f"{line}:{col}")
    return [_plain(str(i)), where, kind, [_context(text, f.start, f.end, 10, style)], *map(_plain, _texts(f))]


def _texts(f: Finding) -> tuple[str, str, str]:
    return f.explanation, f.legal_basis, f.suggestion or "—"


def _backed_row(f: Finding, lines: LineIndex) -> list[Cell]:
    line, col = lines.line_col(f.start)
    return [_plain(f"{line}:{col}"), *map(_plain, (f.text, product_label(f.sku, f.product_name), f.explanation))]


def render(
    result: ScreenResult,
    text: str,
    console: Console,
    source: str = "",
    labels: Labels | None = None,
    *,
    limit: int | None = DEFAULT_LIMIT,
    full_report: str = "",
    footer: str = "",
) -> None:
    """Print the verdict, the findings table and the versions on ``console``.

    At most ``limit`` findings are listed per table (``None`` or 0: all of them); when some are
    left out a line says how many, and that ``full_report`` (or the HTML/JSON report) lists them all.
    ``footer`` is a last dim line (where the reports went). Everything is printed in one call."""
    labels = labels or default_labels()
    counts = dict.fromkeys(Severity, 0)
    problems: list[Finding] = []
    backed: list[Finding] = []
    for f in result.findings:
        counts[f.severity] += 1
        (backed if f.claim_verdict == "supported" else problems).append(f)
    width = console.width
    out: list[str] = []
    c = counts
    tally = f"    禁止 {c[Severity.BLOCK]} 处 · 复核 {c[Severity.REVIEW]} 处 · 提示 {c[Severity.INFO]} 处"
    verdict = (labels.verdicts[result.verdict], _style(_VERDICT_STYLE[result.verdict]))
    _paragraph(
        out,
        [("检查结论：", None), verdict, (tally + (f"    文件：{_clean(source, _FLAT)}" if source else ""), None)],
        width,
    )
    shown = limit if limit and limit > 0 else None
    lines = LineIndex(text)
    box = _BOX if (console.encoding or "").lower().startswith("utf") else _ASCII_BOX
    hidden = 0
    if problems:
        rows = [_problem_row(i, f, text, lines, labels) for i, f in enumerate(problems[:shown], 1)]
        _table(out, _PROBLEM_COLUMNS, rows, width, box)
        hidden += len(problems) - len(rows)
    if backed:
        rows = [_backed_row(f, lines) for f in backed[:shown]]
        _table(out, _BACKED_COLUMNS, rows, width, box, title=f"有据可查（产品资料支持的宣称，{len(backed)} 处）")
        hidden += len(backed) - len(rows)
    if hidden:
        where = f"报告 {full_report}" if full_report else "HTML/JSON 报告"
        note = (
            f"另有 {hidden} 处未在此列出（共 {len(result.findings)} 处，每表列前 {shown} 处）："
            f"完整清单见{where}；加 --all 可在此全部列出。"
        )
        _paragraph(out, [(_clean(note, _FLAT), _DIM)], width)
    v = dict(result.versions)
    versions = f"版本：claimcheck {v.pop('claimcheck', '—')} · 词库 {v.pop('lexicon', '—')}"
    rest = " · ".join(f"{name} {version}" for name, version in v.items())
    _paragraph(out, [(_clean(versions + (f" · {rest}" if rest else ""), _FLAT), _DIM)], width)
    if footer:
        _paragraph(out, [(_clean(footer, _FLAT), _DIM)], width)
    console.print(Segments(_segments("".join(out))), soft_wrap=True)
