"""Text clean-up shared by the parsers: full-width to half-width, whitespace and dash folding."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff0d\ufe63_—–－]")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def nfkc(text: str) -> str:
    """Fold full-width digits, letters and punctuation to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def clean(text: object) -> str:
    """Return the value as a trimmed, NFKC-folded string with runs of whitespace collapsed."""
    if text is None:
        return ""
    folded = nfkc(str(text))
    folded = _DASHES.sub("-", folded)
    return _SPACES.sub(" ", folded).strip()


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


_TRAILING = re.compile(r"[了啦呢吧啊呀。.!！~～\s]+$")


def says_unknown(text: str, phrases: set[str]) -> bool:
    """True for an empty answer or one of the "don't know" phrases (不记得了, 不清楚啊 …)."""
    return not text or _TRAILING.sub("", text) in phrases
