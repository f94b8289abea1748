"""The Teams app icons, drawn with the standard library: a 192×192 colour icon and a 32×32
white-on-transparent outline icon, both a speech bubble. `python -m adapters.teams.icons`
writes them to `adapters/teams/assets/`; the package ships those files."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"
ACCENT = (0x1F, 0x5F, 0x8B)
WHITE = (0xFF, 0xFF, 0xFF)
Pixel = tuple[int, int, int, int]


def encode_png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG whose pixel (x, y) is `pixel(x, y)`."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type 0: the row as it is
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _in_bubble(x: float, y: float, *, size: float, inset: float = 0.0) -> bool:
    """Whether a point (in a size×size square) lies in the speech bubble shrunk by `inset`."""
    left, top, right, bottom = (
        0.16 * size + inset,
        0.2 * size + inset,
        0.84 * size - inset,
        0.68 * size - inset,
    )
    radius = max(0.12 * size - inset, 0.0)
    if left <= x <= right and top <= y <= bottom:
        cx = min(max(x, left + radius), right - radius)
        cy = min(max(y, top + radius), bottom - radius)
        if (x - cx) ** 2 + (y - cy) ** 2 <= radius**2:
            return True
    return _in_tail(x, y, size=size, inset=inset)


def _in_tail(x: float, y: float, *, size: float, inset: float) -> bool:
    """The tail: a right triangle hanging from the bubble's left half. Its top side lies inside
    the bubble, so only the left side and the slanted side are moved in by `inset`."""
    left, top, width, bottom = 0.28 * size, 0.6 * size, 0.26 * size, 0.9 * size
    if x < left + inset or y < top:
        return False
    # Signed distance from the slanted side, negative on the triangle's side of it.
    dx, dy = -width, bottom - top
    distance = ((x - left - width) * dy - (y - top) * dx) / math.hypot(dx, dy)
    return distance <= -inset


def color_icon(size: int = 192) -> bytes:
    """Full-bleed accent colour with a white bubble holding three accent dots."""

    def pixel(x: int, y: int) -> Pixel:
        px, py = x + 0.5, y + 0.5
        if _in_bubble(px, py, size=size):
            for dot in (0.35, 0.5, 0.65):
                if (px - dot * size) ** 2 + (py - 0.44 * size) ** 2 <= (0.045 * size) ** 2:
                    return (*ACCENT, 255)
            return (*WHITE, 255)
        return (*ACCENT, 255)

    return encode_png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """The bubble's outline in white on a transparent background, as Teams requires."""

    def pixel(x: int, y: int) -> Pixel:
        px, py = x + 0.5, y + 0.5
        if _in_bubble(px, py, size=size) and not _in_bubble(px, py, size=size, inset=2.0):
            return (*WHITE, 255)
        return (0, 0, 0, 0)

    return encode_png(size, size, pixel)


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    (ASSETS / "color.png").write_bytes(color_icon())
    (ASSETS / "outline.png").write_bytes(outline_icon())


if __name__ == "__main__":
    main()
