"""Fault symptom check (R-IN-2 "fault symptom (for repairs)") and fault items (R-IN-6).

A symptom is specific when it names a known fault word (漏水, 不制冷, 异响, an error code such as E4 …) or
still has at least ``MIN_MEANINGFUL`` characters once filler words (坏了, 有问题, 不好用, 老毛病 …) are
removed.
R-IN-6: a request naming several faults ("不制冷，还漏水") becomes several fault items: the text is split at
list separators and joining words, and every specific part is one item.
"""

from __future__ import annotations

import re

from .issues import Issue, Problem, problem
from .text import clean

FIELD = "symptom"
MIN_MEANINGFUL = 3
_FAULT_WORDS = re.compile(
    r"漏水|滴水|渗水|漏电|漏气|漏油|不制冷|不制热|制冷差|制热差|制冷效果差|不冷|不热|不加热|不出水|不排水|不进水|"
    r"不脱水|不转|不启动|不开机|开不了机|无法开机|不通电|没电|跳闸|冒烟|烧焦|异响|噪音|噪声|响声|震动|振动|异味|"
    r"结冰|结霜|显示|报错|故障码|代码|闪烁|亮灯|指示灯|遥控|温度|水温|不亮|黑屏|花屏|打不着|熄火|不点火|"
    r"漏|堵|卡住|断电|自动关机|停机|水压|不吸|吸力|不充电|不出热水|不出冷风|不出风|风小|出风|不洗|门打不开|"
    r"打不开|关不上|不旋转|抖动|发烫|发热|有声音|嗡嗡|咔咔|滴答|臭味|焦味|电源|插头|按键|失灵|没反应|无反应|图像|画面|没图|没声音|点不着|打不着火|不着火|不打火|不工作的灯|不停机|制冷慢|温度高|噪音大"
)
_ERROR_CODE = re.compile(r"(?<![A-Za-z])[A-Za-z]{1,2}\s?-?\d{1,3}(?!\d)")
_FILLER = re.compile(
    r"坏掉了|坏了|坏掉|有问题|出问题|出故障|有故障|问题|故障|毛病|不行了|不行|不好用|不好使|不能用|用不了|不工作|"
    r"又犯|老是|麻烦|帮忙|看看|看一下|上门|维修|修理|修一下|报修|需要|师傅|尽快|一下|东西|机器|那个|这个|"
    r"不太好使|不太好用|不大好用|不灵了|不正常|不太对|怪怪的|不对劲|没法用|空调|冰箱|洗衣机|热水器|电视|油烟机|燃气灶|"
    r"[了的啊呀吧呢嘛哦嗯请我家很就是有点一直坏修老又犯太也都还]"
)
_PUNCTUATION = re.compile(r"[\W_]+")
_SPLIT = re.compile(r"[;；,，、。.!！/\n]+|(?:另外|而且|并且|同时|还有|以及|还|也)")


def is_vague(text: str) -> bool:
    """True when the symptom says no more than "it is broken" (坏了, 有问题, 冰箱不行了 …)."""
    folded = clean(text)
    if _FAULT_WORDS.search(folded) or _ERROR_CODE.search(folded):
        return False
    meaningful = _PUNCTUATION.sub("", _FILLER.sub("", folded))
    return len(meaningful) < MIN_MEANINGFUL


def _names_fault(text: str) -> bool:
    return bool(_FAULT_WORDS.search(text) or _ERROR_CODE.search(text))


def fault_items(raw: object) -> list[str]:
    """R-IN-6: the separate faults named in one symptom text, in order. A part that names a fault of its
    own (不制冷 / 还漏水) starts a new item; a part that only describes the one before (只吹自然风) stays
    with it; a single fault gives one item, the text as written."""
    text = clean(raw)
    if not text:
        return []
    items: list[str] = []
    at, joint = 0, ""
    for cut in [*_SPLIT.finditer(text), None]:
        part = text[at : cut.start() if cut else len(text)].strip()
        if part and items and _names_fault(part) and _names_fault(items[-1]):
            items.append(part)
        elif part and items:
            items[-1] += joint + part
        elif part:
            items.append(part)
        joint = cut.group(0) if cut else ""
        at = cut.end() if cut else len(text)
    items = [item.strip(" ,;.!/") for item in items]
    return [item for item in items if item] if len(items) > 1 else [text]


def check_symptom(raw: object, *, required: bool, field_name: str = FIELD) -> tuple[str, list[Issue]]:
    """Return the cleaned symptom and its problems; ``required`` is True for repairs (R-IN-2)."""
    text = clean(raw)
    if not text:
        if not required:
            return text, []
        return text, [problem(Problem.SYMPTOM_MISSING, field_name=field_name)]
    if required and is_vague(text):
        return text, [problem(Problem.SYMPTOM_VAGUE, zh=text, en=text, field_name=field_name)]
    return text, []
