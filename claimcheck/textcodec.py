"""Which encoding a text file is in: UTF-8, UTF-16 with a byte-order mark, or GB18030, or refused.

Chinese scripts are often saved as GBK/GB18030 by older editors, so GB18030 (a
superset of GBK and GB2312) is tried after UTF-8. But GB18030 decodes almost any
byte string without error: Big5, Shift-JIS or damaged bytes come out as strings
of rare characters (mojibake) that would be screened as if they were the script,
and pass. So a GB18030 reading is accepted only when it looks like Chinese text:
at most :data:`RARE_SHARE` of its non-ASCII characters may lie outside the
common block of GB2312 (level-1 hanzi and the punctuation rows). Simplified
Chinese text has well under 1 % of them; mojibake has 40 % and more. A file that
fails is refused with the encodings tried; the user may then name the encoding
(``--encoding``), which is used as given.

No claimcheck imports: the CLI readers (``claimcheck.io``) and the product
importer (``claimcheck.store``) share this rule and wrap its
:class:`UndecodableText` in their own errors, naming the source.
"""

from __future__ import annotations

import codecs

__all__ = ["AUTO_ENCODINGS", "RARE_SHARE", "UndecodableText", "decode_text", "rare_share"]

#: what is tried, in order, when no encoding is named (for messages)
AUTO_ENCODINGS = "UTF-8, UTF-16 (with byte-order mark), GB18030"
#: the largest share of rare characters a GB18030 reading may have before it is taken for mojibake
RARE_SHARE = 0.3
#: fewer rare characters than this never make a file mojibake (one rare name in a short script is fine)
_MIN_RARE = 2


class UndecodableText(ValueError):
    """The bytes are not text in any encoding tried (or not in the one named); the message says why."""


def _common_gb(ch: str) -> bool:
    """True for GB2312 punctuation/symbol rows (0xA1–0xA9) and level-1 hanzi (0xB0–0xD7)."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and (0xA1 <= b[0] <= 0xA9 or 0xB0 <= b[0] <= 0xD7)


def rare_share(text: str) -> tuple[int, int]:
    """(rare characters, non-ASCII characters) of ``text``."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    return sum(1 for ch in wide if not _common_gb(ch)), len(wide)


def _named(data: bytes, encoding: str) -> tuple[str, str]:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UndecodableText(f"unknown encoding {encoding!r}") from None
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode(name), name
    except UnicodeDecodeError as exc:
        raise UndecodableText(
            f"not valid {name} text (byte 0x{data[exc.start]:02x} at offset {exc.start}: {exc.reason})"
        ) from None
    except LookupError as exc:  # e.g. 'base64' is a codec but not a text encoding
        raise UndecodableText(str(exc)) from None


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """``(text, encoding used)``; the encoding named, else UTF-16 by BOM, UTF-8, then plausible GB18030."""
    if encoding:
        return _named(data, encoding)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UndecodableText("文件以 UTF-16 标记开头但内容无法解码 (invalid UTF-16)") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise UndecodableText(
            f"无法识别文件编码，请另存为 UTF-8 或用 --encoding 指定 (unknown encoding: tried {AUTO_ENCODINGS})"
        ) from None
    rare, wide = rare_share(text)
    if rare >= _MIN_RARE and rare > RARE_SHARE * wide:
        raise UndecodableText(
            f"无法识别文件编码：按 GB18030 解码为乱码，请另存为 UTF-8 或用 --encoding 指定 (unknown encoding: "
            f"tried {AUTO_ENCODINGS}; as GB18030, {rare} of {wide} characters are rare, which means mojibake)"
        )
    return text, "gb18030"
