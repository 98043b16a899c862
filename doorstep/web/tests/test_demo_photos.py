"""Demo technicians get an ID photo drawn locally (R-PV-2): a real photo the upload check accepts."""

from __future__ import annotations

import pytest

from doorstep.core.uploads import Kind, upload_check
from doorstep.network.models import Technician
from doorstep.network.placeholder import placeholder_photo
from doorstep.web.demo import build_catalogue, build_network, build_staff


def test_placeholder_is_a_photo_the_upload_check_accepts() -> None:
    clean = upload_check(placeholder_photo("李建国"), kind=Kind.PHOTO, field="photo")
    assert clean.mime == "image/png"
    assert placeholder_photo("李建国") != placeholder_photo("张伟")


@pytest.mark.django_db
def test_every_demo_technician_has_a_photo_R_PV_2() -> None:
    brand, centre, outlets = build_network()
    build_catalogue(brand)
    build_staff(centre, outlets)
    techs = list(Technician.objects.all())
    assert techs and all(t.photo and t.photo.name.startswith("technicians/photos/") for t in techs)
