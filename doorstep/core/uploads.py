"""Every uploaded file passes here: what it really is, how large it may be, and the name it is kept under.

The name a client gives a file and the Content-Type it claims are never trusted: the content is sniffed.

* ``PHOTO`` — JPEG, PNG or WebP that Pillow opens and decodes. The photo is **re-encoded** (pixels only):
  whatever rides along — EXIF (GPS position of the customer's door), comments, HTML or a script appended
  after the image data (a polyglot) — is dropped, and the stored file is exactly the sniffed type.
  HEIC is not accepted (Pillow cannot read it without a plug-in); phones send JPEG from a web form.
* ``DOCUMENT`` — PDF only: ``%PDF-`` header, an ``%%EOF`` trailer, no JavaScript/launch actions or
  embedded files, and it parses with pypdf when pypdf is installed.
* ``IMPORT`` — a real XLSX workbook (a zip whose ``[Content_Types].xml`` declares a spreadsheet, with a
  bounded uncompressed size) or CSV text (UTF-8 or GB18030, no NUL or other binary, not markup).

HTML, SVG, XML, scripts, executables (PE/ELF/Mach-O), archives that are not workbooks and anything else
are refused with ``ErrorCode.UPLOAD_TYPE`` naming the field. The size limit per kind is the setting
``DOORSTEP_UPLOAD_MAX_BYTES``; above it ``ErrorCode.UPLOAD_TOO_LARGE``, checked before the content is read.
Kept files get a random name (``uuid4().hex`` plus the sniffed extension) under ``MEDIA_ROOT``, which no
URL serves: views hand them out after the order's own visibility check (R-PV-1).
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.utils.functional import Promise

from doorstep.core import clock
from doorstep.core.errors import ErrorCode, Invalid

MB = 1024 * 1024


class Kind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    IMPORT = "import"


DEFAULT_MAX_BYTES = {Kind.PHOTO: 10 * MB, Kind.DOCUMENT: 10 * MB, Kind.IMPORT: 5 * MB}
ALLOWED = {Kind.PHOTO: "JPEG、PNG、WebP", Kind.DOCUMENT: "PDF", Kind.IMPORT: "Excel (.xlsx)、CSV"}

# Pillow format → (extension, MIME type) of the photos we keep
PHOTO_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
JPEG_ALIASES = {"MPO": "JPEG"}  # phones' multi-picture JPEG: the first picture is kept, as a plain JPEG
MIME_OF_EXT = {ext: mime for ext, mime in PHOTO_FORMATS.values()} | {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
MAX_PHOTO_PIXELS = 50_000_000  # a 50-megapixel photo; more is a decompression bomb, not a phone camera
MAX_XLSX_UNCOMPRESSED = 100 * MB  # a zip bomb dressed as a workbook
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")  # text never holds these (\x0c, \x1b allowed)
MARKUP = re.compile(r"^\s*<", re.S)  # HTML, SVG, XML: a CSV header never starts with a tag


@dataclass(frozen=True)
class Clean:
    """An accepted upload: the bytes to keep, the sniffed extension and MIME type."""

    content: bytes
    ext: str
    mime: str

    def file(self) -> ContentFile[bytes]:
        """A file for a FileField whose ``upload_to`` is ``random_upload_to`` (the name carries the type)."""
        return ContentFile(self.content, name=f"upload.{self.ext}")


def size_text(n: int) -> str:
    """A limit as people read it: ``10 MB``, ``2.5 MB``, ``4 KB``."""
    return f"{round(n / MB, 1):g} MB" if n >= MB else f"{max(1, round(n / 1024)):g} KB"


def max_bytes(kind: Kind) -> int:
    limits = getattr(settings, "DOORSTEP_UPLOAD_MAX_BYTES", {}) or {}
    return int(limits.get(str(kind), DEFAULT_MAX_BYTES[kind]))


def _refuse(kind: Kind, field: str, label: str | Promise) -> Invalid:
    return Invalid(ErrorCode.UPLOAD_TYPE, field=field, name=label, allowed=ALLOWED[kind], status=400)


def _read(upload: IO[bytes] | bytes, kind: Kind, field: str, label: str | Promise) -> bytes:
    """The bytes, refusing an oversized file before reading it when its size is known."""
    limit = max_bytes(kind)
    size = len(upload) if isinstance(upload, bytes) else getattr(upload, "size", None)
    too_large = Invalid(
        ErrorCode.UPLOAD_TOO_LARGE, field=field, name=label, limit=size_text(limit), status=413
    )
    if size is not None and size > limit:
        raise too_large
    if isinstance(upload, bytes):
        content = upload
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        content = upload.read(limit + 1)
    if len(content) > limit:
        raise too_large
    if not content:
        raise Invalid(ErrorCode.UPLOAD_EMPTY, field=field, name=label, status=400)
    return content


def upload_check(
    upload: IO[bytes] | bytes, *, kind: Kind, field: str, label: str | Promise | None = None
) -> Clean:
    """The upload if it is what ``kind`` accepts (see the module docstring); otherwise ``Invalid``."""
    label = label or field
    content = _read(upload, kind, field, label)
    check = {Kind.PHOTO: _photo, Kind.DOCUMENT: _document, Kind.IMPORT: _import}[kind]
    clean = check(content)
    if clean is None:
        raise _refuse(kind, field, label)
    return clean


# --- photos ---------------------------------------------------------------------------------------
def photo_type(head: bytes) -> str | None:
    """The photo's extension from its magic bytes (JPEG, PNG, WebP), else None. For serving kept files."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _photo(content: bytes) -> Clean | None:
    from PIL import Image, ImageOps

    if photo_type(content[:16]) is None:  # Pillow would also open GIF, BMP, TIFF, PSD, EPS …
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                fmt = JPEG_ALIASES.get(str(probe.format), str(probe.format))
                if fmt not in PHOTO_FORMATS or probe.width * probe.height > MAX_PHOTO_PIXELS:
                    return None
                probe.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                pixels = ImageOps.exif_transpose(image)  # keep the orientation the EXIF gave, drop the rest
                return _encode(pixels, fmt)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None


def _encode(image: Any, fmt: str) -> Clean:
    """Pixels only: no EXIF (GPS), XMP, ICC, comments or text chunks go into the kept file."""
    image.info = {k: v for k, v in image.info.items() if k == "transparency"}
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90)
    elif fmt == "PNG":
        image.save(out, "PNG")
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=90)
    ext, mime = PHOTO_FORMATS[fmt]
    return Clean(out.getvalue(), ext, mime)


# --- documents ------------------------------------------------------------------------------------
def _document(content: bytes) -> Clean | None:
    if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
        return None
    if PDF_ACTIVE.search(content):
        return None
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a development dependency; the header and trailer checks still hold
        return Clean(content, "pdf", MIME_OF_EXT["pdf"])
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if not reader.pages:
            return None
    except Exception:  # pypdf raises many types for a damaged file
        return None
    return Clean(content, "pdf", MIME_OF_EXT["pdf"])


# --- import files ---------------------------------------------------------------------------------
def _import(content: bytes) -> Clean | None:
    if content.startswith(b"PK\x03\x04"):
        return Clean(content, "xlsx", MIME_OF_EXT["xlsx"]) if _is_xlsx(content) else None
    text = csv_text(content)
    if text is None or BINARY.search(text) or MARKUP.match(text):
        return None
    return Clean(content, "csv", MIME_OF_EXT["csv"])


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return False
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                return False
            if any(name.lower().endswith(("vbaproject.bin", ".exe", ".dll")) for name in names):
                return False  # macros or binaries: not a plain workbook
            return XLSX_MAIN in archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return False


def csv_text(content: bytes) -> str | None:
    """The text of a CSV file: UTF-8 (with or without BOM), else GB18030 (Excel in China saves GBK)."""
    if b"\x00" in content:
        return None  # UTF-16 or binary
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# --- where kept files go --------------------------------------------------------------------------
@dataclass(frozen=True)
class RandomName:
    """A FileField ``upload_to``: ``<folder>/YYYY/MM/<uuid4 hex>.<ext>``. The client's name is never
    used; the extension is kept only when it is one of the sniffed types (``Clean.file`` names it)."""

    folder: str

    def __call__(self, instance: object, filename: str) -> str:
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        suffix = f".{ext}" if ext in MIME_OF_EXT else ""
        return f"{self.folder}/{clock.local(clock.now()):%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def deconstruct(self) -> tuple[str, tuple[str], dict[str, Any]]:
        return ("doorstep.core.uploads.RandomName", (self.folder,), {})


# --- handing a kept file out ----------------------------------------------------------------------
def kept_file_response(field_file: Any, *, download_name: str) -> HttpResponseBase:
    """A kept file for a view that has already checked who may see it (404 if the file is gone).

    The type is sniffed again from the stored bytes (files kept before sniffing existed have the
    client's name): a photo is sent inline as its own type, anything else as an octet-stream
    attachment. ``nosniff`` and a sandboxing CSP keep a browser from running what it holds.
    """
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    head = handle.read(16)
    handle.seek(0)
    ext = photo_type(head)
    if ext is None and head.startswith(b"%PDF-"):
        ext = "pdf"
    mime = MIME_OF_EXT[ext] if ext else "application/octet-stream"
    inline = ext in {e for e, _m in PHOTO_FORMATS.values()}
    response = FileResponse(
        handle, content_type=mime, as_attachment=not inline, filename=f"{download_name}.{ext or 'bin'}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
