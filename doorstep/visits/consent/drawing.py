"""A small real PNG stroke, as a signature canvas would send it (demo data and tests)."""

from __future__ import annotations

import base64
import math
import struct
import zlib


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
