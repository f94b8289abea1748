"""`engage events …` against a real SQLite file (the CLI runs on the wall clock, so its times
are set years ahead)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.clock import ManualClock
from bot.config import EXAMPLE_PAPER
from bot.paper import load_paper
from bot.scheduling import Scheduling
from storage.store import SqlStore
from tests.scheduling.conftest import ZONE, make_scheduler

ICS = Path(__file__).parent / "data" / "open-house.ics"
Run = Callable[..., Result]


@pytest.fixture
def run(sqlite_url: str) -> Run:
    env = {"ENGAGE_DATABASE_URL": sqlite_url, "ENGAGE_TIMEZONE": "Europe/London"}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    added = invoke("channels", "add", "web", "general", "--tag", "la")
    assert added.exit_code == 0, added.output
    return invoke


def _listed(run: Run) -> dict[str, list[dict[str, object]]]:
    result = run("events", "list", "--json")
    assert result.exit_code == 0, result.output
    listed: dict[str, list[dict[str, object]]] = json.loads(result.stdout)
    return listed


def test_add_schedules_an_event_with_its_reminders_and_follow_up(run: Run) -> None:
    result = run(
        "events", "add", "Open house", "--start", "2030-03-12 14:00", "--end",
        "2030-03-12 15:00", "--to", "sector:la", "--section", "2", "--link",
        "https://example.org/join",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "event 1: Open house, Tuesday 12 March 2030, 14:00 GMT" in result.stdout

    (event,) = _listed(run)["events"]
    assert event["start"] == "2030-03-12T14:00+00:00"
    assert event["sections"] == ["how-practice-travels-today"]
    prompts = event["prompts"]
    assert isinstance(prompts, list)
    assert [(p["kind"], p["due"], p["state"]) for p in prompts] == [
        ("reminder", "2030-03-11T14:00+00:00", "scheduled"),
        ("reminder", "2030-03-12T13:00+00:00", "scheduled"),
        ("follow_up", "2030-03-12T16:00+00:00", "scheduled"),
    ]


def test_add_with_bad_values_names_each_and_schedules_nothing(run: Run) -> None:
    result = run(
        "events", "add", "Open house", "--start", "2030-03-31 01:30", "--tz", "Mars/Olympus",
        "--to", "sector:la",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "timezone: unknown time zone 'Mars/Olympus'" in result.stderr
    assert "Nothing was scheduled" in result.stderr
    assert _listed(run)["events"] == []


def test_add_refuses_a_reminder_that_is_not_a_duration(run: Run) -> None:
    result = run(
        "events", "add", "Open house", "--start", "2030-03-12 14:00", "--to", "sector:la",
        "--remind", "soon",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "'soon' is not a duration" in result.stderr


def test_edit_moves_an_event_and_cancel_stops_its_prompts(run: Run) -> None:
    run("events", "add", "Open house", "--start", "2030-03-12 14:00", "--to", "sector:la")
    edited = run("events", "edit", "1", "--start", "2030-07-01 10:00")
    assert edited.exit_code == 0, edited.output
    assert "Monday 1 July 2030, 10:00 BST" in edited.stdout
    cancelled = run("events", "cancel", "1")
    assert cancelled.exit_code == 0, cancelled.output

    (event,) = _listed(run)["events"]
    prompts = event["prompts"]
    assert isinstance(prompts, list)
    assert event["cancelled"] is True
    assert {p["state"] for p in prompts} == {"cancelled"}


def test_import_schedules_a_calendar_file(run: Run) -> None:
    result = run("events", "import", str(ICS), "--to", "sector:la", "--skip-past")
    assert result.exit_code == 0, result.output
    # The file's dates are in 2026, before the wall clock of this run: all skipped or imported.
    listed = _listed(run)["events"]
    assert f"imported {len(listed)} event(s)" in result.stdout
    assert result.stdout.count("skipped") == 4 - len(listed)


def test_import_of_a_malformed_file_is_refused(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_text("BEGIN:VCALENDAR\nthis is not right\n")
    result = run("events", "import", str(bad), "--to", "sector:la")
    assert result.exit_code == 2
    assert "ics:" in result.stderr


def test_a_recurring_prompt_is_scheduled_and_cancelled(run: Run) -> None:
    made = run("events", "prompt", "coverage", "--to", "sector:la", "--every", "0 9 * * mon")
    assert made.exit_code == 0, made.output
    assert "09:00" in made.stdout
    cancelled = run("events", "cancel", "1", "--prompt")
    assert cancelled.exit_code == 0, cancelled.output
    (prompt,) = _listed(run)["prompts"]
    assert (prompt["recurrence"], prompt["state"]) == ("0 9 * * mon", "cancelled")


async def _missed_prompt(url: str) -> None:
    """A prompt due while the bot was down for longer than the grace period."""
    clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    paper = load_paper(EXAMPLE_PAPER)
    store = SqlStore.open(url)
    try:
        scheduling = Scheduling(store=store, clock=clock, paper=lambda: paper, default_zone=ZONE)
        await scheduling.schedule_prompt(
            kind="message", text="Hello", targets=["sector:la"], at="2026-01-06 09:00"
        )
        clock.advance(timedelta(days=3).total_seconds())
        await make_scheduler(store, clock, paper).fire_due()
    finally:
        await store.close()


def test_list_shows_missed_prompts(run: Run, sqlite_url: str) -> None:
    asyncio.run(_missed_prompt(sqlite_url))
    (prompt,) = _listed(run)["prompts"]
    assert prompt["state"] == "missed"
    assert prompt["missed_at"] == "2026-01-08T09:00:00+00:00"
    table = run("events", "list")
    assert "missed" in table.stdout
