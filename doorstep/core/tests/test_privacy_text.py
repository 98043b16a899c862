"""Phone numbers inside free text — a WeChat message, an imported row — are masked wherever the text is shown
to staff outside the order page (R-PV-1)."""

from __future__ import annotations

import pytest

from doorstep.core.privacy import mask_phones_in


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("我的电话139-1234-5678，地址天河", "我的电话139****5678，地址天河"),
        ("+86 13912345678", "139****5678"),
        ("0086 139 1234 5678", "139****5678"),
        ("座机 020-87654321 找王先生", "座机 020****4321 找王先生"),
        ("工单 SV26120200002 已受理", "工单 SV26120200002 已受理"),  # an order number is not a phone
        ("热线 400-800-1234", "热线 400-800-1234"),  # a service hotline is public
        ("", ""),
    ],
)
def test_phone_numbers_in_free_text_are_masked_R_PV_1(text: str, shown: str) -> None:
    assert mask_phones_in(text) == shown
