"""The Teams app package: manifest.json with the bot's id filled in, and the two icons.

`build_teams_package(app_id, out)` writes the zip to upload in Teams (Apps → Manage your apps →
Upload an app); from a shell: `python -m adapters.teams.package APP_ID [OUT]`. The icons are
drawn here, as PNG bytes with zlib (no image library needed): `write_icons` regenerates the
copies kept in `manifest/`.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).resolve().parent / "manifest"
APP_ID_PLACEHOLDER = "{{MICROSOFT_APP_ID}}"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
ACCENT = (0x2F, 0x55, 0x97)
WHITE = (0xFF, 0xFF, 0xFF)
DEFAULT_OUT = Path("build/policybot-teams.zip")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

Pixel = tuple[int, int, int, int]


def build_teams_package(app_id: str, out: Path) -> Path:
    """Write the app package zip to `out` (manifest with `app_id`, color.png, outline.png)."""
    if not _GUID.match(app_id):
        raise ValueError("app_id must be the bot's Microsoft App ID (a GUID)")
    manifest = manifest_for(app_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return out


def manifest_for(app_id: str) -> dict[str, Any]:
    """The bundled manifest with every placeholder replaced by `app_id`."""
    text = (MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8")
    manifest: dict[str, Any] = json.loads(text.replace(APP_ID_PLACEHOLDER, app_id))
    return manifest


def write_icons(folder: Path = MANIFEST_DIR) -> None:
    """(Re)write color.png and outline.png in `folder`."""
    (folder / "color.png").write_bytes(color_icon())
    (folder / "outline.png").write_bytes(outline_icon())


def color_icon() -> bytes:
    """192×192: a white speech bubble on the accent colour."""
    return png(COLOR_SIZE, lambda x, y: _color_pixel(x, y, COLOR_SIZE))


def outline_icon() -> bytes:
    """32×32: the speech bubble's outline in white on a transparent background."""
    return png(OUTLINE_SIZE, lambda x, y: _outline_pixel(x, y, OUTLINE_SIZE))


def png(size: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """A square RGBA PNG of `size` pixels, each given by `pixel(x, y)`."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height read from a PNG's header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _in_bubble(x: float, y: float, inset: float) -> bool:
    """Inside a rounded speech bubble on the unit square (with a tail bottom left)."""
    left, top, right, bottom, radius = 0.12 + inset, 0.16 + inset, 0.88 - inset, 0.7 - inset, 0.14
    radius = max(radius - inset, 0.02)
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    if left <= x <= right and top <= y <= bottom and (x - cx) ** 2 + (y - cy) ** 2 <= radius**2:
        return True
    # The tail: a triangle under the bubble's left half.
    return inset == 0 and bottom <= y <= 0.86 and 0.26 <= x <= 0.26 + (0.86 - y) * 1.4


def _color_pixel(x: int, y: int, size: int) -> Pixel:
    u, v = (x + 0.5) / size, (y + 0.5) / size
    if _in_bubble(u, v, 0.0):
        info = 0.46 <= u <= 0.54 and (0.26 <= v <= 0.33 or 0.38 <= v <= 0.6)  # an "i"
        return (*ACCENT, 255) if info else (*WHITE, 255)
    return (*ACCENT, 255)


def _outline_pixel(x: int, y: int, size: int) -> Pixel:
    u, v = (x + 0.5) / size, (y + 0.5) / size
    inside, inner = _in_bubble(u, v, 0.0), _in_bubble(u, v, 0.08)
    return (*WHITE, 255) if inside and not inner else (0, 0, 0, 0)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m adapters.teams.package APP_ID [OUT]`: build the package, print its path."""
    parser = argparse.ArgumentParser(description="Build the Teams app package (zip).")
    parser.add_argument("app_id", help="the bot's Microsoft App ID (MICROSOFT_APP_ID)")
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="the zip to write")
    args = parser.parse_args(argv)
    try:
        print(build_teams_package(args.app_id, args.out))
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
