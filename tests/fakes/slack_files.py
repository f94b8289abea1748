"""Slack's external file upload, as the fake Slack Web API serves it.

The flow Slack documents: `files.getUploadURLExternal` (filename, length) returns an upload URL
and a file id; the client POSTs the bytes to that URL (raw, or as a multipart form); then
`files.completeUploadExternal` with `files=[{"id", "title"}]` shares the files in `channel_id`
(or keeps them private without one). Completion is allowed once per file.

Slack documents `missing_argument` for a zero length and `invalid_arguments` for a bad call;
it does not document what completing a file whose bytes never arrived answers, so the fake's
`file_not_found` (unknown or already completed) and `upload_incomplete` (bytes missing or of
another length than declared) are its own codes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

UPLOAD_PATH = "/_fake/upload/{file_id}"
MAX_FILE_BYTES = 1024 * 1024 * 1024  # Slack's limit on one file: 1 GB


@dataclass(kw_only=True)
class Upload:
    """A file id handed out by files.getUploadURLExternal."""

    id: str
    filename: str
    length: int
    data: bytes | None = None
    completed: bool = False


@dataclass(frozen=True, kw_only=True)
class SharedFile:
    """A file whose upload was completed: what the recipient sees."""

    id: str
    filename: str
    title: str
    data: bytes
    channel: str | None
    initial_comment: str | None


class FakeFiles:
    """The upload records of one fake server, and the handlers of the three steps."""

    def __init__(self, *, base_url: Callable[[], str], max_bytes: int = MAX_FILE_BYTES) -> None:
        self._base_url = base_url
        self.max_bytes = max_bytes
        self.uploads: dict[str, Upload] = {}
        self.shared: list[SharedFile] = []
        self.posts: list[tuple[str, int]] = []  # (file id, bytes received) per upload POST

    def upload_url(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """files.getUploadURLExternal."""
        filename = str(args.get("filename") or "")
        try:
            length = int(str(args.get("length", "")))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not filename:
            return {"ok": False, "error": "invalid_arguments"}
        if length <= 0:
            return {"ok": False, "error": "missing_argument"}
        if length > self.max_bytes:
            return {"ok": False, "error": "file_upload_size_restricted"}
        file_id = f"F{len(self.uploads) + 1:09d}"
        self.uploads[file_id] = Upload(id=file_id, filename=filename, length=length)
        origin = self._base_url().removesuffix("/api/")
        return {
            "ok": True,
            "upload_url": origin + UPLOAD_PATH.format(file_id=file_id),
            "file_id": file_id,
        }

    async def receive(self, request: web.Request) -> web.Response:
        """The upload URL: raw bytes or a multipart form with one file part."""
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None or upload.completed:
            return web.Response(status=404, text="upload not found")
        if request.content_type.startswith("multipart/"):
            data = b""
            reader = await request.multipart()
            async for part in reader:
                if getattr(part, "filename", None) is not None:
                    data = await part.read()  # type: ignore[union-attr]
                    break
        else:
            data = await request.read()
        self.posts.append((upload.id, len(data)))
        upload.data = data
        return web.Response(status=200, text=f"OK - {len(data)}")

    def complete(self, args: Mapping[str, Any], *, channels: Mapping[str, Any]) -> dict[str, Any]:
        """files.completeUploadExternal."""
        files = args.get("files")
        try:
            items = json.loads(files) if isinstance(files, str) else files
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(items, list) or not items:
            return {"ok": False, "error": "invalid_arguments"}
        channel = args.get("channel_id") or None
        if channel is not None and str(channel) not in channels:
            return {"ok": False, "error": "channel_not_found"}
        chosen: list[tuple[Upload, str]] = []
        for item in items:
            upload = self.uploads.get(str(item.get("id", ""))) if isinstance(item, dict) else None
            if upload is None or upload.completed:
                return {"ok": False, "error": "file_not_found"}
            if upload.data is None or len(upload.data) != upload.length:
                return {"ok": False, "error": "upload_incomplete"}
            chosen.append((upload, str(item.get("title") or upload.filename)))
        comment = args.get("initial_comment")
        for upload, title in chosen:
            upload.completed = True
            assert upload.data is not None
            self.shared.append(
                SharedFile(
                    id=upload.id,
                    filename=upload.filename,
                    title=title,
                    data=upload.data,
                    channel=str(channel) if channel is not None else None,
                    initial_comment=str(comment) if comment else None,
                )
            )
        return {"ok": True, "files": [{"id": u.id, "title": t} for u, t in chosen]}

    def shared_in(self, channel: str) -> list[SharedFile]:
        """Files shared in one channel, oldest first."""
        return [f for f in self.shared if f.channel == channel]
