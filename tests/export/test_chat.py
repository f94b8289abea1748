"""Exports asked for in chat: organisers only, an XLSX file, and a signed link that downloads it
from the running app until it expires."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from bot.clock import ManualClock
from bot.config import Settings
from bot.engagement import Engagement
from bot.export_chat import export_for_chat
from bot.export_routes import mount_exports
from bot.metrics import Metrics
from bot.ports_export import ExportTable
from bot.privacy import NotAllowed
from bot.services import Services
from bot.signed_links import LinkCheck, make_export_link, verify_export_link
from storage.store import SqlStore
from tests.export.dataset import T0, load_dataset

SETTINGS = Settings(secret_key="a-test-secret", public_url="https://engage.example/")


@pytest.fixture
async def services(sqlite_store: SqlStore) -> Services:
    await load_dataset(sqlite_store)
    clock = ManualClock(T0 + timedelta(days=1))
    return Services(
        settings=SETTINGS,
        store=sqlite_store,
        clock=clock,
        engagement=Engagement(store=sqlite_store, clock=clock),
        metrics=Metrics(),
    )


def _parts(link: str) -> tuple[str, str, str]:
    url = urlsplit(link)
    query = parse_qs(url.query)
    return url.path.removeprefix("/exports/"), query["expires"][0], query["sig"][0]


def test_a_signed_link_verifies_until_it_expires_and_not_when_changed() -> None:
    link = make_export_link(SETTINGS, path="a.xlsx", expires_in=60, now=T0)
    assert link.startswith("https://engage.example/exports/a.xlsx?expires=")
    name, expires, sig = _parts(link)

    def check(
        *, name: str = name, expires: str = expires, signature: str = sig, now: datetime = T0
    ) -> LinkCheck:
        return verify_export_link(
            SETTINGS, name=name, expires=expires, signature=signature, now=now
        )

    assert check() is LinkCheck.OK
    assert check(now=T0 + timedelta(seconds=60)) is LinkCheck.EXPIRED
    assert check(name="b.xlsx") is LinkCheck.FORGED
    assert check(expires=str(int(expires) + 3600)) is LinkCheck.FORGED
    assert check(signature=sig[:-1] + ("0" if sig[-1] != "0" else "1")) is LinkCheck.FORGED
    assert check(signature="é" * 64) is LinkCheck.FORGED
    other = Settings(secret_key="another-secret")
    assert verify_export_link(other, name=name, expires=expires, signature=sig, now=T0) is (
        LinkCheck.FORGED
    )
    with pytest.raises(ValueError, match="plain file name"):
        make_export_link(SETTINGS, path="../etc/passwd", expires_in=60)


async def test_an_organiser_gets_an_xlsx_export_and_a_link_that_downloads_it(
    services: Services, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "exports"
    done = await export_for_chat(
        services, actor="teams:organiser-1", is_organiser=True, directory=tmp_path
    )
    assert done.path.parent == tmp_path
    assert done.path.is_file()
    assert done.rows == {ExportTable.FEEDBACK: 3, ExportTable.REPLIES: 3, ExportTable.REACTIONS: 4}
    assert "3 feedback, 3 replies, 4 reactions" in done.summary
    assert load_workbook(done.path).sheetnames == ["Summary", "feedback", "replies", "reactions"]

    app = web.Application()
    mount_exports(app, services, directory=tmp_path)
    name, expires, sig = _parts(done.link)
    async with TestClient(TestServer(app)) as client:
        ok = await client.get(f"/exports/{name}", params={"expires": expires, "sig": sig})
        assert ok.status == 200
        assert await ok.read() == done.path.read_bytes()
        assert ok.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert ok.headers["Cache-Control"] == "no-store"

        forged = await client.get(f"/exports/{name}", params={"expires": expires, "sig": "0" * 64})
        assert forged.status == 403
        assert "not valid" in await forged.text()
        bare = await client.get(f"/exports/{name}")
        assert bare.status == 403

        services.clock.advance(24 * 3600)  # type: ignore[attr-defined]
        late = await client.get(f"/exports/{name}", params={"expires": expires, "sig": sig})
        assert late.status == 410
        assert "expired" in await late.text()

    async with services.store.transaction() as tx:
        actions = [e.action for e in await tx.find_audit(action="export")]
    assert actions == ["export.download", "export"]


async def test_a_link_to_a_removed_file_says_it_is_gone(services: Services, tmp_path: Path) -> None:
    link = make_export_link(SETTINGS, path="gone.xlsx", expires_in=60, now=services.clock.now())
    app = web.Application()
    mount_exports(app, services, directory=tmp_path)
    name, expires, sig = _parts(link)
    async with TestClient(TestServer(app)) as client:
        response = await client.get(f"/exports/{name}", params={"expires": expires, "sig": sig})
        assert response.status == 410
        assert "removed" in await response.text()


async def test_someone_who_is_not_an_organiser_is_refused_and_nothing_is_written(
    services: Services, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "exports"
    with pytest.raises(NotAllowed, match="only the consultation's organisers can export"):
        await export_for_chat(services, actor="slack:U0BOB", is_organiser=False, directory=tmp_path)
    assert not tmp_path.exists()
    async with services.store.transaction() as tx:
        (entry,) = await tx.find_audit(action="export")
    assert (entry.action, entry.actor) == ("export.refused", "slack:U0BOB")
