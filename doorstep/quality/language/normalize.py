"""Text normalisation for the service-language check (R-LG-2, R-LG-3).

Staff type on phones and PCs with Chinese input methods, so the same phrase shows up with
full-width or half-width punctuation, stray spaces, traditional characters (one seed manual is
written in traditional script), or upper-case Latin letters. Matching runs on a normalised copy;
``Normalized.index`` maps every normalised character back to its position in the original text so
hits are always reported against what the staff member actually wrote.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Punctuation that NFKC leaves alone but which is interchangeable for matching purposes.
_PUNCT = {
    "。": ".",
    "、": ",",
    "﹐": ",",
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
    "—": "-",
    "–": "-",
}

# Traditional -> simplified, one character for one character, limited to characters that occur in
# the phrase library (seed 001 is written in traditional script). Length-preserving by design.
_TRADITIONAL = str.maketrans(
    "這種現問題決辦湊設計無為號壞質過關產維門對說錯讓們沒樣麼來會個還電話務歡撥請謝見時間幫單聽"
    "貴買銷換貨剛聲確標準調試盡應該處裡後著構視開與認識給麻煩勞駕擾歉稱謂誤盡耽氣兒嗎懂範錄導"
    "們內噪衛際內級臺機寫記說話",
    "这种现问题决办凑设计无为号坏质过关产维门对说错让们没样么来会个还电话务欢拨请谢见时间帮单听"
    "贵买销换货刚声确标准调试尽应该处里后着构视开与认识给麻烦劳驾扰歉称谓误尽耽气儿吗懂范录导"
    "们内噪卫际内级台机写记说话",
)

_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\ufeff"}


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text and, for each of its characters, the index in the original text."""

    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to the original text."""
        return self.index[start], self.index[end - 1] + 1


def normalize_char(ch: str) -> str:
    """Normalise one character; the empty string means "drop it" (whitespace, invisible marks)."""
    if ch.isspace() or ch in _INVISIBLE:
        return ""
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    if folded.isspace():
        return ""
    folded = _PUNCT.get(folded, folded)
    return folded.translate(_TRADITIONAL).lower()


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for matching and keep the mapping back to original positions."""
    chars: list[str] = []
    index: list[int] = []
    for position, ch in enumerate(text):
        folded = normalize_char(ch)
        if folded:
            chars.append(folded)
            index.append(position)
    return Normalized("".join(chars), tuple(index))


def normalize_pattern(pattern: str) -> str:
    """Normalise a library phrase the same way staff text is normalised."""
    return normalize(pattern).text
