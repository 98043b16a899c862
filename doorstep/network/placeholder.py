"""A placeholder ID photo drawn locally (demo data, R-PV-2): the surname on a coloured card, no downloads.

Real technicians' photos are uploaded (the admin's technician form, ``doorstep.core.uploads`` kind PHOTO).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# CJK fonts of Debian, tried in order; without one a plain silhouette is drawn
FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
COLOURS = ("#1f6f8b", "#2d6a4f", "#7b2cbf", "#b5651d", "#3a5a40", "#9d0208", "#0b525b", "#5e548e")
SIZE = (240, 300)  # 4:5, as an ID photo


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    for path in FONTS:
        if Path(path).exists():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return None


def placeholder_photo(name: str) -> bytes:
    """A PNG ID photo for ``name``: the surname, large, on a colour picked from the name."""
    colour = COLOURS[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(COLOURS)]
    image = Image.new("RGB", SIZE, colour)
    draw = ImageDraw.Draw(image)
    w, h = SIZE
    draw.ellipse((w * 0.3, h * 0.12, w * 0.7, h * 0.45), fill="#f1f3f5")  # head
    draw.pieslice((w * 0.12, h * 0.5, w * 0.88, h * 1.2), 180, 360, fill="#f1f3f5")  # shoulders
    font = _font(96)
    if font is not None and name:
        draw.text((w / 2, h * 0.75), name[:1], font=font, fill=colour, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
