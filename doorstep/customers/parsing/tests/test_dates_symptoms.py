"""R-IN-2 purchase date and fault symptom checks."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.customers.parsing import check_symptom, is_vague, parse_purchase_date
from doorstep.customers.parsing.symptoms import fault_items

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2024-05-03", date(2024, 5, 3)),
        ("2024/5/3", date(2024, 5, 3)),
        ("2024.05.03", date(2024, 5, 3)),
        ("2024年5月3日", date(2024, 5, 3)),
        ("２０２４年５月３号", date(2024, 5, 3)),
        ("2025-06-15", TODAY),  # today itself is not in the future
        # the one date parser (doorstep.core.dates): the ways customers say a day
        ("24年5月3号", date(2024, 5, 3)),
        ("二〇二四年五月三日", date(2024, 5, 3)),
        ("5月3日", date(2025, 5, 3)),  # no year: the most recent 3 May
        ("7月1日", date(2024, 7, 1)),  # this year's 1 July is still to come
        ("昨天", date(2025, 6, 14)),
        ("三天前", date(2025, 6, 12)),
        ("去年5月3号", date(2024, 5, 3)),
    ],
)
def test_r_in_2_accepted_dates(raw: str, value: date) -> None:
    result = parse_purchase_date(raw, today=TODAY)
    assert (result.value, result.exact, result.issues) == (value, True, ())


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "purchase_date.missing"),
        ("不记得", "purchase_date.missing"),
        ("去年夏天", "purchase_date.vague"),
        ("好几年了", "purchase_date.vague"),
        ("2024年5月", "purchase_date.vague"),
        ("去年", "purchase_date.vague"),  # a year is not a day: the warranty needs the day
        ("2月30日", "purchase_date.impossible"),
        ("明天", "purchase_date.future"),
        ("2025-02-29", "purchase_date.impossible"),
        ("2024-13-01", "purchase_date.impossible"),
        ("2025-06-16", "purchase_date.future"),  # one day after today
    ],
)
def test_r_in_2_date_problems(raw: str, code: str) -> None:
    assert [issue.code for issue in parse_purchase_date(raw, today=TODAY).issues] == [code]


def test_r_in_2_a_date_problem_says_why() -> None:
    (issue,) = parse_purchase_date("去年", today=TODAY).issues
    assert issue.zh == "购买日期不明确：「去年」只说到 2024，请问具体是哪一天。"
    (issue,) = parse_purchase_date("2025-06-16", today=TODAY).issues
    assert "还没有到" in issue.zh and "has not come yet" in issue.en


@pytest.mark.parametrize(
    "text", ["坏了", "有问题", "冰箱坏了", "不好用了", "老毛病又犯了", "不行了，麻烦师傅上门看看"]
)
def test_r_in_2_vague_symptoms(text: str) -> None:
    assert is_vague(text)


@pytest.mark.parametrize(
    "text", ["漏水", "空调不制冷", "开机显示E4", "热水器用一会儿就自己关了", "电视机一直重启"]
)
def test_r_in_2_specific_symptoms(text: str) -> None:
    assert not is_vague(text)


def test_r_in_2_symptom_required_only_for_repairs() -> None:
    assert check_symptom("", required=False) == ("", [])
    assert check_symptom("", required=True)[1][0].code == "symptom.missing"
    assert check_symptom("坏了", required=False) == ("坏了", [])


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("不制冷，还漏水", ["不制冷", "漏水"]),
        ("洗衣机不脱水而且噪音很大", ["洗衣机不脱水", "噪音很大"]),
        ("空调不制冷", ["空调不制冷"]),
        ("坏了，麻烦看看", ["坏了,麻烦看看"]),
    ],
)
def test_r_in_6_several_faults_become_several_items(text: str, items: list[str]) -> None:
    assert fault_items(text) == items


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ("2023-05-01购买", []),
        ("购于2023年5月1日", []),
        ("2023-05-01 14:30", []),
        ("2023年5月1日左右", ["purchase_date.vague"]),  # "about" makes a written date vague
    ],
)
def test_r_in_2_words_around_a_written_date(raw: str, codes: list[str]) -> None:
    assert [i.code for i in parse_purchase_date(raw, today=TODAY).issues] == codes
