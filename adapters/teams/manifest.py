"""The Teams app package: manifest.json and the two icons, zipped for upload to Teams."""

from __future__ import annotations

import json
import uuid
import zipfile
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT_COLOR = "#1F5F8B"
COMMANDS = (
    ("help", "What engage can do and how to use it"),
    ("post", "post <section|all> [channel|sector:<tag>]: post sections of the paper"),
    ("status", "Reactions, replies and feedback so far, per section"),
    ("schedule", "Schedule an engagement event, its reminders and follow-up (organisers)"),
    ("export", "A private link to an Excel export of the responses (organisers)"),
    ("delete my data", "Remove your name, account id, replies and answers"),
)
# Lets the bot receive every message in a team's channels, so thread replies arrive without an
# @mention. A team owner consents when adding the app; without it, the cards' Reply still works.
RSC_PERMISSIONS = ({"name": "ChannelMessage.Read.Group", "type": "Application"},)


@dataclass(kw_only=True)
class AppPackage:
    """The manifest and what the reader should know before uploading it."""

    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def build_manifest(settings: Settings) -> AppPackage:
    """The manifest for this deployment: app id, public URL, bot scopes and commands."""
    warnings: list[str] = []
    app_id = settings.microsoft_app_id
    if not app_id:
        app_id = str(uuid.uuid4())
        warnings.append(
            f"MicrosoftAppId is not set: the package uses the random id {app_id}. Set it to the "
            "Azure Bot's app id and package again, or Teams will not reach this bot."
        )
    elif not _is_guid(app_id):
        warnings.append(f"MicrosoftAppId {app_id!r} is not a GUID: Teams will refuse the package.")
    public = urlsplit(settings.public_url)
    host = public.hostname or "localhost"
    if public.scheme != "https" or host in ("localhost", "127.0.0.1"):
        warnings.append(
            f"ENGAGE_PUBLIC_URL is {settings.public_url}: Teams needs a public https address "
            "(a tunnel such as dev tunnels or ngrok will do for trying it out)."
        )
    site = f"https://{public.netloc or host}"
    commands = [{"title": title, "description": text} for title, text in COMMANDS]
    manifest: dict[str, Any] = {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": _app_version(),
        "id": app_id,
        "developer": {
            "name": "engage",
            "websiteUrl": site,
            "privacyUrl": site,
            "termsOfUseUrl": site,
        },
        "name": {"short": "engage", "full": "engage: discuss the paper, section by section"},
        "description": {
            "short": "Discuss a paper section by section and tell its authors what you think.",
            "full": (
                "engage posts a discussion paper into your team's channels one section at a time. "
                "React, reply in the section's thread, or press Give feedback to send the authors "
                "a short form. Organisers post sections, schedule engagement events and export "
                "the responses with the post, schedule and export commands."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["team", "personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": ["team", "personal"], "commands": commands}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
        "webApplicationInfo": {"id": app_id, "resource": f"api://{host}/{app_id}"},
        "authorization": {"permissions": {"resourceSpecific": [dict(p) for p in RSC_PERMISSIONS]}},
    }
    return AppPackage(manifest=manifest, warnings=warnings)


def write_package(settings: Settings, output: Path) -> AppPackage:
    """Write the zip Teams accepts: manifest.json, color.png and outline.png at its root."""
    package = build_manifest(settings)
    assets = resources.files("adapters.teams.assets")
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(package.manifest, indent=2) + "\n")
        for name in ("color.png", "outline.png"):
            archive.writestr(name, assets.joinpath(name).read_bytes())
    return package


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _app_version() -> str:
    try:
        return metadata.version("engage")
    except metadata.PackageNotFoundError:
        return "0.1.0"
