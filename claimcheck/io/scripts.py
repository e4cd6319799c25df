"""Read a selling script: plain text / Markdown (any encoding read_text knows) or a Word .docx."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from claimcheck.io.text import InputError, TextInput, check_file, decode_bytes, human_size, read_text, upload_source

#: a .docx is a zip; its unpacked XML may be this many times the text limit before it is refused
_DOCX_XML_FACTOR = 20


def read_script(path: str | Path, max_bytes: int, encoding: str | None = None) -> TextInput:
    """Read ``path`` (``-`` for standard input) as script text, or raise InputError.

    ``.docx`` is read with python-docx: body paragraphs (and table cells, in document order)
    joined by newlines. Every other file goes through :func:`~claimcheck.io.text.read_text` (in
    ``encoding`` when one is named).
    """
    if str(path) == "-":
        return read_text(path, max_bytes, encoding)
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".docx":
        return _read_docx(p, max_bytes)
    if suffix == ".doc":
        raise InputError(f"{p}: 旧版 Word .doc 格式不支持，请另存为 .docx 或 .txt (legacy .doc is not supported)")
    return read_text(p, max_bytes, encoding)


def script_from_bytes(data: bytes, name: str, max_bytes: int, encoding: str | None = None) -> TextInput:
    """A script uploaded as bytes; ``name`` (its file name) gives the source and, for .docx, the format."""
    name = upload_source(name, "script.txt")
    if len(data) > max_bytes:
        raise InputError(f"{name}: 输入超过 {human_size(max_bytes)} 上限，请拆分后再检查 (input too large)")
    suffix = Path(name).suffix.lower()
    if suffix == ".doc":
        raise InputError(f"{name}: 旧版 Word .doc 格式不支持，请另存为 .docx 或 .txt (legacy .doc is not supported)")
    if suffix == ".docx":
        return _docx_text(io.BytesIO(data), name, max_bytes)
    result = decode_bytes(data, name, encoding)
    if not result.text.strip():
        raise InputError(f"{name}: 文件为空，没有可检查的内容 (empty input)")
    return result


def _read_docx(p: Path, max_bytes: int) -> TextInput:
    source = str(p)
    try:
        check_file(p, max_bytes)
        data = p.read_bytes()
    except PermissionError:
        raise InputError(f"{source}: 没有读取权限 (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{source}: 无法读取文件 ({exc.strerror or exc})") from None
    return _docx_text(io.BytesIO(data), source, max_bytes)


def _docx_text(stream: io.BytesIO, source: str, max_bytes: int) -> TextInput:
    try:
        with zipfile.ZipFile(stream) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise InputError(f"{source}: not a readable .docx file (damaged or not a Word document)") from None
    if unpacked > max_bytes * _DOCX_XML_FACTOR:
        raise InputError(f"{source}: 解压后超过 {human_size(max_bytes * _DOCX_XML_FACTOR)} 上限 (docx too large)")
    stream.seek(0)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(stream)
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.extend(_table_lines(block))
    except InputError:
        raise
    except Exception as exc:  # python-docx raises many types (KeyError, lxml errors, PackageNotFoundError …)
        raise InputError(
            f"{source}: not a readable .docx file ({type(exc).__name__}: {str(exc)[:80] or 'damaged'})"
        ) from None

    text = "\n".join(lines)
    if len(text.encode("utf-8")) > max_bytes:
        raise InputError(f"{source}: 输入超过 {human_size(max_bytes)} 上限，请拆分后再检查 (input too large)")
    if not text.strip():
        raise InputError(f"{source}: 文件为空，没有可检查的内容 (empty input)")
    return TextInput(text, "utf-8", source)


def _table_lines(table) -> list[str]:
    """Each cell's paragraphs, row by row; a merged cell is read once."""
    lines: list[str] = []
    for row in table.rows:
        seen: list = []  # the cells' XML elements (kept alive so identity holds)
        for cell in row.cells:
            if any(cell._tc is tc for tc in seen):
                continue
            seen.append(cell._tc)
            for block in cell.iter_inner_content():
                if hasattr(block, "rows"):
                    lines.extend(_table_lines(block))
                else:
                    lines.append(block.text)
    return lines
