"""Exports from the organiser page: the signed link downloads the export itself, and a forged
or expired link, a missing token or a non-organiser gets nothing."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from bot.domain import Post
from tests.web.organiser import Organiser
from tests.web.site import Member, Reply, Site

ROLE = "Other public sector role"
SUMMARY = "Shared case notes would save us weeks"
REPLY = "We tried this in 2024 and it worked"


@pytest.fixture
def export_folder(site: Site) -> Path:
    """Where this test's exports are written (its own folder, from the settings)."""
    folder = site.services.settings.export_dir
    assert folder is not None
    return folder


async def _responses(ann: Member, post: Post) -> None:
    page = (await ann.get(f"/web/c/general/p/{post.id}/feedback")).page
    fields = {e.attrs["name"]: e.attrs["value"] for e in page.all("input", type="hidden")}
    reply = await ann.post(
        f"/web/c/general/p/{post.id}/feedback", {**fields, "summary": SUMMARY, "role": ROLE}
    )
    assert reply.status == 303, reply.text
    token = await ann.token()
    reply = await ann.post(
        f"/web/c/general/p/{post.id}/replies", {"csrf_token": token, "text": REPLY}
    )
    assert reply.status == 303


def _files(folder: Path) -> list[str]:
    """The names in the export folder (none when it was never made)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def _export(site: Site, choice: str) -> tuple[Organiser, str]:
    """Ask for an export on the organiser page; the link's path and query."""
    organiser = await Organiser.sign_in(site)
    reply = await organiser.post("/web/admin/export", {"format": choice})
    assert reply.status == 200, reply.text
    link = reply.page.by_id("export-link").attrs["href"]
    assert link.startswith(site.services.settings.public_url + "/exports/")
    parts = urlsplit(link)
    return organiser, f"{parts.path}?{parts.query}"


async def _download(member: Member, path: str) -> tuple[Reply, bytes]:
    async with member.session.get(member.site.url(path), allow_redirects=False) as response:
        body = await response.read()
        reply = Reply(status=response.status, text="", location=None, cookies={})
    return reply, body


async def test_csv_export_link_downloads_the_responses(
    site: Site, posts: list[Post], ann: Member, export_folder: Path
) -> None:
    await _responses(ann, posts[0])
    organiser, path = await _export(site, "csv")
    reply, body = await _download(organiser.browser, path)
    assert reply.status == 200
    # One finished ZIP in the folder; the tables it was packed from are gone.
    assert _files(export_folder) == [Path(urlsplit(path).path).name]
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert "feedback.csv" in archive.namelist()
    with archive.open("feedback.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))
    assert len(rows) == 1
    assert SUMMARY in rows[0].values()
    assert "Ann Analyst" not in str(rows)  # no names in exports from the page
    with archive.open("replies.csv") as raw:
        replies = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))
    assert [r for r in replies if REPLY in r.values()]


async def test_xlsx_export_link_downloads_a_workbook(
    site: Site, posts: list[Post], ann: Member
) -> None:
    await _responses(ann, posts[0])
    organiser, path = await _export(site, "xlsx")
    reply, body = await _download(organiser.browser, path)
    assert reply.status == 200
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert "feedback" in book.sheetnames
    cells = [c for row in book["feedback"].iter_rows(values_only=True) for c in row]
    assert SUMMARY in cells


async def test_jsonl_export_link_downloads_json_lines(
    site: Site, posts: list[Post], ann: Member
) -> None:
    await _responses(ann, posts[0])
    organiser, path = await _export(site, "jsonl")
    reply, body = await _download(organiser.browser, path)
    assert reply.status == 200
    archive = zipfile.ZipFile(io.BytesIO(body))
    lines = archive.read("feedback.jsonl").decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 1
    assert SUMMARY in json.dumps(records[0], ensure_ascii=False)


async def test_export_page_says_what_it_holds_and_until_when(
    site: Site, posts: list[Post], ann: Member
) -> None:
    await _responses(ann, posts[0])
    organiser = await Organiser.sign_in(site)
    reply = await organiser.post("/web/admin/export", {"format": "csv"})
    done = reply.page.by_id("export-done")
    assert "Your CSV export is ready" in done.text
    assert "1 feedback" in done.text
    assert "autofocus" in done.attrs


async def test_forged_link_is_refused(site: Site, posts: list[Post]) -> None:
    organiser, path = await _export(site, "csv")
    query = parse_qs(urlsplit(path).query)
    forged_sig = path.replace(query["sig"][0], "0" * 64)
    assert (await _download(organiser.browser, forged_sig))[0].status == 403
    later = str(int(query["expires"][0]) + 3600)
    assert (await _download(organiser.browser, path.replace(query["expires"][0], later)))[
        0
    ].status == 403
    other = path.replace("/exports/engage-export-", "/exports/engage-exporx-")
    assert (await _download(organiser.browser, other))[0].status == 403


async def test_expired_link_is_refused(site: Site, posts: list[Post]) -> None:
    organiser, path = await _export(site, "xlsx")
    site.clock.advance(site.services.settings.export_link_seconds - 1)
    assert (await _download(organiser.browser, path))[0].status == 200
    site.clock.advance(1)
    reply, body = await _download(organiser.browser, path)
    assert reply.status == 410
    assert b"expired" in body


async def test_export_without_csrf_token_writes_nothing(
    site: Site, posts: list[Post], export_folder: Path
) -> None:
    organiser = await Organiser.sign_in(site)
    reply = await organiser.browser.post("/web/admin/export", {"format": "csv"})
    assert reply.status == 403
    assert _files(export_folder) == []


async def test_export_by_a_member_is_refused(
    site: Site, posts: list[Post], ann: Member, export_folder: Path
) -> None:
    reply = await ann.post("/web/admin/export", {"format": "xlsx", "csrf_token": await ann.token()})
    assert reply.status == 403
    assert _files(export_folder) == []


async def test_unknown_export_format_is_refused(
    site: Site, posts: list[Post], export_folder: Path
) -> None:
    organiser = await Organiser.sign_in(site)
    reply = await organiser.post("/web/admin/export", {"format": "pdf"})
    assert reply.status == 422
    assert "CSV, XLSX or JSON Lines" in reply.page.one("div", class_="error-summary").text
    assert _files(export_folder) == []


async def test_unwritable_export_folder_is_reported_on_the_page(
    site: Site, posts: list[Post], export_folder: Path
) -> None:
    _make_file(export_folder)  # a file where the folder should be
    organiser = await Organiser.sign_in(site)
    reply = await organiser.post("/web/admin/export", {"format": "xlsx"})
    assert reply.status == 500
    message = reply.page.one("div", class_="error-summary").text
    assert "ENGAGE_EXPORT_DIR" in message
    assert reply.page.all(id="export-link") == []


def _make_file(path: Path) -> None:
    path.write_text("not a folder")
