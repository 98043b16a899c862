"""Parsing and checking of work-order intake data (R-IN-2); no database (dates: ``doorstep.core.dates``).

Public API::

    normalize_phone(raw, *, default_area_code=None) -> PhoneResult
    area_code_for_city(city_name) -> str | None
    parse_address(raw, *, region_hint=None) -> ParsedAddress
    district_centroids(city_name) -> list[tuple[str, float, float]]
    match_model(raw, catalogue) -> ModelMatch
    parse_purchase_date(raw, *, today, launch_date=None) -> DateResult
    check_symptom(raw, *, required) -> tuple[str, list[Issue]]
    check_intake(record, *, catalogue, today, region_hint=None, default_area_code=None) -> IntakeVerdict
    warm_up() -> None
"""

from .address import Candidate, ParsedAddress, district_centroids, parse_address, resolve_region
from .dates import DateResult, parse_purchase_date
from .intake import IntakeVerdict, ServiceType, Status, check_intake
from .issues import Issue, Severity
from .phones import PhoneKind, PhoneResult, area_code_for_city, normalize_phone
from .product_match import Catalogue, CatalogueEntry, ModelMatch, match_model, model_key
from .symptoms import check_symptom, is_vague


def warm_up() -> None:
    """Load the data every parse needs (division tables and their name index, the phone metadata) now:
    a web process calls this when it starts, so no request pays for it."""
    parse_address("广东省广州市天河区天河路1号")
    normalize_phone("13800000000")
    normalize_phone("020-12345678")


__all__ = [
    "Candidate",
    "Catalogue",
    "CatalogueEntry",
    "DateResult",
    "IntakeVerdict",
    "Issue",
    "ModelMatch",
    "ParsedAddress",
    "PhoneKind",
    "PhoneResult",
    "ServiceType",
    "Severity",
    "Status",
    "area_code_for_city",
    "check_intake",
    "check_symptom",
    "district_centroids",
    "is_vague",
    "match_model",
    "model_key",
    "normalize_phone",
    "parse_address",
    "parse_purchase_date",
    "resolve_region",
    "warm_up",
]
