"""Fault symptom check (R-IN-2 "fault symptom (for repairs)"): missing or too vague to plan a visit.

A symptom is specific when it names a known fault word (漏水, 不制冷, 异响, an error code such as E4 …) or
still has at least ``MIN_MEANINGFUL`` characters once filler words (坏了, 有问题, 不行, 麻烦 …) are removed.
"""

from __future__ import annotations

import re

from .issues import Issue, doubtful, missing
from .text import clean

FIELD = "symptom"
MIN_MEANINGFUL = 4
_FAULT_WORDS = re.compile(
    r"漏水|滴水|渗水|漏电|漏气|漏油|不制冷|不制热|制冷差|制热差|不冷|不热|不加热|不出水|不排水|不进水|不脱水|"
    r"不转|不启动|不开机|开不了机|无法开机|不通电|没电|跳闸|冒烟|烧焦|异响|噪音|噪声|响声|震动|振动|异味|"
    r"结冰|结霜|显示|报错|故障码|代码|闪烁|亮灯|指示灯|遥控|温度|水温|不亮|黑屏|花屏|打不着|熄火|不点火|"
    r"漏|堵|卡住|断电|自动关机|停机|水压|不吸|吸力|不充电"
)
_ERROR_CODE = re.compile(r"\b[A-Z]{1,2}\s?-?\d{1,3}\b", re.I)
_FILLER = re.compile(
    r"坏掉了|坏了|坏掉|有问题|出问题|出故障|有故障|问题|故障|毛病|不行了|不行|不好用|不好使|不能用|用不了|不工作|"
    r"麻烦|帮忙|看看|看一下|上门|维修|修理|修一下|报修|需要|师傅|尽快|一下|东西|机器|那个|这个|"
    r"[了的啊呀吧呢嘛哦嗯请我家很就是有点一直坏修]"
)
_PUNCTUATION = re.compile(r"[\W_]+")


def is_vague(text: str) -> bool:
    """True when the symptom says no more than "it is broken" (坏了, 有问题, 冰箱不行了 …)."""
    folded = clean(text)
    if _FAULT_WORDS.search(folded) or _ERROR_CODE.search(folded):
        return False
    meaningful = _PUNCTUATION.sub("", _FILLER.sub("", folded))
    return len(meaningful) < MIN_MEANINGFUL


def check_symptom(raw: object, *, required: bool, field_name: str = FIELD) -> tuple[str, list[Issue]]:
    """Return the cleaned symptom and its issues; ``required`` is True for repairs (R-IN-2)."""
    text = clean(raw)
    if not text:
        if not required:
            return text, []
        return text, [
            missing(field_name, "symptom.missing", "维修单未填写故障现象", "Repair without a symptom")
        ]
    if required and is_vague(text):
        issue = doubtful(
            field_name,
            "symptom.vague",
            f"故障描述“{text}”过于笼统，需问清具体现象",
            f"Symptom '{text}' is too vague; ask what exactly happens",
        )
        return text, [issue]
    return text, []
