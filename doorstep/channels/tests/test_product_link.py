"""扫码报修: the product's QR code (warranty card, service report) opens self-booking with the product filled
in; the code is signed and carries nothing about the customer (R-IN-1, R-PV-1)."""

from __future__ import annotations

import base64

from django.test import Client

from doorstep.channels.tests.test_selfbook import form
from doorstep.customers.product_link import ProductRef, product_booking_url, product_from_token, product_token
from doorstep.orders.models import OrderEvent, WorkOrder
from doorstep.tests import dates

BOUGHT = dates.years_ago(2)
REF = ProductRef("acme", "KFR-35GW", BOUGHT, "SN-0042")


def _path(ref: ProductRef = REF) -> str:
    return "/" + product_booking_url(ref).split("/", 3)[-1]


def test_the_token_round_trips_and_refuses_a_change() -> None:
    token = product_token(REF)
    assert product_from_token(token) == REF
    payload, _sig = token.split(":", 1)
    changed = base64.urlsafe_b64encode(b'{"b":"acme","m":"KFR-72LW"}').decode().rstrip("=")
    assert product_from_token(f"{changed}:{_sig}") is None and product_from_token("nonsense") is None
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert set(decoded) >= set('"bmds') and "林" not in decoded  # product facts only (R-PV-1)


def test_scanning_opens_the_form_with_the_product_filled_in(world) -> None:  # type: ignore[no-untyped-def]
    page = Client().get(_path()).content.decode()
    assert 'id="qr-filled"' in page
    assert '<option value="KFR-35GW" selected>' in page
    assert f'value="{BOUGHT.isoformat()}"' in page
    assert f'<option value="{world.line.pk}" selected>' in page


def test_a_damaged_code_says_so_and_the_form_still_works(world) -> None:  # type: ignore[no-untyped-def]
    token = product_token(REF)
    page = Client().get(f"/book/acme/p/{token[:-3]}xyz/").content.decode()
    assert "二维码无效或已损坏" in page and 'name="customer_name"' in page
    other = Client().get(f"/book/acme/p/{product_token(ProductRef('other-brand', 'X'))}/").content.decode()
    assert "二维码无效或已损坏" in other  # a code of another brand fills nothing in


def test_booking_from_the_code_records_it(world) -> None:  # type: ignore[no-untyped-def]
    token = product_token(REF)
    answer = Client().post(_path(), form(world, product=token))
    assert answer.status_code == 302 and answer["Location"].startswith("/t/")
    order = WorkOrder.objects.get()
    assert order.product is not None and order.product.model is not None
    assert order.product.model.code == "KFR-35GW" and order.product.purchase_date == BOUGHT
    note = OrderEvent.objects.get(order=order, kind="self_booking")
    assert note.data["from_qr"] is True and note.data["serial"] == "SN-0042"


def test_the_product_archive_shows_the_code_for_the_warranty_card(world, client) -> None:  # type: ignore[no-untyped-def]
    from doorstep.orders.tests.helpers import order_in

    order = order_in(world, "completed")
    assert order.product is not None
    client.force_login(world.staff["agent"].user)
    page = client.get(f"/quality/archive/product/{order.product.pk}/").content.decode()
    assert 'id="warranty-qr"' in page and "<svg" in page and f"/book/{world.brand.code}/p/" in page
