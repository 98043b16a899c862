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


@pytest.mark.django_db
def test_the_admin_keeps_only_a_real_photo_R_PV_2(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from doorstep.network.admin import TechnicianForm

    def submit(name: str, content: bytes) -> TechnicianForm:
        data = {
            "staff": world.tech.staff_id,
            "permit_no": world.tech.permit_no,
            "star_level": 3,
            "seniority": 2,
        }
        files = {"photo": SimpleUploadedFile(name, content, content_type="image/png")}
        return TechnicianForm(data, files, instance=world.tech)

    forged = submit("me.png", b"<svg onload=alert(1)></svg>")
    assert not forged.is_valid() and "JPEG" in str(forged.errors["photo"])
    real = submit("me.png", placeholder_photo("李建国"))
    assert real.is_valid(), real.errors
    tech = real.save()
    assert tech.photo.name.startswith("technicians/photos/") and not tech.photo.name.endswith("me.png")
