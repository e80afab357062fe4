"""The Teams app package: manifest fields, the bot's id filled in, icon sizes."""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.package import (
    APP_ID_PLACEHOLDER,
    MANIFEST_DIR,
    build_teams_package,
    color_icon,
    main,
    outline_icon,
    png_size,
)
from tests.teams.conftest import APP_ID

REQUIRED = (
    "manifestVersion",
    "version",
    "id",
    "developer",
    "name",
    "description",
    "icons",
    "accentColor",
)


def packaged(tmp_path: Path) -> tuple[dict[str, Any], zipfile.ZipFile]:
    archive = zipfile.ZipFile(build_teams_package(APP_ID, tmp_path / "policybot-teams.zip"))
    return json.loads(archive.read("manifest.json")), archive


def test_the_manifest_has_every_required_field(tmp_path: Path) -> None:
    manifest, _ = packaged(tmp_path)

    assert [name for name in REQUIRED if not manifest.get(name)] == []
    assert tuple(int(p) for p in manifest["manifestVersion"].split(".")) >= (1, 16)
    assert {"name", "websiteUrl", "privacyUrl", "termsOfUseUrl"} <= manifest["developer"].keys()
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80


def test_the_bot_is_in_every_scope_with_the_app_id(tmp_path: Path) -> None:
    manifest, _ = packaged(tmp_path)

    [bot] = manifest["bots"]
    assert manifest["id"] == bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert APP_ID_PLACEHOLDER not in json.dumps(manifest)


def test_command_hints_are_in_dutch_and_english(tmp_path: Path) -> None:
    manifest, _ = packaged(tmp_path)

    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    descriptions = " ".join(c["description"] for c in commands)
    assert "(nl)" in descriptions and "(en)" in descriptions
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert len(commands) <= 10


def test_the_icons_have_the_sizes_teams_requires(tmp_path: Path) -> None:
    manifest, archive = packaged(tmp_path)

    color = archive.read(manifest["icons"]["color"])
    outline = archive.read(manifest["icons"]["outline"])
    assert (png_size(color), png_size(outline)) == ((192, 192), (32, 32))


def test_the_bundled_icons_are_the_generated_ones() -> None:
    assert (MANIFEST_DIR / "color.png").read_bytes() == color_icon()
    assert (MANIFEST_DIR / "outline.png").read_bytes() == outline_icon()


def test_the_outline_icon_is_white_on_transparent() -> None:
    data = outline_icon()
    raw = zlib.decompress(data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8])
    rows = [raw[i * (1 + 32 * 4) + 1 : (i + 1) * (1 + 32 * 4)] for i in range(32)]
    pixels = {bytes(row[x * 4 : x * 4 + 4]) for row in rows for x in range(32)}

    assert pixels == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}


def test_a_bad_app_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GUID"):
        build_teams_package("not-a-guid", tmp_path / "x.zip")


def test_the_package_can_be_built_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "teams.zip"

    assert main([APP_ID, str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert "manifest.json" in zipfile.ZipFile(out).namelist()
