"""Text normalisation that never loses track of where a character came from.

Two views of the input are produced, each with an array ``src`` that gives, for
every character of the view, the index of the original character it came from:

* ``light``: NFKC, full-width → half-width, case folding, circled/styled digits
  (① → 1), Traditional → Simplified. Used for segmentation and display.
* ``compact``: the light view with evasion noise removed (spaces, symbols,
  emoji, zero-width and format characters, most punctuation) and runs of the
  same Chinese character collapsed (最最最好 → 最好). Used for term matching.
  Sentence punctuation (，。！？；、 and line breaks) is kept, so a match never
  joins two sentences.

Why lookup tables on numpy arrays instead of a per-character Python loop: the
whole lexicon stage is budgeted at 2x a bare Aho-Corasick scan, and a Python
loop over every character costs ~20x that. The tables are built once per
process from ``unicodedata`` and OpenCC's own Traditional→Simplified data
(OpenCC converts each character; the phrase-level conversion is irrelevant to
term matching and would break the one-character-to-one-character map).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np

_N = 0x110000
# Kept in the compact view: they end a clause, so terms never match across them.
BOUNDARY_CHARS = ",!?;。、\n\r"
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
_NOISE_EXTRA_RANGES = ((0x1F000, 0x1FAFF), (0xE0000, 0xE007F), (0xFE00, 0xFE0F))


_CP_MASK = np.uint32(0x1FFFFF)  # low 21 bits: the mapped code point
_NOISE = np.uint32(1 << 24)  # the mapped character is evasion noise
_CJK = np.uint32(1 << 25)  # the mapped character is a Chinese ideograph
_EXPAND = np.uint32(1 << 26)  # the source character becomes several characters


@dataclass(frozen=True)
class _Tables:
    # One packed uint32 per code point, so a single gather gives the mapped
    # character and its flags (one pass over memory instead of four).
    packed: np.ndarray
    expand: dict[int, str]  # code points whose NFKC form is several characters


def _t2s_pairs(cps: list[int]) -> dict[int, int]:
    """Per-character Traditional→Simplified pairs taken from OpenCC."""
    import opencc  # local import: only needed while the tables are built

    conv = opencc.OpenCC("t2s")
    chars = [chr(c) for c in cps]
    out = conv.convert("\n".join(chars)).split("\n")
    pairs: dict[int, int] = {}
    if len(out) != len(chars):  # defensive: fall back to one call per character
        out = [conv.convert(c) for c in chars]
    for c, o in zip(chars, out, strict=True):
        if len(o) == 1 and o != c:
            pairs[ord(c)] = ord(o)
    return pairs


@cache
def _tables() -> _Tables:
    mapping = np.arange(_N, dtype=np.uint32)
    expand: dict[int, str] = {}
    noise = np.zeros(_N, dtype=bool)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        n = unicodedata.normalize("NFKC", c).lower()
        if len(n) == 1:
            mapping[cp] = ord(n)
        elif len(n) > 1:
            expand[cp] = n
    # Mathematical styled letters and digits (𝟏, 𝐀) live outside the BMP.
    for start, end in ((0x1D400, 0x1D7FF), (0x1F100, 0x1F10C)):
        for cp in range(start, end + 1):
            n = unicodedata.normalize("NFKC", chr(cp)).lower()
            if len(n) == 1:
                mapping[cp] = ord(n)
            elif len(n) > 1:
                expand[cp] = n
    cjk = np.zeros(_N, dtype=bool)
    cjk_cps: list[int] = []
    for start, end in _CJK_RANGES:
        cjk[start : end + 1] = True
        if end < 0x10000:
            cjk_cps.extend(range(start, end + 1))
    for src_cp, dst_cp in _t2s_pairs(cjk_cps).items():
        mapping[src_cp] = dst_cp
    # Compose: an NFKC target that is Traditional also maps to Simplified.
    mapping = mapping[mapping]
    for cp in list(range(0x10000)) + [cp for a, b in _NOISE_EXTRA_RANGES for cp in range(a, b + 1)]:
        if 0xD800 <= cp <= 0xDFFF:
            continue
        cat = unicodedata.category(chr(cp))
        if cat[0] in "PSZ" or cat in ("Cf", "Mn", "Me", "Cc"):
            noise[cp] = True
    for start, end in _NOISE_EXTRA_RANGES:
        noise[start : end + 1] = True
    for ch in BOUNDARY_CHARS:
        noise[ord(ch)] = False
    packed = mapping.copy()
    packed[noise[mapping]] |= _NOISE
    packed[cjk[mapping]] |= _CJK
    packed[list(expand)] |= _EXPAND
    return _Tables(packed=packed, expand=expand)


@dataclass(frozen=True, eq=False)
class View:
    """A normalised text and, per character, the index of its original character."""

    text: str
    src: np.ndarray

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of this view to a half-open span of the original."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside view of length {len(self.text)}")
        return int(self.src[start]), int(self.src[end - 1]) + 1


class Normalized:
    """The original text with its light view (built on first use) and compact view."""

    __slots__ = ("_light", "_light_cps", "_light_src", "compact", "original")

    def __init__(self, original: str, light_cps: np.ndarray, light_src: np.ndarray | None, compact: View) -> None:
        self.original = original
        self._light_cps = light_cps
        self._light_src = light_src
        self._light: View | None = None
        self.compact = compact

    @property
    def light(self) -> View:
        if self._light is None:
            src = self._light_src if self._light_src is not None else np.arange(self._light_cps.size, dtype=np.int64)
            self._light = View(_to_str(self._light_cps), src)
        return self._light


def _to_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _to_str(cps: np.ndarray) -> str:
    return cps.astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")


def _expand(cps: np.ndarray, t: _Tables) -> tuple[np.ndarray, np.ndarray]:
    """Replace characters whose NFKC form is several characters (⑩ → 10, ㎏ → kg)."""
    where = np.flatnonzero(t.packed[cps] & _EXPAND)
    src = np.arange(cps.size, dtype=np.int64)
    parts_c: list[np.ndarray] = []
    parts_s: list[np.ndarray] = []
    prev = 0
    for i in where.tolist():
        parts_c.append(cps[prev:i])
        parts_s.append(src[prev:i])
        rep = _to_array(t.expand[int(cps[i])])
        parts_c.append(rep)
        parts_s.append(np.full(rep.size, i, dtype=np.int64))
        prev = i + 1
    parts_c.append(cps[prev:])
    parts_s.append(src[prev:])
    return np.concatenate(parts_c), np.concatenate(parts_s)


def normalize(text: str) -> Normalized:
    """Build the light and compact views of ``text`` with their offset maps."""
    t = _tables()
    cps = _to_array(text)
    packed = t.packed[cps]
    src: np.ndarray | None = None  # None: the light view maps one-to-one onto the original
    if (packed & _EXPAND).any():
        cps, src = _expand(cps, t)
        packed = t.packed[cps]
    light = packed & _CP_MASK
    keep_idx = np.flatnonzero((packed & _NOISE) == 0)
    kept = light[keep_idx]
    if kept.size > 1:
        same = np.flatnonzero(kept[1:] == kept[:-1]) + 1
        if same.size:
            same = same[(packed[keep_idx[same]] & _CJK) != 0]  # only Chinese characters collapse
            if same.size:
                drop = np.ones(kept.size, dtype=bool)
                drop[same] = False
                kept = kept[drop]
                keep_idx = keep_idx[drop]
    kept_src = keep_idx if src is None else src[keep_idx]
    return Normalized(text, light, src, View(_to_str(kept), kept_src))


def compact(text: str) -> str:
    """The compact form of a short string (used for lexicon terms and allow phrases)."""
    return normalize(text).compact.text


def light(text: str) -> str:
    """The light form of a short string."""
    return normalize(text).light.text
