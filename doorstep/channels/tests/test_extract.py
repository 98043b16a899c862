"""Free-text extraction for the WeChat channel (R-IN-2 items found, the rest left missing)."""

from __future__ import annotations

from doorstep.channels.extract import extract
from doorstep.customers.parsing.product_match import Catalogue

CATALOGUE = Catalogue(["KFR-35GW", "KFR-72LW"])
REGION = "广东省广州市"


def test_all_items_found_in_one_message() -> None:
    found = extract(
        "你好，我家空调KFR35GW不制冷，还有异响。地址：天河区天河路385号1201室，电话13800138000，我姓王，明天上午在家",
        catalogue=CATALOGUE,
        region_hint=REGION,
    )
    assert found.phone == "13800138000" and found.model == "KFR-35GW" and found.name == "王"
    assert found.address == "天河区天河路385号1201室" and found.requirement == "明天上午"
    assert found.faults == ["我家空调 不制冷", "还有异响"] and found.service_type == "repair"


def test_name_is_not_taken_into_the_address_and_install_is_recognised() -> None:
    found = extract(
        "新买的空调要安装 139 1234 5678 海珠区江南大道中100号3楼 李女士",
        catalogue=CATALOGUE,
        region_hint=REGION,
    )
    assert (
        found.address == "海珠区江南大道中100号3楼"
        and found.name == "李女士"
        and found.service_type == "install"
    )


def test_nothing_is_guessed() -> None:
    found = extract("空调不制冷怎么办", catalogue=CATALOGUE, region_hint=REGION)
    assert (found.phone, found.address, found.model, found.name, found.requirement) == ("", "", "", "", "")
