"""The one reader of the standard's numbers: defaults (core.policy) ← brand row ← centre row.

It never writes: a brand or centre without a stored row simply gets the defaults of STANDARD.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Protocol

from django.db.models import Q

from doorstep.core.policy import DEFAULT, STORED_NAMES, Policy, declared
from doorstep.network.models import Brand, ServiceCentre
from doorstep.network.models import Policy as PolicyRow


class _HasBrandAndCentre(Protocol):
    brand_id: int
    centre_id: int


_memo: ContextVar[dict[tuple[int, int | None], Policy] | None] = ContextVar("policy_memo", default=None)


@contextmanager
def policies_read_once() -> Iterator[None]:
    """Inside the block each brand's and centre's numbers are read from the database once: for a unit of
    work that reads them several times and writes none of them (an intake: duplicate window, deadlines,
    quiet hours of the first message)."""
    token = _memo.set({}) if _memo.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _memo.reset(token)


def policy_for(*, brand: Brand | int, centre: ServiceCentre | int | None = None) -> Policy:
    """The numbers for ``brand``, overridden by ``centre``'s row where it sets one (read-only)."""
    brand_id = brand if isinstance(brand, int) else brand.pk
    centre_id = centre.pk if isinstance(centre, ServiceCentre) else centre
    memo = _memo.get()
    if memo is None:
        return _read(brand_id, centre_id)
    key = (brand_id, centre_id)
    if key not in memo:
        memo[key] = _read(brand_id, centre_id)
    return memo[key]


def remember(brand_id: int, centre_id: int | None, policy: Policy) -> None:
    """Inside ``policies_read_once``: use ``policy`` (read by the caller, e.g. from the intake's per-process
    master data) for this brand and centre instead of reading it."""
    memo = _memo.get()
    if memo is not None:
        memo[(brand_id, centre_id)] = policy


def read_policy(brand_id: int, centre_id: int | None) -> Policy:
    """The numbers read from the database now (no memo)."""
    return _read(brand_id, centre_id)


def _read(brand_id: int, centre_id: int | None) -> Policy:
    rows = PolicyRow.objects.filter(brand_id=brand_id).prefetch_related("star_rules")
    rows = (
        rows.filter(Q(centre__isnull=True) | Q(centre_id=centre_id))
        if centre_id
        else rows.filter(centre__isnull=True)
    )
    policy = DEFAULT
    for row in sorted(rows, key=lambda r: r.centre_id is not None):  # the brand's first, then the centre's
        policy = policy.with_values(row.overrides())
        stars = sorted(row.star_rules.all(), key=lambda r: -r.stars)
        if stars:
            policy = replace(policy, star_rules=tuple(r.frozen() for r in stars))
    return policy


def policy_of(order: _HasBrandAndCentre) -> Policy:
    """The numbers that apply to an order: its brand's, with its service centre's overrides."""
    return policy_for(brand=order.brand_id, centre=order.centre_id)


_SECTIONS = {
    "R-IN": "§1 受理",
    "R-AN": "§2 分析",
    "R-DI": "§3 派工与预约",
    "R-PR": "§4 上门前准备",
    "R-AR": "§5 到达与进门",
    "R-SV": "§6 现场服务",
    "R-CO": "§7 完工",
    "R-QA": "§8 回访与质量",
}


def numbers_by_section() -> list[tuple[str, tuple[str, ...]]]:
    """The stored numbers grouped by STANDARD.md's chapter, in declaration order (for the admin)."""
    groups: dict[str, list[str]] = {}
    for spec in declared():
        if spec.name in STORED_NAMES:
            groups.setdefault(_SECTIONS[spec.metadata["rule"][:4]], []).append(spec.name)
    return [(title, tuple(names)) for title, names in groups.items()]
