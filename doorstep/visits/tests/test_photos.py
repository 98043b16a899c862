"""Visit photos (the note left at the door, R-AR-2): checked before the move, kept under a random name,
handed out only to who may see the order (R-PV-1) with safe headers (doorstep/core/uploads.py)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from doorstep.core import clock
from doorstep.orders.tests.helpers import order_in
from doorstep.tests.factories import OutletFactory, TechnicianFactory
from doorstep.visits.arrival.protocol import customer_called, knock_start
from doorstep.visits.models import VisitPhoto
from doorstep.visits.testing import appointment_passed

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def login(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def nobody_home(world, photo: SimpleUploadedFile):  # type: ignore[no-untyped-def]
    """The technician knocked, called, waited and leaves the note with a photo of it (R-AR-1, R-AR-2)."""
    order = order_in(world, "arrived")
    appointment_passed(order)
    tech = world.actor("technician")
    start = clock.now()
    knock_start(order=order, actor=tech, client_at=start.isoformat())
    with clock.frozen_at(start + timedelta(minutes=6)):
        customer_called(order=order, actor=tech, answered=False)
        response = login(world.staff["technician"].user).post(
            reverse("visits:move", args=[order.number, "nobody_home"]),
            {"reason": "无人", "note_left": "10:02 到达，10:10 离开，请致电 020-1", "photo": photo},
            follow=True,
        )
    order.refresh_from_db()
    return order, response


def test_a_real_photo_is_kept_re_encoded_under_a_random_name(world, media) -> None:  # type: ignore[no-untyped-def]
    order, _response = nobody_home(world, SimpleUploadedFile("门口.html", jpeg() + HTML, "text/html"))
    assert order.status == "nobody_home"
    photo = VisitPhoto.objects.get(order=order)
    assert re.fullmatch(r"visits/photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photo.image.name)
    kept = (media / photo.image.name).read_bytes()
    assert kept.startswith(b"\xff\xd8\xff") and b"<script" not in kept


def test_html_named_jpg_is_refused_and_the_move_is_not_made(world) -> None:  # type: ignore[no-untyped-def]
    order, response = nobody_home(world, SimpleUploadedFile("note.jpg", HTML, "image/jpeg"))
    assert order.status == "arrived" and not VisitPhoto.objects.exists()
    assert "留言条照片" in response.content.decode() and "JPEG" in response.content.decode()


def kept(world, content: bytes, name: str = "upload.jpg") -> VisitPhoto:  # type: ignore[no-untyped-def]
    order = order_in(world, "arrived")
    return VisitPhoto.objects.create(
        order=order, kind="note_left", image=ContentFile(content, name=name), at=clock.now()
    )


def url(photo: VisitPhoto) -> str:
    return reverse("visits:photo", args=[photo.order.number, photo.pk])


def test_a_photo_is_served_inline_as_its_sniffed_type_with_nosniff(world) -> None:  # type: ignore[no-untyped-def]
    photo = kept(world, jpeg())
    response = login(world.staff["technician"].user).get(url(photo))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")  # type: ignore[attr-defined]


def test_a_file_kept_before_sniffing_that_is_not_an_image_is_only_downloadable(world) -> None:  # type: ignore[no-untyped-def]
    photo = kept(world, HTML, name="old.html")
    response = login(world.staff["agent"].user).get(url(photo))
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_another_outlet_s_technician_gets_404_for_the_photo(world) -> None:  # type: ignore[no-untyped-def]
    photo = kept(world, jpeg())
    other = TechnicianFactory(outlet=OutletFactory(centre=world.outlet.centre, district="海珠区"))
    assert login(other.staff.user).get(url(photo)).status_code == 404  # type: ignore[attr-defined]
    wrong_order = reverse("visits:photo", args=[order_in(world, "arrived").number, photo.pk])
    assert login(world.staff["technician"].user).get(wrong_order).status_code == 404
    assert Client().get(url(photo)).status_code == 302  # to the log-in page


def test_the_order_page_links_its_photos_through_the_checked_view(world) -> None:  # type: ignore[no-untyped-def]
    photo = kept(world, jpeg())
    page = login(world.staff["agent"].user).get(reverse("orders:detail", args=[photo.order.number]))
    assert url(photo) in page.content.decode() and "/media/" not in page.content.decode()


def test_media_is_not_served_as_a_url(world) -> None:  # type: ignore[no-untyped-def]
    photo = kept(world, HTML, name="x.html")
    client = login(world.staff["agent"].user)
    assert client.get(f"/media/{photo.image.name}").status_code == 404
