"""`engage teams package` builds an app package Teams accepts: a manifest of the right shape,
with the bot's scopes, commands and the channel-message permission, and two real icons."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from adapters.teams.cli import cli
from tests.teams import activities as act

GUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
HTTPS = {"type": "string", "pattern": "^https://", "maxLength": 2048}

# The parts of the Teams manifest (v1.17) that engage sets, with Teams' own limits.
MANIFEST_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": [
        "$schema",
        "manifestVersion",
        "version",
        "id",
        "developer",
        "name",
        "description",
        "icons",
        "accentColor",
        "bots",
        "validDomains",
        "webApplicationInfo",
        "authorization",
    ],
    "properties": {
        "$schema": {
            "const": "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
        },
        "manifestVersion": {"const": "1.17"},
        "version": {"type": "string", "pattern": r"^\d+\.\d+\.\d+$"},
        "id": {"type": "string", "pattern": GUID},
        "developer": {
            "type": "object",
            "required": ["name", "websiteUrl", "privacyUrl", "termsOfUseUrl"],
            "properties": {
                "name": {"type": "string", "maxLength": 32},
                "websiteUrl": HTTPS,
                "privacyUrl": HTTPS,
                "termsOfUseUrl": HTTPS,
            },
        },
        "name": {
            "type": "object",
            "required": ["short"],
            "properties": {"short": {"maxLength": 30}, "full": {"maxLength": 100}},
        },
        "description": {
            "type": "object",
            "required": ["short", "full"],
            "properties": {"short": {"maxLength": 80}, "full": {"maxLength": 4000}},
        },
        "icons": {"const": {"color": "color.png", "outline": "outline.png"}},
        "accentColor": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "bots": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["botId", "scopes"],
                "properties": {
                    "botId": {"type": "string", "pattern": GUID},
                    "scopes": {
                        "type": "array",
                        "items": {"enum": ["team", "personal", "groupChat"]},
                    },
                    "commandLists": {
                        "type": "array",
                        "maxItems": 3,
                        "items": {
                            "type": "object",
                            "required": ["scopes", "commands"],
                            "properties": {
                                "commands": {
                                    "type": "array",
                                    "maxItems": 10,
                                    "items": {
                                        "type": "object",
                                        "required": ["title", "description"],
                                        "properties": {
                                            "title": {"type": "string", "maxLength": 32},
                                            "description": {"type": "string", "maxLength": 128},
                                        },
                                    },
                                }
                            },
                        },
                    },
                },
            },
        },
        "validDomains": {"type": "array", "items": {"type": "string", "pattern": "^[^/:]+$"}},
        "webApplicationInfo": {
            "type": "object",
            "required": ["id", "resource"],
            "properties": {
                "id": {"type": "string", "pattern": GUID},
                "resource": {"type": "string"},
            },
        },
        "authorization": {
            "type": "object",
            "required": ["permissions"],
            "properties": {
                "permissions": {
                    "type": "object",
                    "required": ["resourceSpecific"],
                    "properties": {
                        "resourceSpecific": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "type"],
                                "properties": {"type": {"enum": ["Application", "Delegated"]}},
                            },
                        }
                    },
                }
            },
        },
    },
}


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Width, height and RGBA rows of a non-interlaced 8-bit RGBA PNG (filter type 0 rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) == (8, 6, 0)
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    rows = []
    for y in range(height):
        row = raw[y * stride : (y + 1) * stride]
        assert row[0] == 0
        rows.append([tuple(row[1 + x * 4 : 5 + x * 4]) for x in range(width)])
    return width, height, rows  # type: ignore[return-value]


def package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str
) -> tuple[Any, zipfile.ZipFile]:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    output = tmp_path / "engage-teams.zip"
    result = CliRunner().invoke(cli, ["package", "-o", str(output)], env=env)
    return result, zipfile.ZipFile(output)


def test_the_package_holds_a_manifest_of_the_shape_teams_expects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, archive = package(
        tmp_path,
        monkeypatch,
        MicrosoftAppId=act.APP_ID,
        ENGAGE_PUBLIC_URL="https://engage.example.org",
    )

    assert result.exit_code == 0, result.output
    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(archive.read("manifest.json"))
    jsonschema.Draft7Validator(MANIFEST_SHAPE).validate(manifest)
    assert (
        manifest["id"]
        == manifest["bots"][0]["botId"]
        == manifest["webApplicationInfo"]["id"]
        == act.APP_ID
    )
    assert manifest["bots"][0]["scopes"] == ["team", "personal"]
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert titles == ["help", "post", "status", "schedule", "export", "delete my data"]
    assert manifest["authorization"]["permissions"]["resourceSpecific"] == [
        {"name": "ChannelMessage.Read.Group", "type": "Application"}
    ]
    assert manifest["validDomains"] == ["engage.example.org"]
    assert "warning" not in result.output


def test_the_manifest_shape_check_catches_a_missing_permission() -> None:
    broken: dict[str, Any] = {"authorization": {"permissions": {}}}

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(MANIFEST_SHAPE).validate(broken)


def test_without_an_app_id_the_package_gets_a_random_one_and_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    result, archive = package(tmp_path, monkeypatch, ENGAGE_PUBLIC_URL="http://127.0.0.1:3978")

    manifest = json.loads(archive.read("manifest.json"))
    jsonschema.Draft7Validator(MANIFEST_SHAPE).validate(manifest)
    assert "MicrosoftAppId is not set" in result.output
    assert "public https address" in result.output


def test_the_icons_are_a_colour_192_square_and_a_white_on_transparent_32_outline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, archive = package(tmp_path, monkeypatch, MicrosoftAppId=act.APP_ID)

    width, height, colour = read_png(archive.read("color.png"))
    assert (width, height) == (192, 192)
    assert len({pixel for row in colour for pixel in row}) > 1
    assert all(pixel[3] == 255 for row in colour for pixel in row)
    width, height, outline = read_png(archive.read("outline.png"))
    assert (width, height) == (32, 32)
    pixels = {pixel for row in outline for pixel in row}
    assert pixels == {(255, 255, 255, 255), (0, 0, 0, 0)}
