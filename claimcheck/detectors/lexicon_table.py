"""The lexicon compiled to automaton keys, cached on disk by the lexicon's content hash.

Compiling means normalising every term, expanding patterns and computing pinyin
spellings (pypinyin) for thousands of forms: most of a cold start. The result
depends only on the lexicon files and on the code that compiles it, so it is
written once to ``<cache dir>/lexicon-<key>.json`` (JSON: loading it can never
run code) and read back on later starts; any change to the lexicon, to this
module, to the lexicon matcher or to normalisation gives a new key. A cache that
cannot be read or written is ignored: the table is then compiled in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from claimcheck import __version__
from claimcheck.lexicons import Lexicon
from claimcheck.paths import default_cache_dir
from claimcheck.taxonomy import Category

#: payload of an automaton key: (kind, entry index or GLOBAL, variant)
Payload = tuple[int, int, int]
GLOBAL = -1
TERM, ALLOW = 0, 1
EXACT, VARIANT, PINYIN = 0, 1, 2
PINYIN_AUTO = frozenset(
    {
        Category.ABSOLUTE_TERM,
        Category.FALSE_PRICE_URGENCY,
        Category.GUARANTEE,
        Category.OFF_PLATFORM_TRADE,
        Category.MEDICAL_CLAIM,
        Category.STATE_SYMBOL,
    }
)


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def pinyin_variants(term: str) -> list[str]:
    """Pinyin spellings hosts use to dodge review: zui好, 最hao, zuihao, qwdy.

    Mixed Hanzi/pinyin forms for terms of 2–4 characters, the full pinyin, and
    initials for terms of 3+ characters (two initials are too ambiguous).
    """
    import itertools

    if not 2 <= len(term) <= 6 or not all(is_han(c) for c in term):
        return []
    from pypinyin import Style, lazy_pinyin  # loaded only when a lexicon is compiled

    syllables = lazy_pinyin(term, style=Style.NORMAL)
    if len(syllables) != len(term):
        return []
    out: set[str] = {"".join(syllables)}
    if len(term) >= 3:
        out.add("".join(s[0] for s in syllables))
    if len(term) <= 4:
        for mask in itertools.product((False, True), repeat=len(term)):
            if any(mask) and not all(mask):
                out.add("".join(s if m else c for c, s, m in zip(term, syllables, mask, strict=True)))
    return sorted(v for v in out if len(v) >= 3)


#: filler hosts insert inside a word to dodge review (去什么斑, 抗猛衰), and the character a
#: dataset or a host uses to mask one (牙某): general patterns of disguised words, not a word list
INFIXES = ("什么", "某", "猛")
MASK = "某"


def morph_variants(term: str) -> list[str]:
    """Disguised spellings of a Chinese term: an infix inside it, one masked character (3+
    characters only: two-character masks are too ambiguous), a reduplicated prefix (小关小注)."""
    if not 2 <= len(term) <= 5 or not all(is_han(c) for c in term):
        return []
    out: set[str] = set()
    for i in range(1, len(term)):
        for infix in INFIXES:
            out.add(term[:i] + infix + term[i:])
    if len(term) >= 3:
        for i in range(len(term)):
            out.add(term[:i] + MASK + term[i + 1 :])
    if len(term) == 2:
        for prefix in ("小", "猛"):
            out.add(f"{prefix}{term[0]}{prefix}{term[1]}")
    out.discard(term)
    return sorted(out)


@dataclass(frozen=True)
class LexiconTable:
    keys: dict[str, list[Payload]]  # automaton key -> what a match of it means
    terms: dict[str, int]  # compact term form -> its first entry (for the segmenter's dictionary)


def compile_table(lexicon: Lexicon) -> LexiconTable:
    from claimcheck.nlp.normalize import compact

    table: dict[str, list[Payload]] = {}

    def add(key: str, payload: Payload) -> None:
        if key:
            bucket = table.setdefault(key, [])
            if payload not in bucket:
                bucket.append(payload)

    terms: dict[str, int] = {}
    for idx, e in enumerate(lexicon.entries):
        for form in e.surface_forms():
            key = compact(form)
            add(key, (TERM, idx, EXACT))
            terms.setdefault(key, idx)
            for v in morph_variants(key):
                add(v, (TERM, idx, VARIANT))
            want_pinyin = e.pinyin if e.pinyin is not None else e.category in PINYIN_AUTO
            if want_pinyin:
                for v in pinyin_variants(key):
                    add(v, (TERM, idx, PINYIN))
        for phrase in e.allow_contexts:
            add(compact(phrase), (ALLOW, idx, EXACT))
    for phrase in lexicon.allow_phrases:
        add(compact(phrase), (ALLOW, GLOBAL, EXACT))
    return LexiconTable(table, terms)


def cache_key(lexicon: Lexicon) -> str:
    from claimcheck.nlp import normalize

    h = hashlib.sha256()
    h.update(f"{__version__}\n{lexicon.content_hash}\n".encode())
    here = Path(__file__)
    for source in (Path(normalize.__file__ or ""), here, here.with_name("lexicon.py")):
        h.update(source.read_bytes())
    return h.hexdigest()[:24]


def load_table(lexicon: Lexicon, cache_dir: Path | None = None) -> LexiconTable:
    """The compiled table: from the cache when it holds this lexicon's, else compiled (and cached)."""
    cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
    path = cache_dir / f"lexicon-{cache_key(lexicon)}.json" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = {k: [(int(a), int(b), int(c)) for a, b, c in v] for k, v in data["keys"].items()}
            terms = {str(k): int(v) for k, v in data["terms"].items()}
            n = len(lexicon.entries)
            if all(-1 <= p[1] < n for ps in keys.values() for p in ps):
                return LexiconTable(keys, terms)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache is rebuilt below
    table = compile_table(lexicon)
    if path is not None:
        _write_atomically(path, json.dumps({"keys": table.keys, "terms": table.terms}, ensure_ascii=False))
    return table


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lexicon-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        return  # no cache this time; correctness does not depend on it
