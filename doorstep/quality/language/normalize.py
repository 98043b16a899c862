"""Text normalisation for the service-language check (R-LG-2, R-LG-3).

Staff type on phones and PCs with Chinese input methods, so the same phrase shows up with
full-width or half-width letters and punctuation, stray spaces, zero-width characters, traditional
characters (one seed manual is written in traditional script) or upper-case Latin letters.

Two views of a text are built, both keeping a map back to positions in the ORIGINAL text so hits are
always reported against what the staff member actually wrote:

``normalize``
    the matching key: NFKC, traditional -> simplified (OpenCC ``t2s``), lower case, with whitespace,
    zero-width characters, punctuation and symbols removed, so "我 没…办法" and "就这样,没有办法解决，
    凑合着用" match the listed phrases.
``fold``
    the reading view used to judge the context of a hit: the same character folding, but whitespace
    (line breaks mark transcript turns) and punctuation (quotes, question marks, speaker colons) are
    kept; full-width punctuation becomes its ASCII form.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from opencc import OpenCC

# Punctuation that NFKC leaves alone but which is interchangeable for reading purposes.
_PUNCT = {
    "、": ",",
    "﹐": ",",
    "﹑": ",",
    "“": '"',
    "”": '"',
    "「": '"',
    "」": '"',
    "『": '"',
    "』": '"',
    "‘": "'",
    "’": "'",
    "〔": "(",
    "〕": ")",
    "【": "(",
    "】": ")",
    "《": '"',
    "》": '"',
    "—": "-",
    "–": "-",
    "｡": "。",
}

# Zero-width and other invisible format characters (category Cf covers most of them).
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}


@cache
def _converter() -> OpenCC:
    return OpenCC("t2s")


@cache
def _simplified(ch: str) -> str:
    converted: str = _converter().convert(ch)
    return converted if len(converted) == 1 else ch


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text and, for each of its characters, the index in the original text."""

    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to the original text."""
        return self.index[start], self.index[end - 1] + 1


def is_invisible(ch: str) -> bool:
    return ch in _INVISIBLE or unicodedata.category(ch) == "Cf"


def is_punctuation(ch: str) -> bool:
    """Punctuation or a symbol (…, ～, ·, emoji): ignored inside a phrase."""
    return unicodedata.category(ch)[0] in "PS"


def fold_char(ch: str) -> str:
    """Fold one character for reading; the empty string means "drop it" (invisible marks)."""
    if is_invisible(ch):
        return ""
    if ch.isspace():
        return "\n" if ch in "\n\r\u2028\u2029" else " "
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    folded = _PUNCT.get(folded, folded)
    return _simplified(folded).lower()


def normalize_char(ch: str) -> str:
    """Normalise one character for matching; the empty string means "drop it"."""
    folded = fold_char(ch)
    if not folded or folded.isspace() or is_punctuation(folded):
        return ""
    return folded


def _build(text: str, keep: bool) -> Normalized:
    chars: list[str] = []
    index: list[int] = []
    for position, ch in enumerate(text):
        folded = fold_char(ch) if keep else normalize_char(ch)
        if folded:
            chars.append(folded)
            index.append(position)
    return Normalized("".join(chars), tuple(index))


def normalize(text: str) -> Normalized:
    """The matching key of ``text`` with the mapping back to original positions."""
    return _build(text, keep=False)


def fold(text: str) -> Normalized:
    """The reading view of ``text`` (punctuation and line breaks kept) with the position map."""
    return _build(text, keep=True)


def normalize_pattern(pattern: str) -> str:
    """Normalise a library phrase the same way staff text is normalised."""
    return normalize(pattern).text
