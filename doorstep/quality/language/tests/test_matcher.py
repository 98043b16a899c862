"""R-LG-2 / R-LG-3: forbidden phrases in staff-written text are flagged with a suggestion."""

from __future__ import annotations

import pytest

from doorstep.quality.language import Hit, LanguageMatcher, check_text, default_library, typing_hints
from doorstep.quality.language.normalize import normalize_pattern


@pytest.fixture(scope="module")
def matcher() -> LanguageMatcher:
    return LanguageMatcher()


def _ids(hits: list[Hit]) -> list[str]:
    return [hit.phrase_id for hit in hits]


def test_r_lg_2_hit_reports_exact_positions_and_suggestion(matcher: LanguageMatcher) -> None:
    """R-LG-2: positions index the original text; the seed 003 rewording is suggested."""
    text = "您好，很抱歉让你久等了。"
    (hit,) = matcher.check(text)
    assert (hit.start, hit.end) == (4, 10)
    assert text[hit.start : hit.end] == hit.text == "抱歉让你久等"
    assert hit.phrase_id == "LG2-H01"
    assert hit.rule_id == "R-LG-2"
    assert hit.suggestions == ("非常感谢您的耐心等待",)
    assert hit.source == "003_ce58c8e630210d83.txt"


@pytest.mark.parametrize(
    ("text", "phrase", "suggestion"),
    [
        (
            "师傅说：你错了，不是那样的！",
            "你错了,不是那样的",
            "对不起我没说清楚,但我想它运转的方式有些不同。",
        ),
        ("这个我试试看吧", "我试试看吧", "我一定尽力而为"),
        ("抱歉，我没办法。", "我没办法", "对不起,我们暂时还没有解决方案"),
        ("嗯，就是这样。", "就是这样", "我再帮你看看"),
    ],
)
def test_r_lg_2_seed_003_pairs_suggest_professional_wording(
    matcher: LanguageMatcher, text: str, phrase: str, suggestion: str
) -> None:
    """R-LG-2: habitual phrases of seed 003 map to its professional expressions."""
    (hit,) = matcher.check(text)
    assert hit.pattern == normalize_pattern(phrase)
    assert suggestion in hit.suggestions
    assert text[hit.start : hit.end] == hit.text


def test_r_lg_2_forbidden_phrases_from_several_seeds_are_found(matcher: LanguageMatcher) -> None:
    """R-LG-2: 服务禁语 of seeds 001, 003 and 004 in one call transcript."""
    text = (
        "客户问噪音，我说就这样，没有办法解决，凑合着用。这种型号坏的太多，质量不过关。"
        "这种型号是老产品，无配件，无法维修，您的问题我无法解决，找有关部门吧。"
    )
    hits = matcher.check(text)
    assert _ids(hits) == ["LG2-F04", "LG2-F12", "LG2-F15", "LG2-F16"]
    sources = {hit.source for hit in hits} | {
        src for hit in hits for src in default_library().forbidden_by_id(hit.phrase_id).also_in
    }
    assert {"001_09dc066c1be5fbf1.txt", "003_ce58c8e630210d83.txt", "004_5af6f4316135e085.txt"} <= sources
    for hit in hits:
        assert text[hit.start : hit.end] == hit.text
        assert hit.suggestions


def test_r_lg_2_standard_list_examples_are_all_flagged(matcher: LanguageMatcher) -> None:
    """R-LG-2: every example the standard lists is flagged on its own."""
    examples = [
        "不知道",
        "不清楚",
        "这种现象可能不正常",
        "就这样,没有办法解决,凑合着用",
        "这种型号的产品都是这样的",
        "这是设计问题,我无能为力",
        "这种型号坏的太多,质量不过关",
        "这是新产品,我也不清楚",
        "无配件,无法维修",
        "您的问题我无法解决,找有关部门吧",
        "我没办法",
        "就是这样",
    ]
    for example in examples:
        hits = matcher.check(example)
        assert len(hits) == 1, example
        assert (hits[0].start, hits[0].end) == (0, len(example)), example


def test_r_lg_2_full_width_and_spaces_tolerated_positions_in_original(matcher: LanguageMatcher) -> None:
    """R-LG-2: full-width commas and stray spaces still match; span covers the original characters."""
    text = "答复：这是设计问题， 我无能为力"
    (hit,) = matcher.check(text)
    assert hit.phrase_id == "LG2-F07"
    assert (hit.start, hit.end) == (3, 16)
    assert hit.text == "这是设计问题， 我无能为力"


def test_r_lg_2_traditional_script_is_matched(matcher: LanguageMatcher) -> None:
    """R-LG-2: seed 001 is in traditional script; the same phrase there is found."""
    (hit,) = matcher.check("這種現象可能不正常")
    assert hit.phrase_id == "LG2-F03"


def test_r_lg_3_disparaging_the_company_is_flagged(matcher: LanguageMatcher) -> None:
    """R-LG-3: no disparaging the company; seed 003 suggests 我完全理解您的苦衷."""
    (hit,) = matcher.check("你说得不错，这个部门表现很差劲")
    assert hit.rule_id == "R-LG-3"
    assert hit.suggestions == ("我完全理解您的苦衷",)


def test_r_lg_2_clean_professional_text_has_no_hits(matcher: LanguageMatcher) -> None:
    """R-LG-2: a reply built from standard phrases is clean."""
    text = (
        "您好，我是格力电器售后服务人员，请问是**先生家吗？非常感谢您的耐心等待。"
        "我先帮您检查一下，确认原因后再向您说明维修办法。我们一定尽力给您解决。"
        "对不起，耽误了您的时间。今后有问题欢迎拨打我们的服务电话，再见！"
    )
    assert matcher.check(text) == []


def test_r_lg_1_standard_phrases_and_suggestions_never_flagged(matcher: LanguageMatcher) -> None:
    """R-LG-1/R-LG-2: the library is consistent: no standard phrase or suggestion is itself flagged."""
    library = default_library()
    texts = [phrase.text for phrase in library.standard]
    texts += [suggestion for phrase in library.forbidden for suggestion in phrase.suggestions]
    flagged = {text: _ids(matcher.check(text)) for text in texts if matcher.check(text)}
    assert flagged == {}


def test_r_lg_2_longest_match_wins(matcher: LanguageMatcher) -> None:
    """R-LG-2: 不清楚 inside 这是新产品,我也不清楚 is reported once, as the longer phrase."""
    assert _ids(matcher.check("这是新产品，我也不清楚")) == ["LG2-F13"]


def test_r_lg_2_typing_hints_report_end_of_reply_with_original_positions() -> None:
    """R-LG-2: while typing, hits near the end are returned with positions in the whole text."""
    prefix = "您好，" * 100
    text = prefix + "这个问题我不知道"
    (hit,) = typing_hints(text)
    assert hit.phrase_id == "LG2-F01"
    assert (hit.start, hit.end) == (len(prefix) + 5, len(prefix) + 8)
    assert typing_hints("你错了")[0].suggestions


def test_r_lg_2_hit_serialises_to_json_friendly_dict() -> None:
    """R-LG-2: hits go to the Django side as plain dicts."""
    (hit,) = check_text("我试试看吧")
    data = hit.to_dict()
    assert data["phrase_id"] == "LG2-H09"
    assert data["suggestions"] == ["我一定尽力而为"]
    assert set(data) >= {"start", "end", "text", "rule_id", "source", "left_context", "right_context"}
