"""R-IN-2 purchase date and fault symptom checks."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.customers.parsing import check_symptom, is_vague, parse_purchase_date

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2024-05-03", date(2024, 5, 3)),
        ("2024/5/3", date(2024, 5, 3)),
        ("2024.5.3", date(2024, 5, 3)),
        ("20240503", date(2024, 5, 3)),
        ("2024年5月3日", date(2024, 5, 3)),
        ("２０２４年５月３号", date(2024, 5, 3)),
        ("昨天", date(2025, 6, 14)),
    ],
)
def test_r_in_2_exact_dates(raw: str, value: date) -> None:
    result = parse_purchase_date(raw, today=TODAY)
    assert (result.value, result.exact, result.issues) == (value, True, ())


@pytest.mark.parametrize(
    ("raw", "value"),
    [("去年5月", date(2024, 5, 1)), ("2024年5月", date(2024, 5, 1)), ("上个月", date(2025, 5, 1))],
)
def test_r_in_2_vague_dates_are_doubtful(raw: str, value: date) -> None:
    result = parse_purchase_date(raw, today=TODAY)
    assert result.value == value and [i.code for i in result.issues] == ["purchase_date.imprecise"]


@pytest.mark.parametrize(
    ("raw", "launch", "code"),
    [
        ("2025-07-01", None, "purchase_date.in_future"),
        ("2021-12-31", date(2022, 3, 1), "purchase_date.before_launch"),
        ("2022年2月", date(2022, 3, 1), "purchase_date.before_launch"),
        ("1980-01-01", None, "purchase_date.too_old"),
        ("2024-02-30", None, "purchase_date.invalid"),
        ("五一的时候", None, "purchase_date.unparseable"),
        ("不记得", None, "purchase_date.missing"),
    ],
)
def test_r_in_2_date_checks(raw: str, launch: date | None, code: str) -> None:
    result = parse_purchase_date(raw, today=TODAY, launch_date=launch)
    assert [issue.code for issue in result.issues] == [code]


def test_launch_month_itself_is_not_before_launch() -> None:
    assert parse_purchase_date("2022年3月", today=TODAY, launch_date=date(2022, 3, 15)).issues[0].code == (
        "purchase_date.imprecise"
    )


@pytest.mark.parametrize("text", ["坏了", "有问题", "冰箱坏了", "机器有点问题", "不行了，麻烦师傅上门看看"])
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
