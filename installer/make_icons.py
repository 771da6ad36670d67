"""Render the HubDesk app icon from its SVG master into PNG and ICO.

Run from the repository root (the generated files are committed, so this is only
needed when the SVG changes)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python installer/make_icons.py

The ICO holds 16-48 px as classic 32-bit DIBs (what Windows Explorer and NSIS
read everywhere) and 64-256 px as PNG-compressed entries.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "hubdesk.svg"
DIB_SIZES = (16, 24, 32, 48)
PNG_SIZES = (64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 wants str
    buffer.close()
    return bytes(data.data())


def dib_bytes(image: QImage) -> bytes:
    """A 32-bit BGRA DIB with an all-zero AND mask, as an ICO entry expects."""
    size = image.width()
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    for y in range(size - 1, -1, -1):  # bottom-up
        row = bytearray()
        for x in range(size):
            pixel = image.pixel(x, y)  # 0xAARRGGBB
            row += struct.pack("<I", pixel)  # little-endian: B G R A
        rows.append(bytes(row))
    mask_stride = ((size + 31) // 32) * 4
    mask = bytes(mask_stride * size)
    return header + b"".join(rows) + mask


def write_ico(renderer: QSvgRenderer, target: Path) -> None:
    entries: list[tuple[int, bytes]] = [(s, dib_bytes(render(renderer, s))) for s in DIB_SIZES]
    entries += [(s, png_bytes(render(renderer, s))) for s in PNG_SIZES]
    offset = 6 + 16 * len(entries)
    directory = struct.pack("<HHH", 0, 1, len(entries))
    blobs = b""
    for size, blob in entries:
        dimension = 0 if size >= 256 else size
        directory += struct.pack(
            "<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(blob), offset + len(blobs)
        )
        blobs += blob
    target.write_bytes(directory + blobs)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    render(renderer, 256).save(str(ICONS / "hubdesk.png"))  # format from the suffix
    render(renderer, 48).save(str(ICONS / "hubdesk-48.png"))
    write_ico(renderer, ICONS / "hubdesk.ico")
    del app
    print(f"wrote {ICONS / 'hubdesk.png'}, hubdesk-48.png and hubdesk.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
