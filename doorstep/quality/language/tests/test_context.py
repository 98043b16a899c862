"""R-LG-2: false positives: learned dismissals and built-in context exceptions."""

from __future__ import annotations

import json

from doorstep.quality.language import ContextRule, LanguageMatcher, rules_from_json, rules_to_json


def test_r_lg_2_dismissed_false_positive_not_flagged_again_genuine_use_still_is() -> None:
    """R-LG-2: after dismissing 我不知道他几点下班, similar contexts pass, real 不知道 is still flagged."""
    matcher = LanguageMatcher(builtin_exceptions=False)
    (hit,) = matcher.check("我不知道他几点下班")
    rule = matcher.dismiss(hit, reason="surprise, not ignorance")

    assert rule.phrase_id == "LG2-F01"
    assert matcher.check("我不知道他几点下班") == []
    assert matcher.check("哦，我不知道他几点下班。") == []
    genuine = matcher.check("这个故障我不知道，您问别人吧")
    assert [h.phrase_id for h in genuine] == ["LG2-F01"]
    assert [h.phrase_id for h in matcher.check("我不知道怎么修")] == ["LG2-F01"]


def test_r_lg_2_dismissal_is_phrase_specific() -> None:
    """R-LG-2: a dismissal of 不知道 does not silence another phrase in the same text."""
    matcher = LanguageMatcher(builtin_exceptions=False)
    (hit,) = matcher.check("我不知道他几点下班")
    matcher.dismiss(hit)
    hits = matcher.check("我不知道他几点下班，就是这样")
    assert [h.phrase_id for h in hits] == ["LG2-F17"]


def test_r_lg_2_dismissal_rule_round_trips_through_json() -> None:
    """R-LG-2: rules serialise to JSON for persistence and work again after loading."""
    matcher = LanguageMatcher(builtin_exceptions=False)
    (hit,) = matcher.check("我不知道他几点下班")
    rule = matcher.dismiss(hit)
    assert matcher.dismiss(hit) is rule  # same context, same rule

    stored = rules_to_json([rule])
    data = json.loads(stored)[0]
    assert data == {
        "id": rule.id,
        "phrase_id": "LG2-F01",
        "left": "我",
        "right": "他几点下班",
        "mode": "similar",
        "anchor": 2,
        "threshold": 0.5,
        "reason": "",
    }
    reloaded = LanguageMatcher(rules=rules_from_json(stored), builtin_exceptions=False)
    assert reloaded.check("我不知道他几点下班") == []
    assert reloaded.check("我不知道") != []


def test_r_lg_2_learned_rules_shared_automaton() -> None:
    """R-LG-2: with_rules gives a per-tenant matcher without rebuilding the automaton."""
    base = LanguageMatcher()
    rule = ContextRule(id="x", phrase_id="LG2-F17", left="机器", right="", mode="adjacent")
    tenant = base.with_rules([rule])
    assert tenant.index is base.index
    assert tenant.check("这台机器就是这样，您放心") == []
    assert base.check("这台机器就是这样，您放心") != []


def test_r_lg_2_builtin_exceptions_customer_subject_and_polite_inquiry() -> None:
    """R-LG-2: 如果您不知道型号 / 不知道您什么时候方便 / 看不清楚 are not forbidden uses."""
    matcher = LanguageMatcher()
    assert matcher.check("如果您不知道型号，可以看机身铭牌") == []
    assert matcher.check("不知道您什么时候方便？") == []
    assert matcher.check("用户反映显示屏看不清楚") == []
    assert matcher.check("现场无法维修，需拉回维修，已征得用户同意") == []
    assert [h.phrase_id for h in matcher.check("我不知道您说的是什么")] == ["LG2-F01"]


def test_r_lg_2_exempting_rule_is_reported() -> None:
    """R-LG-2: the rule that exempted a hit can be shown to the reviewer."""
    matcher = LanguageMatcher()
    (hit,) = matcher.find_all("现场无法维修，需拉回网点")
    rule = matcher.exempting_rule(hit)
    assert rule is not None
    assert rule.id == "BUILTIN-008"
