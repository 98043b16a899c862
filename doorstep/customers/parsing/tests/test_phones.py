"""R-IN-2 contact phone: normalisation to E.164, kind, and specific error codes."""

from __future__ import annotations

import pytest

from doorstep.customers.parsing import PhoneKind, normalize_phone


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
    ("raw", "code"),
    [
        ("", "phone.missing"),
        ("1381234567", "phone.invalid"),  # one digit short
        ("138123456789", "phone.invalid"),  # one digit over
        ("12812345678", "phone.invalid"),
        ("87654321", "phone.invalid"),  # R-IN-2: a landline needs its area code
        ("0201234567", "phone.invalid"),
        ("400-800-123", "phone.invalid"),
        ("+1 415 555 0100", "phone.invalid"),
        ("abc123", "phone.invalid"),
        ("11111111111", "phone.invalid"),
    ],
)
def test_r_in_2_phone_problems(raw: str, code: str) -> None:
    result = normalize_phone(raw)
    assert result.e164 is None
    assert [issue.code for issue in result.issues] == [code]
    assert all(issue.zh and issue.en and issue.field == "phone" for issue in result.issues)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("139-1234-5678", "+8613912345678"),
        ("+86 139 1234 5678", "+8613912345678"),
        ("0086-13912345678", "+8613912345678"),
        ("１３９１２３４５６７８", "+8613912345678"),
        ("400-800-1234", "+864008001234"),  # R-IN-2: 400/800 numbers are valid
        ("800 830 1234", "+868008301234"),
        ("(020) 8765-4321", "+862087654321"),
    ],
)
def test_r_in_2_valid_after_stripping(raw: str, e164: str) -> None:
    assert normalize_phone(raw).e164 == e164


def test_r_in_2_bare_landline_is_not_completed_from_an_area_code() -> None:
    assert normalize_phone("8765-4321", default_area_code="020").issues[0].code == "phone.invalid"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13712345678（本人）", "+8613712345678"),  # a note around the number is not part of it
        ("王先生 13712345678", "+8613712345678"),
        ("1371234567/13812345678", "+8613812345678"),  # of two numbers, the first valid one
        ("0086-137-1111-2222", "+8613711112222"),  # not a landline with extension 2222
    ],
)
def test_r_in_2_phone_written_with_a_note_or_an_alternative(raw: str, e164: str) -> None:
    assert normalize_phone(raw).e164 == e164


def test_r_in_2_words_alone_are_no_phone() -> None:
    assert [i.code for i in normalize_phone("电话坏了").issues] == ["phone.invalid"]
