"""A signature drawn on a canvas: checking the PNG data URL it sends, and a small real stroke for demo data
and tests."""

from __future__ import annotations

import base64
import binascii
import math
import struct
import zlib

from doorstep.core.errors import DomainError, ErrorCode, Invalid
from doorstep.core.uploads import Kind, upload_check

MAX_SIGNATURE_BYTES = 400_000


def png_bytes(image: str) -> bytes:
    """The bytes of a drawn signature sent as a PNG data URL; refused unless a real, non-empty PNG."""
    prefix = "data:image/png;base64,"
    if not image.startswith(prefix):
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image")
    try:
        raw = base64.b64decode(image[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image") from None
    if not raw.startswith(b"\x89PNG") or len(raw) < 100 or len(raw) > MAX_SIGNATURE_BYTES:
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image")
    try:  # a PNG that really decodes, not a header in front of something else
        upload_check(raw, kind=Kind.PHOTO, field="image")
    except DomainError:
        raise Invalid(ErrorCode.SIGNATURE_INVALID, field="image") from None
    return raw


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def signature_png_data_url(width: int = 220, height: int = 80, seed: int = 1) -> str:
    """A grayscale PNG with a wavy pen stroke, as a ``data:image/png;base64,`` URL."""
    pixels = [[255] * width for _ in range(height)]
    for x in range(10, width - 10):
        y = int(height / 2 + (height / 3) * math.sin((x + seed * 17) / (9 + seed % 5)))
        for dy in (-1, 0, 1):
            pixels[max(0, min(height - 1, y + dy))][x] = 20
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()
