"""Read a script file (or standard input) as text, with clear errors.

Chinese scripts are often saved as GBK/GB18030 by older editors, so a UTF-16
byte-order mark, UTF-8 and then GB18030 are tried, and a GB18030 reading that is
mojibake is refused (the rule is :mod:`claimcheck.textcodec`); a user who names
the encoding gets it as named. The caller is told which encoding was used.
"""

from __future__ import annotations

import codecs
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from claimcheck.errors import InputError
from claimcheck.textcodec import UndecodableText, decode_text

__all__ = ["InputError", "TextInput", "check_file", "decode_bytes", "human_size", "read_text", "upload_source"]

#: the longest uploaded file name kept (the end of it, where the extension is)
MAX_NAME = 100


@dataclass(frozen=True)
class TextInput:
    text: str
    encoding: str
    source: str

    @property
    def note(self) -> str | None:
        """A line to tell the user when the file was not UTF-8."""
        if self.encoding in ("utf-8", "utf-8-sig"):
            return None
        return f"提示：{self.source} 的编码为 {self.encoding.upper()}，已自动转换为 UTF-8 读取"


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control characters, mean this is not a text file."""
    sample = data[:8192]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return len(sample) > 0 and control / len(sample) > 0.05


def upload_source(name: str | None, default: str) -> str:
    """An uploaded file's name as a source to show and to choose a format by: a base name, never a path.

    ``..``, ``.`` and empty names become ``default``; a long name keeps its last
    :data:`MAX_NAME` characters (where the extension is); control characters go.
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if base.strip(".") == "":
        return default
    return base[-MAX_NAME:]


def decode_bytes(data: bytes, source: str, encoding: str | None = None) -> TextInput:
    """Text of ``data``: in ``encoding`` when one is named, else by :func:`claimcheck.textcodec.decode_text`."""
    if not encoding and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _looks_binary(data):
        raise InputError(f"{source}: 不是文本文件，看起来是二进制文件 (binary file, not text)")
    try:
        text, used = decode_text(data, encoding)
    except UndecodableText as exc:
        raise InputError(f"{source}: {exc}") from None
    return TextInput(text, used, source)


def _read_limited(fh: BinaryIO, limit: int, source: str) -> bytes:
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{source}: 输入超过 {human_size(limit)} 上限，请拆分后再检查 (input too large)")
    return data


def check_file(p: Path, max_bytes: int) -> None:
    """Exists, is a file, and is not larger than ``max_bytes`` (else InputError).

    OSError from ``stat`` is left to the caller, which reads the file next and
    reports permission and I/O problems the same way for both steps.
    """
    source = str(p)
    if not p.exists():
        raise InputError(f"{source}: 文件不存在 (file not found)")
    if p.is_dir():
        raise InputError(f"{source}: 这是一个文件夹，不是文件 (is a directory)")
    size = p.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"{source}: 文件大小 {human_size(size)} 超过 {human_size(max_bytes)} 上限，请拆分后再检查 (file too large)"
        )


def read_text(path: str | Path, max_bytes: int, encoding: str | None = None) -> TextInput:
    """Read ``path`` (``-`` for standard input) as text (in ``encoding`` when named), or raise InputError."""
    if str(path) == "-":
        data = _read_limited(sys.stdin.buffer, max_bytes, "标准输入")
        source = "标准输入"
    else:
        p = Path(path)
        source = str(p)
        try:
            check_file(p, max_bytes)
            with p.open("rb") as fh:
                data = _read_limited(fh, max_bytes, source)
        except PermissionError:
            raise InputError(f"{source}: 没有读取权限 (permission denied)") from None
        except OSError as exc:
            raise InputError(f"{source}: 无法读取文件 ({exc.strerror or exc})") from None
    result = decode_bytes(data, source, encoding)
    if not result.text.strip():
        raise InputError(f"{source}: 文件为空，没有可检查的内容 (empty input)")
    return result
