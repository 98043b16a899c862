"""R-IN-2 contact phone: normalisation to E.164, kind, and specific error codes."""

from __future__ import annotations

import pytest

from doorstep.customers.parsing import PhoneKind, area_code_for_city, normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164", "kind", "extension"),
    [
        ("13812345678", "+8613812345678", PhoneKind.MOBILE, None),
        ("１３８ １２３４ ５６７８", "+8613812345678", PhoneKind.MOBILE, None),
        ("+86 138-1234-5678", "+8613812345678", PhoneKind.MOBILE, None),
        ("008613812345678", "+8613812345678", PhoneKind.MOBILE, None),
        ("手机：13912345678", "+8613912345678", PhoneKind.MOBILE, None),
        ("010-12345678", "+861012345678", PhoneKind.LANDLINE, None),
        ("+86 10 12345678", "+861012345678", PhoneKind.LANDLINE, None),
        ("0755 8888 8888", "+8675588888888", PhoneKind.LANDLINE, None),
        ("010-12345678-123", "+861012345678", PhoneKind.LANDLINE, "123"),
        ("020-8888 8888 ext 12", "+862088888888", PhoneKind.LANDLINE, "12"),
        ("4008001234", "+864008001234", PhoneKind.SERVICE, None),
        ("800-810-1234", "+868008101234", PhoneKind.SERVICE, None),
    ],
)
def test_r_in_2_valid_numbers(raw: str, e164: str, kind: PhoneKind, extension: str | None) -> None:
    result = normalize_phone(raw)
    assert (result.e164, result.kind, result.extension, result.ok) == (e164, kind, extension, True)


@pytest.mark.parametrize(
    ("raw", "code", "severity"),
    [
        ("", "phone.missing", "missing"),
        ("1381234567", "phone.too_short", "doubtful"),
        ("138123456789", "phone.too_long", "doubtful"),
        ("12812345678", "phone.mobile_bad_prefix", "doubtful"),
        ("87654321", "phone.landline_no_area_code", "doubtful"),
        ("0201234567", "phone.landline_invalid", "doubtful"),
        ("400-800-123", "phone.service_invalid", "doubtful"),
        ("+1 415 555 0100", "phone.not_chinese", "doubtful"),
        ("abc123", "phone.not_a_number", "invalid"),
        ("11111111111", "phone.not_a_number", "invalid"),
    ],
)
def test_r_in_2_phone_errors(raw: str, code: str, severity: str) -> None:
    result = normalize_phone(raw)
    assert result.e164 is None
    assert [(issue.code, str(issue.severity)) for issue in result.issues] == [(code, severity)]
    assert all(issue.zh and issue.en and issue.field == "phone" for issue in result.issues)


def test_r_in_2_default_area_code_completes_bare_landline() -> None:
    result = normalize_phone("8765-4321", default_area_code="020")
    assert (result.e164, result.kind, result.area_code_assumed) == (
        "+862087654321",
        PhoneKind.LANDLINE,
        "020",
    )


@pytest.mark.parametrize(
    ("city", "code"),
    [("广州市", "020"), ("北京", "010"), ("长春市", "0431"), ("苏州市", "0512"), ("火星市", None)],
)
def test_area_code_for_city(city: str, code: str | None) -> None:
    assert area_code_for_city(city) == code
