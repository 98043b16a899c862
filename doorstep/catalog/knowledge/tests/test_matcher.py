"""R-AN-1: colloquial symptoms map to the right knowledge-base case; the base learns from orders."""

from __future__ import annotations

import pytest

from doorstep.catalog.knowledge import (
    FaultCase,
    SymptomMatcher,
    TfidfSymptomMatcher,
    case_from_closure,
    suggest_cases,
)

COLLOQUIAL = [
    # 空调
    ("空调开了半天不凉快", "AC-01"),
    ("空调吹的风跟风扇一样不冷", "AC-03"),
    ("空调滴水", "AC-07"),
    ("一开空调就跳闸", "AC-12"),
    ("空调外机噪音很大", "AC-08"),
    # 洗衣机
    ("洗衣机一直响报警不进水", "WM-02"),
    ("每天晚上洗衣服都报警一次,重启又好了", "WM-01"),
    ("洗衣机水排不出去", "WM-03"),
    ("洗衣机门打不开了", "WM-06"),
    ("洗衣机甩干时候晃得厉害", "WM-04"),
    # 热水器
    ("热水器打不着火显示E1", "WH-01"),
    ("电热水器不热了", "WH-05"),
    ("热水器有煤气味", "WH-11"),
    ("洗澡水忽冷忽热", "WH-03"),
    # 宽带/光猫
    ("光猫亮红灯上不了网", "BB-01"),
    ("网太慢了看视频卡", "BB-04"),
    ("wifi密码忘记了", "BB-06"),
    ("网老是掉线", "BB-09"),
]


@pytest.fixture(scope="module")
def matcher() -> TfidfSymptomMatcher:
    return TfidfSymptomMatcher()


def test_r_an_1_matcher_implements_interface(matcher: TfidfSymptomMatcher) -> None:
    """R-AN-1: the Django side depends on the SymptomMatcher protocol only."""
    assert isinstance(matcher, SymptomMatcher)


@pytest.mark.parametrize(("symptom", "case_id"), COLLOQUIAL)
def test_r_an_1_colloquial_symptom_finds_case_in_top_3(
    matcher: TfidfSymptomMatcher, symptom: str, case_id: str
) -> None:
    """R-AN-1: a customer's own words map to the right case within the top 3."""
    matches = matcher.suggest(symptom, k=3)
    assert case_id in [m.case.id for m in matches]
    assert all(0 < m.score <= 1 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_r_an_1_suggestion_carries_causes_measures_parts(matcher: TfidfSymptomMatcher) -> None:
    """R-AN-1: a suggestion lists likely causes, measures and parts."""
    best = matcher.suggest("空调不制冷", k=1)[0].case
    assert best.id == "AC-01"
    assert any("泄漏" in cause for cause in best.causes)
    assert best.measures and best.parts


def test_r_an_2_wrong_use_case_has_phone_script(matcher: TfidfSymptomMatcher) -> None:
    """R-AN-2: a wrong-use case comes with a scripted phone answer."""
    best = matcher.suggest("空调开了吹自然风不制冷,模式好像调错了", product_line="空调", k=1)[0].case
    assert best.id == "AC-03"
    assert best.phone_solvable and best.phone_script


def test_r_an_1_filter_by_product_line(matcher: TfidfSymptomMatcher) -> None:
    """R-AN-1: the same words give each line's own case; only that line's cases are returned."""
    for line, key, case_id in [
        ("空调", "air_conditioner", "AC-07"),
        ("washer", "washer", "WM-08"),
        ("热水器", "water_heater", "WH-07"),
    ]:
        matches = matcher.suggest("一直在漏水", product_line=line, k=5)
        assert matches[0].case.id == case_id
        assert {m.case.product_line for m in matches} == {key}
    assert {m.case.product_line for m in matcher.suggest("上不了网", product_line="光猫", k=5)} == {
        "broadband"
    }
    assert matcher.suggest("空调不制冷", product_line="洗衣机") == []


def test_r_an_1_seed_case_from_value_add_report() -> None:
    """R-AN-1/R-QA-5: the washer alarm traced to low water pressure (seed 004) is in the base."""
    matches = suggest_cases("用水高峰水压低洗衣机报警", product_line="washer", k=1)
    assert matches[0].case.id == "WM-01"
    assert matches[0].case.source == "004_5af6f4316135e085.txt"


def test_r_an_1_feedback_case_becomes_findable() -> None:
    """R-AN-1: a cause recorded at order closure is added and found for a similar symptom."""
    matcher = TfidfSymptomMatcher()
    symptom = "洗完的衣服上全是白色粉末"
    assert "ORD-1" not in [m.case.id for m in matcher.suggest(symptom)]
    matcher.add_case(
        case_from_closure(
            "ORD-1",
            "洗衣机",
            "洗完的衣服上有白色粉末残留",
            "低水温下洗衣粉未完全溶解",
            measures=["建议改用洗衣液或先溶解洗衣粉"],
        )
    )
    top = matcher.suggest("衣服洗完有白色粉末", product_line="washer", k=3)
    assert top[0].case.id == "ORD-1"
    assert top[0].case.product_line == "washer"
    assert top[0].case.source == "order_closure"


def test_r_an_1_add_case_replaces_same_id() -> None:
    """R-AN-1: re-recording a case with the same id updates it instead of duplicating it."""
    matcher = TfidfSymptomMatcher()
    before = len(matcher.cases)
    updated = FaultCase.from_dict({**matcher.cases[0].to_dict(), "parts": ["新配件"]})
    matcher.add_case(updated)
    assert len(matcher.cases) == before
    assert matcher.cases[0].parts == ("新配件",)
    assert matcher.remove_case(updated.id)
    assert len(matcher.cases) == before - 1


@pytest.mark.parametrize("garbage", ["", "   ", "！！！？？", "asdfgh", "hello world", "今天天气不错"])
def test_r_an_1_empty_or_garbage_gives_empty_list(matcher: TfidfSymptomMatcher, garbage: str) -> None:
    """R-AN-1: input with nothing in common with the base returns [] rather than raising."""
    assert matcher.suggest(garbage) == []


def test_r_an_1_empty_base_gives_empty_list() -> None:
    """R-AN-1: a matcher without cases answers [] and can be filled later."""
    matcher = TfidfSymptomMatcher(cases=[])
    assert matcher.suggest("空调不制冷") == []
    matcher.add_case(case_from_closure("X-1", "空调", "空调不制冷", "冷媒泄漏"))
    assert matcher.suggest("空调不制冷")[0].case.id == "X-1"
