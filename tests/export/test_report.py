"""The steering report: one self-contained page with four charts and their numbers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain import Platform
from bot.ports_export import ExportFilters
from bot.report import write_report
from storage.store import SqlStore
from tests.export.dataset import T0, Dataset


def rows_of(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as cell texts."""
    table = page[page.index(f"<caption>{caption}</caption>") :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


async def report(store: SqlStore, tmp_path: Path, *, zone: str = "UTC", **filters: object) -> str:
    target = tmp_path / "report.html"
    await write_report(
        store,
        target=target,
        filters=ExportFilters(**filters),  # type: ignore[arg-type]
        actor="test",
        now=T0 + timedelta(days=2),
        zone=ZoneInfo(zone),
        overwrite=True,
    )
    return target.read_text(encoding="utf-8")


async def test_the_report_is_one_self_contained_accessible_page(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    page = await report(store, tmp_path)
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "<link" not in page
    assert "url(" not in page
    charts = re.findall(r'<svg [^>]*role="img"[^>]*aria-labelledby="(\w+)-title \1-desc"', page)
    assert charts == ["timeline", "nature", "roles", "reactions"]
    for chart in charts:
        assert f'<title id="{chart}-title">' in page
        assert f'<desc id="{chart}-desc">' in page
    assert page.count("<caption>") == 4
    assert "<h1>A harbour for shared data</h1>" in page


async def test_the_report_counts_what_the_dataset_holds(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    page = await report(store, tmp_path)
    tiles = re.findall(r'<span class="n">(\d+)</span><span class="what">([^<]+)<', page)
    assert tiles == [
        ("3", "feedback responses"),
        ("3", "thread replies"),
        ("3", "reactions standing"),
        ("3", "people heard from"),
        ("2", "sections"),
    ]
    # Feedback and replies (not the deleted one) per day.
    assert rows_of(page, "Responses per section by day") == [
        ["1. Who pays", "4", "4"],
        ["2. Who takes part", "2", "2"],
    ]
    assert rows_of(page, "Feedback responses by section and nature") == [
        ["1. Who pays", "1", "1", "0", "2"],
        ["2. Who takes part", "0", "0", "1", "1"],
    ]
    assert rows_of(page, "Feedback responses by role and section") == [
        ["Analyst", "1", "1", "2"],
        ["Leader", "1", "0", "1"],
    ]
    assert rows_of(page, "Reactions by section and emoji") == [
        ["1. Who pays", "0", "1", "0", "1"],
        ["2. Who takes part", "1", "0", "1", "2"],
    ]
    async with store.transaction() as tx:
        (entry,) = await tx.find_audit(action="report")
    assert entry.actor == "test"


async def test_the_report_follows_its_filters(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    page = await report(store, tmp_path, platform=Platform.TEAMS)
    assert "teams only" in page
    assert rows_of(page, "Responses per section by day") == [
        ["1. Who pays", "0", "0"],
        ["2. Who takes part", "2", "2"],
    ]


async def test_an_empty_period_says_so_instead_of_drawing_charts(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    page = await report(store, tmp_path, since=T0 + timedelta(days=1))
    assert "<svg" not in page
    assert "No feedback or replies in this period yet." in page
    assert "No reactions in this period yet." in page


async def test_days_are_counted_in_the_organisers_time_zone(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    # Kathmandu is 5 h 45 min ahead of UTC: 18:14 UTC is 23:59 there, 18:15 UTC is midnight.
    async with store.transaction() as tx:
        costs = (await tx.list_posts())[0]
        for minute in (14, 15):
            await tx.add_feedback(
                post_id=costs.id,
                participant_id=dataset.bob.id,
                values={"nature": "I agree", "role": "Analyst"},
                event_id=f"late-{minute}",
                now=T0.replace(hour=18, minute=minute),
            )
    in_utc = await report(store, tmp_path)
    assert rows_of(in_utc, "Responses per section by day") == [
        ["1. Who pays", "6", "6"],
        ["2. Who takes part", "2", "2"],
    ]
    in_kathmandu = await report(store, tmp_path, zone="Asia/Kathmandu")
    assert rows_of(in_kathmandu, "Responses per section by day") == [
        ["1. Who pays", "5", "1", "6"],
        ["2. Who takes part", "2", "0", "2"],
    ]
    assert "(Asia/Kathmandu time)" in in_kathmandu
