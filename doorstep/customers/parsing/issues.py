"""Issue records shared by every intake parser (R-IN-2).

An issue names the field, a stable machine code, a severity and the reason in Chinese and English.
Severity drives the intake verdict (R-IN-2):

* ``missing``  – the item is absent: the order is *information incomplete*;
* ``doubtful`` – the item is present but unclear or probably wrong: *information incomplete*;
* ``invalid``  – the input cannot become an order at all: the record is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    MISSING = "missing"
    DOUBTFUL = "doubtful"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one intake field, with its reason in Chinese and English."""

    code: str
    field: str
    severity: Severity
    zh: str
    en: str
    suggestions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "field": self.field,
            "severity": str(self.severity),
            "zh": self.zh,
            "en": self.en,
            "suggestions": list(self.suggestions),
        }


def missing(field_name: str, code: str, zh: str, en: str) -> Issue:
    return Issue(code, field_name, Severity.MISSING, zh, en)


def doubtful(field_name: str, code: str, zh: str, en: str, suggestions: tuple[str, ...] = ()) -> Issue:
    return Issue(code, field_name, Severity.DOUBTFUL, zh, en, suggestions)


def invalid(field_name: str, code: str, zh: str, en: str) -> Issue:
    return Issue(code, field_name, Severity.INVALID, zh, en)


class Problem(StrEnum):
    """The one vocabulary of intake problems (R-IN-2): every channel reports these codes, and at most one per
    field, so the agent, the web form, WeChat, the import report and a partner see the same list."""

    NAME_MISSING = "customer_name.missing"
    NAME_PLACEHOLDER = "customer_name.placeholder"
    PHONE_MISSING = "phone.missing"
    PHONE_INVALID = "phone.invalid"
    ADDRESS_MISSING = "address.missing"
    ADDRESS_NONSENSE = "address.nonsense"
    ADDRESS_AMBIGUOUS = "address.ambiguous_district"
    ADDRESS_MISMATCH = "address.mismatch"
    ADDRESS_NO_DISTRICT = "address.no_district"
    ADDRESS_NO_DETAIL = "address.no_detail"
    DATE_MISSING = "purchase_date.missing"
    DATE_VAGUE = "purchase_date.vague"
    DATE_IMPOSSIBLE = "purchase_date.impossible"
    DATE_FUTURE = "purchase_date.future"
    MODEL_MISSING = "product_model.missing"
    MODEL_NOT_A_MODEL = "product_model.not_a_model"
    SYMPTOM_MISSING = "symptom.missing"
    SYMPTOM_VAGUE = "symptom.vague"

    @property
    def field(self) -> str:
        return self.value.split(".", 1)[0]


# Problem -> (severity, reason in Chinese, reason in English, the suggested fix in Chinese, in English)
_PROBLEM_TEXT: dict[Problem, tuple[Severity, str, str, str, str]] = {
    Problem.NAME_MISSING: (
        Severity.MISSING,
        "未填写客户姓名",
        "No customer name",
        "询问客户称呼",
        "Ask the name",
    ),
    Problem.NAME_PLACEHOLDER: (
        Severity.DOUBTFUL,
        "客户姓名是占位词，不是称呼",
        "The customer name is a placeholder",
        "询问客户称呼（如“王先生”）",
        "Ask how to address the customer",
    ),
    Problem.PHONE_MISSING: (
        Severity.MISSING,
        "未填写联系电话",
        "No contact phone",
        "询问手机号或带区号的座机",
        "Ask for a mobile or a landline with area code",
    ),
    Problem.PHONE_INVALID: (
        Severity.DOUBTFUL,
        "联系电话无效（手机号位数或号段不对，或座机缺少区号）",
        "The phone is not a valid number (mobile length/prefix, or landline without area code)",
        "核对号码；座机请加区号",
        "Check the number; a landline needs its area code",
    ),
    Problem.ADDRESS_MISSING: (
        Severity.MISSING,
        "未填写地址",
        "No address",
        "询问上门地址",
        "Ask the address",
    ),
    Problem.ADDRESS_NONSENSE: (
        Severity.DOUBTFUL,
        "无法识别为地址",
        "Not recognisable as an address",
        "重新询问省市区和门牌",
        "Ask province, city, district and street again",
    ),
    Problem.ADDRESS_AMBIGUOUS: (
        Severity.DOUBTFUL,
        "区县名在多个城市存在，无法确定城市",
        "The district name exists in several cities",
        "选择所在城市",
        "Choose the city",
    ),
    Problem.ADDRESS_MISMATCH: (
        Severity.DOUBTFUL,
        "省、市、区不一致",
        "Province, city and district do not belong together",
        "核实所在省市区",
        "Verify province, city and district",
    ),
    Problem.ADDRESS_NO_DISTRICT: (
        Severity.DOUBTFUL,
        "地址缺少区/县",
        "The address names no district or county",
        "选择区/县",
        "Choose the district",
    ),
    Problem.ADDRESS_NO_DETAIL: (
        Severity.DOUBTFUL,
        "地址缺少街道、小区或门牌",
        "The address has no street or building",
        "询问街道、小区、楼栋门牌",
        "Ask street, estate and house number",
    ),
    Problem.DATE_MISSING: (
        Severity.MISSING,
        "未提供购买日期",
        "No purchase date",
        "请客户查看发票或保修卡",
        "Ask for the invoice or warranty card",
    ),
    Problem.DATE_VAGUE: (
        Severity.DOUBTFUL,
        "购买日期不明确",
        "The purchase date is vague",
        "请客户查看发票上的具体日期",
        "Ask the exact date on the invoice",
    ),
    Problem.DATE_IMPOSSIBLE: (
        Severity.DOUBTFUL,
        "购买日期不存在",
        "The purchase date does not exist",
        "核对年月日",
        "Check year, month and day",
    ),
    Problem.DATE_FUTURE: (
        Severity.DOUBTFUL,
        "购买日期晚于今天",
        "The purchase date is in the future",
        "核对购买年份",
        "Check the year of purchase",
    ),
    Problem.MODEL_MISSING: (
        Severity.MISSING,
        "未提供产品型号",
        "No product model",
        "请客户查看机身铭牌",
        "Ask the customer to read the nameplate",
    ),
    Problem.MODEL_NOT_A_MODEL: (
        Severity.DOUBTFUL,
        "所填内容不是产品型号",
        "This is not a product model",
        "请客户查看机身铭牌或说明书",
        "Ask for the nameplate or the manual",
    ),
    Problem.SYMPTOM_MISSING: (
        Severity.MISSING,
        "维修单未填写故障现象",
        "Repair without a symptom",
        "询问具体故障现象",
        "Ask what exactly happens",
    ),
    Problem.SYMPTOM_VAGUE: (
        Severity.DOUBTFUL,
        "故障描述过于笼统",
        "The symptom is too vague",
        "问清具体现象（如不制冷、漏水、异响、故障代码）",
        "Ask for the exact symptom (not cooling, leaking, noise, error code)",
    ),
}


def problem(
    code: Problem,
    *,
    zh: str = "",
    en: str = "",
    suggestions: tuple[str, ...] = (),
    field_name: str | None = None,
) -> Issue:
    """An :class:`Issue` of the R-IN-2 vocabulary; ``zh``/``en`` add the specifics to the standard reason."""
    severity, base_zh, base_en, _fix_zh, _fix_en = _PROBLEM_TEXT[code]
    return Issue(
        str(code),
        field_name or code.field,
        severity,
        f"{base_zh}：{zh}" if zh else base_zh,
        f"{base_en}: {en}" if en else base_en,
        suggestions,
    )


def suggested_fix(code: str, *, english: bool = False) -> str:
    """The suggested fix the agent sees beside a problem (R-IN-2), or "" for a code outside the vocabulary."""
    try:
        text = _PROBLEM_TEXT[Problem(code)]
    except ValueError:
        return ""
    return text[4] if english else text[3]


# R-IN-2: problems that can never be right as given — an undiallable phone, no address, an impossible date;
# they are settled only by a correction. Every other problem may be confirmed with the customer as it is
# (a rural address without a house number, a purchase date nobody knows) by someone who records how.
NEEDS_CORRECTION = frozenset(
    {
        Problem.NAME_MISSING,
        Problem.PHONE_MISSING,
        Problem.PHONE_INVALID,
        Problem.ADDRESS_MISSING,
        Problem.ADDRESS_NONSENSE,
        Problem.ADDRESS_AMBIGUOUS,
        Problem.DATE_IMPOSSIBLE,
        Problem.DATE_FUTURE,
        Problem.MODEL_NOT_A_MODEL,
        Problem.SYMPTOM_MISSING,
    }
)


def confirmable(code: str) -> bool:
    """Whether the problem ``code`` may be confirmed as correct as given (R-IN-2); an agent's own listed
    item (outside the vocabulary) may."""
    return code not in {str(p) for p in NEEDS_CORRECTION}
