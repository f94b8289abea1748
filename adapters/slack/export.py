"""`/engage export [csv|xlsx|jsonl]`: the responses as files in the organiser's direct messages.

The command is acknowledged at once ("Preparing your export…"); the export is written to a
temporary folder in the background and uploaded with Slack's external upload flow
(files.getUploadURLExternal → POST the bytes → files.completeUploadExternal, which is what
slack_sdk's `files_upload_v2` does) into the bot's DM with the organiser. The export service
audits the export; a refusal is audited by the core's chat export. Names and emails are never
included (the CLI's --include-personal-data is for that).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.feedback import Background
from adapters.slack.notify import open_dm, tell
from bot.commands import REFUSAL
from bot.domain import Platform
from bot.export import ExportError, ExportFormat, ExportRequest, ExportResult, run_export
from bot.export_chat import export_for_chat
from bot.privacy import NotAllowed
from bot.services import Services

log = logging.getLogger(__name__)

PREPARING = "Preparing your export… it will arrive in your direct messages with engage."
USAGE = "Say which format: `/engage export csv`, `/engage export xlsx` or `/engage export jsonl`."


@dataclass(frozen=True, kw_only=True)
class ExportFile:
    """One file to upload."""

    name: str
    data: bytes


def export_format(args: Sequence[str]) -> ExportFormat | None:
    """The format named after `export` (XLSX when none is); None when it is not one."""
    if not args:
        return ExportFormat.XLSX
    if len(args) > 1:
        return None
    try:
        return ExportFormat(args[0].lower().lstrip("."))
    except ValueError:
        return None


async def start_export(
    client: AsyncWebClient,
    services: Services,
    *,
    background: Background,
    user: str,
    channel: str,
    args: Sequence[str],
    is_organiser: bool,
) -> str:
    """What to answer the command with; an organiser's export starts in the background."""
    actor = f"{Platform.SLACK}:{user}"
    if not is_organiser:
        try:
            await export_for_chat(services, actor=actor, is_organiser=False)
        except NotAllowed as refusal:  # audited as export.refused
            return str(refusal)
        return REFUSAL  # not reached: the chat export refuses everyone but organisers
    fmt = export_format(args)
    if fmt is None:
        return USAGE
    background.start(export_to_dm(client, services, user=user, channel=channel, fmt=fmt))
    return PREPARING


async def export_to_dm(
    client: AsyncWebClient, services: Services, *, user: str, channel: str, fmt: ExportFormat
) -> None:
    """Write the export, upload it to the organiser's DM, or tell them what went wrong."""
    now = services.clock.now()
    problem: str | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="engage-slack-export-") as folder:
            name = f"engage-export-{now:%Y%m%d-%H%M%S}"
            target = Path(folder) / (f"{name}.xlsx" if fmt is ExportFormat.XLSX else name)
            result = await run_export(
                services.store,
                request=ExportRequest(format=fmt, target=target),
                actor=f"{Platform.SLACK}:{user}",
                now=now,
            )
            files = await asyncio.to_thread(_files, result.target, prefix=name)
            if files:
                dm = await open_dm(client, user)
                await client.files_upload_v2(
                    file_uploads=[
                        {"content": f.data, "filename": f.name, "title": f.name} for f in files
                    ],
                    channel=dm,
                    initial_comment=summary(result),
                )
            else:
                problem = "There is nothing to export yet: no feedback, replies or reactions."
    except ExportError as error:
        problem = f"The export could not be made: {error}"
    except (SlackApiError, SlackRequestError) as error:
        log.warning("uploading the export to %s failed: %s", user, error)
        problem = (
            "The export was made but Slack refused the upload "
            f"({_code(error)}): check the app has the files:write and im:write scopes, "
            "or use `engage export` on the server."
        )
    except Exception:
        log.exception("the Slack export for %s failed", user)
        problem = "The export failed unexpectedly; the server log has the details."
    if problem is not None:
        await tell(client, user=user, channel=channel, text=problem)


def summary(result: ExportResult) -> str:
    """The message that carries the files."""
    counts = ", ".join(f"{n} {table.value}" for table, n in result.rows.items())
    return (
        f"Your engage export ({result.format.value}): {counts}. "
        "Names and emails are left out; times are UTC."
    )


def _files(target: Path, *, prefix: str) -> list[ExportFile]:
    """The export's files with names that say what they are; empty ones are left out (Slack
    refuses a zero-length upload, and a JSON Lines table without rows is empty)."""
    paths = [target] if target.is_file() else sorted(p for p in target.iterdir() if p.is_file())
    named = [(p, p.name if p == target else f"{prefix}-{p.name}") for p in paths]
    return [ExportFile(name=n, data=p.read_bytes()) for p, n in named if p.stat().st_size > 0]


def _code(error: SlackApiError | SlackRequestError) -> str:
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.data.get("error") or "error")
    return str(error)
