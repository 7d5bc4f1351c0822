#!/usr/bin/env python3
"""Draws the extension's icon, vscode-client/media/icon.png (128x128 RGBA), with the standard
library only: a blue rounded square, a white "L" and an amber arrow pointing up (faster).

Shapes are tested at 4x4 points per pixel for smooth edges. Run it again after changing it:
    python3 dev/make-icon.py
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 128
SAMPLES = 4
OUT = Path(__file__).resolve().parent.parent / "vscode-client" / "media" / "icon.png"

TOP, BOTTOM = (37, 99, 235), (23, 37, 84)  # blue-600 to blue-950
WHITE, AMBER = (255, 255, 255), (251, 191, 36)


def in_rounded_rect(x: float, y: float, x0: float, y0: float, x1: float, y1: float, r: float) -> bool:
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def in_triangle(x: float, y: float, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> bool:
    def side(p: tuple[float, float], q: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])
    s1, s2, s3 = side(a, b), side(b, c), side(c, a)
    return (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)


def background(x: float, y: float) -> bool:
    return in_rounded_rect(x, y, 0, 0, SIZE, SIZE, 26)


def letter(x: float, y: float) -> bool:
    return in_rounded_rect(x, y, 28, 22, 50, 104, 5) or in_rounded_rect(x, y, 28, 82, 96, 104, 5)


def arrow(x: float, y: float) -> bool:
    return in_triangle(x, y, (84, 18), (108, 48), (60, 48)) or in_rounded_rect(x, y, 75, 44, 93, 72, 3)


def pixel(px: int, py: int) -> tuple[int, int, int, int]:
    shade = py / (SIZE - 1)
    base = tuple(t + (b - t) * shade for t, b in zip(TOP, BOTTOM))
    total = [0.0, 0.0, 0.0]
    alpha = 0.0
    for i in range(SAMPLES):
        for j in range(SAMPLES):
            x, y = px + (i + 0.5) / SAMPLES, py + (j + 0.5) / SAMPLES
            if not background(x, y):
                continue
            colour = AMBER if arrow(x, y) else WHITE if letter(x, y) else base
            total = [t + c for t, c in zip(total, colour)]
            alpha += 1
    if not alpha:
        return (0, 0, 0, 0)
    r, g, b = (round(t / alpha) for t in total)  # colour of the covered part, unpremultiplied
    return (r, g, b, round(255 * alpha / SAMPLES ** 2))


def png(rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> None:
    rows = [b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)]
    OUT.write_bytes(png(rows))
    print(f"wrote {OUT} ({SIZE}x{SIZE})")


if __name__ == "__main__":
    main()
