"""`engage export | report | erase | audit` from the command line: what an organiser sees, exit
status 2 with a clear message for every mistake, and nothing left behind when it fails."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.export import ExportFormat, ExportRequest, run_export
from bot.export_cli import _progress, cli_actor, parse_when
from storage.arrow_snapshot import SnapshotUnavailable
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.export.dataset import T0, Dataset, load_dataset


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dataset:
    url = f"sqlite+aiosqlite:///{tmp_path / 'engage.db'}"
    upgrade(url)

    async def load() -> Dataset:
        store = SqlStore.open(url)
        try:
            return await load_dataset(store)
        finally:
            await store.close()

    monkeypatch.setenv("ENGAGE_DATABASE_URL", url)
    return asyncio.run(load())


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def engage(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def assert_refused(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_export_writes_one_csv_per_table_and_says_how_many_rows(loaded: Dataset, out: Path) -> None:
    result = engage("export", "--format", "csv", "-o", str(out / "x"))
    assert result.exit_code == 0, result.output
    assert "exported 3 feedback, 3 replies, 4 reactions" in result.output
    assert sorted(p.name for p in (out / "x").iterdir()) == [
        "feedback.csv",
        "reactions.csv",
        "replies.csv",
    ]
    assert sorted(p.name for p in out.iterdir()) == ["x"]  # no staging folder left


def test_every_cli_command_is_audited_as_the_os_user(loaded: Dataset, out: Path) -> None:
    assert engage("export", "-f", "xlsx", "-o", str(out / "x.xlsx")).exit_code == 0
    assert engage("report", "-o", str(out / "r.html")).exit_code == 0
    assert engage("erase", "--participant", loaded.cat.key, "--yes").exit_code == 0
    result = engage("audit", "--json")
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.output.splitlines()]
    assert [e["action"] for e in entries] == ["erase", "report", "export"]
    assert {e["actor"] for e in entries} == {cli_actor()}
    assert entries[0]["detail"]["participant"] == loaded.cat.key
    only = [
        json.loads(x) for x in engage("audit", "--json", "--action", "erase").output.splitlines()
    ]
    assert [e["action"] for e in only] == ["erase"]
    table = engage("audit", "--limit", "1")
    assert table.exit_code == 0
    assert "erase" in table.output
    assert "report" not in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("-f", "pdf"), "Invalid value for '--format'", id="unknown-format"),
        pytest.param(
            ("-f", "csv", "--since", "2026-02-01", "--until", "2026-01-01"),
            "is not before --until",
            id="since-after-until",
        ),
        pytest.param(("-f", "csv", "--since", "yesterday"), "is not a date or time", id="bad-date"),
        pytest.param(("-f", "csv", "--section", "99"), "no section '99'", id="unknown-section"),
        pytest.param(("-f", "csv", "--platform", "irc"), "Invalid value", id="unknown-platform"),
    ],
)
def test_a_bad_export_request_exits_2_and_leaves_nothing(
    loaded: Dataset, out: Path, args: Sequence[str], message: str
) -> None:
    assert_refused(engage("export", *args, "-o", str(out / "x")), message)
    assert list(out.iterdir()) == []


def test_an_unwritable_output_exits_2_and_says_why(loaded: Dataset, out: Path) -> None:
    (out / "a-file").write_text("not a folder")
    assert_refused(
        engage("export", "-f", "xlsx", "-o", str(out / "a-file" / "x.xlsx")), "is not a folder"
    )
    assert_refused(
        engage("export", "-f", "csv", "-o", str(out / "missing" / "x")), "does not exist"
    )
    # /proc takes no new files, not even from root.
    assert_refused(engage("export", "-f", "xlsx", "-o", "/proc/engage.xlsx"), "cannot write")
    assert sorted(p.name for p in out.iterdir()) == ["a-file"]


def test_an_existing_output_is_kept_unless_overwrite_is_asked(loaded: Dataset, out: Path) -> None:
    target = out / "x.xlsx"
    target.write_bytes(b"keep me")
    assert_refused(engage("export", "-f", "xlsx", "-o", str(target)), "add --overwrite")
    assert target.read_bytes() == b"keep me"
    assert engage("export", "-f", "xlsx", "-o", str(target), "--overwrite").exit_code == 0
    assert target.read_bytes().startswith(b"PK")
    folder = out / "csv"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    assert engage("export", "-f", "csv", "-o", str(folder), "--overwrite").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "feedback.csv",
        "reactions.csv",
        "replies.csv",
    ]
    assert sorted(p.name for p in out.iterdir()) == ["csv", "x.xlsx"]


def test_erase_needs_one_identity_and_confirmation(loaded: Dataset) -> None:
    assert_refused(engage("erase", "--yes"), "name the person with --participant KEY")
    assert_refused(
        engage("erase", "--participant", loaded.ann.key, "--platform", "slack", "--yes"),
        "name the person",
    )
    assert_refused(engage("erase", "--participant", loaded.ann.key, input="n\n"), "nothing erased")
    assert_refused(engage("erase", "--participant", "p_nobody", "--yes"), "no participant")
    result = engage(
        "erase", "--platform", "slack", "--workspace", "T1", "--user", "U0ANN", input="y\n"
    )
    assert result.exit_code == 0, result.output
    assert f"erased {loaded.ann.key}: 2 replies emptied" in result.output


def test_an_unreachable_database_exits_2_with_what_to_check(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_DATABASE_URL", "postgresql://engage@127.0.0.1:1/engage")
    assert_refused(engage("export", "-f", "csv", "-o", str(out / "x")), "check")
    assert list(out.iterdir()) == []


def test_report_writes_a_self_contained_page(loaded: Dataset, out: Path) -> None:
    result = engage("report", "-o", str(out / "r.html"), "--since", "2026-01-05")
    assert result.exit_code == 0, result.output
    page = (out / "r.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<svg" in page
    assert_refused(engage("report", "-o", str(out / "r.html")), "add --overwrite")


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX])
async def test_a_failure_half_way_leaves_no_partial_output(
    sqlite_store: SqlStore, out: Path, monkeypatch: pytest.MonkeyPatch, fmt: ExportFormat
) -> None:
    await load_dataset(sqlite_store)
    calls = []

    def broken(self: object, rows: object) -> None:
        calls.append(rows)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.export_csv.CsvTable.write", broken)
    monkeypatch.setattr("bot.export_xlsx.XlsxTable.write", broken)
    target = out / ("x.xlsx" if fmt is ExportFormat.XLSX else "x")
    with pytest.raises(OSError, match="No space left"):
        await run_export(
            sqlite_store,
            request=ExportRequest(format=fmt, target=target),
            actor="test",
            now=T0,
        )
    assert calls
    assert os.listdir(out) == []
    async with sqlite_store.transaction() as tx:
        assert await tx.find_audit(action="export") == []


def test_dates_mean_whole_days_in_utc() -> None:
    assert parse_when("2026-01-31").isoformat() == "2026-01-31T00:00:00+00:00"
    assert parse_when("2026-01-31", end=True).isoformat() == "2026-02-01T00:00:00+00:00"
    assert parse_when("2026-01-31T17:30").isoformat() == "2026-01-31T17:30:00+00:00"
    assert parse_when("2026-01-31T17:30+01:00").isoformat() == "2026-01-31T16:30:00+00:00"


def test_no_progress_bar_when_output_is_not_a_terminal() -> None:
    with _progress() as bar:  # pytest captures stdout: not a terminal
        assert bar is None


async def test_an_in_memory_database_is_refused_with_what_to_use(out: Path) -> None:
    # Exports read through a connection of their own, which cannot see a private database.
    store = SqlStore.open("sqlite+aiosqlite:///:memory:")
    try:
        with pytest.raises(SnapshotUnavailable, match="export from a database file"):
            await run_export(
                store,
                request=ExportRequest(format=ExportFormat.CSV, target=out / "x"),
                actor="test",
                now=T0,
            )
    finally:
        await store.close()
    assert os.listdir(out) == []
