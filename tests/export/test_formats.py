"""Exporting the known dataset gives exactly the expected rows, in every format, on every
backend, with privacy applied and filters honoured."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.domain import Platform
from bot.export import ExportFormat, ExportRequest, run_export
from bot.export_staging import ExportError
from bot.ports_export import ExportFilters
from storage.store import SqlStore
from tests.export.dataset import Dataset
from tests.export.readers import expected, read_table

TABLES = ("feedback", "replies", "reactions")


async def export(
    store: SqlStore,
    d: Dataset,
    path: Path,
    fmt: ExportFormat,
    *,
    personal: bool = False,
    filters: ExportFilters | None = None,
    batch_size: int = 5000,
) -> Path:
    request = ExportRequest(
        format=fmt,
        target=path,
        filters=filters or ExportFilters(),
        include_personal_data=personal,
    )
    await run_export(
        store, request=request, actor="test", now=d.t0 + timedelta(days=1), batch_size=batch_size
    )
    return path


@pytest.mark.parametrize("fmt", list(ExportFormat))
async def test_export_gives_exactly_the_expected_rows(
    store: SqlStore, dataset: Dataset, tmp_path: Path, fmt: ExportFormat
) -> None:
    path = await export(store, dataset, tmp_path / f"out.{fmt}", fmt)
    for table in TABLES:
        want = expected(dataset, table, personal=False, neutralised=fmt is not ExportFormat.JSONL)
        assert read_table(path, fmt, table) == want, table


@pytest.mark.parametrize("fmt", list(ExportFormat))
async def test_personal_data_shows_only_members_who_agreed_to_be_named(
    store: SqlStore, dataset: Dataset, tmp_path: Path, fmt: ExportFormat
) -> None:
    path = await export(store, dataset, tmp_path / f"out.{fmt}", fmt, personal=True)
    for table in TABLES:
        want = expected(dataset, table, personal=True, neutralised=fmt is not ExportFormat.JSONL)
        assert read_table(path, fmt, table) == want, table


async def test_pseudonymous_export_has_no_name_organisation_or_email_column(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    path = await export(store, dataset, tmp_path / "out", ExportFormat.CSV)
    everything = "".join((path / f"{t}.csv").read_text(encoding="utf-8-sig") for t in TABLES)
    for personal in ("Ann Archer", "Ambridge Borough Council", "ann@ambridge.example", "U0ANN"):
        assert personal not in everything
    header = (path / "feedback.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert '"email"' not in header
    assert '"org"' not in header


async def test_small_batches_give_the_same_rows(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    whole = await export(store, dataset, tmp_path / "a", ExportFormat.CSV)
    batched = await export(store, dataset, tmp_path / "b", ExportFormat.CSV, batch_size=1)
    for table in TABLES:
        assert (batched / f"{table}.csv").read_bytes() == (whole / f"{table}.csv").read_bytes()


A, B, C = "ann", "bob", "cat"


@pytest.mark.parametrize(
    ("filters", "who"),
    [
        pytest.param(ExportFilters(platform=Platform.TEAMS), ([C], [C], [C, A]), id="platform"),
        pytest.param(ExportFilters(sections=("costs",)), ([A, B], [A, B], [A, B]), id="section"),
        pytest.param(ExportFilters(sections=("2",)), ([C], [C], [C, A]), id="section-number"),
        pytest.param(ExportFilters(paper_id="elsewhere"), ([], [], []), id="other-paper"),
        pytest.param(
            ExportFilters(since=Dataset.t0 + timedelta(hours=2)),
            ([B, C], [A, B, C], [A, B, C, A]),
            id="since-inclusive",
        ),
        pytest.param(
            ExportFilters(until=Dataset.t0 + timedelta(hours=2)),
            ([A], [], []),
            id="until-exclusive",
        ),
    ],
)
async def test_filters_narrow_every_table(
    store: SqlStore,
    dataset: Dataset,
    tmp_path: Path,
    filters: ExportFilters,
    who: tuple[list[str], ...],
) -> None:
    names = {dataset.ann.key: A, dataset.bob.key: B, dataset.cat.key: C}
    path = await export(store, dataset, tmp_path / "out", ExportFormat.JSONL, filters=filters)
    for table, want in zip(TABLES, who, strict=True):
        rows = read_table(path, "jsonl", table)
        assert [names[r["participant"]] for r in rows] == want, table


async def test_an_unknown_section_is_refused_with_the_sections_listed(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ExportError, match=r"no section 'nope'; sections are: 1 \(costs\), 2"):
        await export(
            store,
            dataset,
            folder / "out",
            ExportFormat.CSV,
            filters=ExportFilters(sections=("costs", "nope")),
        )
    assert list(folder.iterdir()) == []


async def test_every_export_is_audited_with_its_format_filters_and_row_counts(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    filters = ExportFilters(platform=Platform.SLACK)
    await export(store, dataset, tmp_path / "out.xlsx", ExportFormat.XLSX, filters=filters)
    async with store.transaction() as tx:
        (entry,) = await tx.find_audit(action="export")
    assert entry.actor == "test"
    assert entry.detail["format"] == "xlsx"
    assert entry.detail["filters"] == {"platform": "slack"}
    assert entry.detail["rows"] == {"feedback": 2, "replies": 2, "reactions": 2}
    assert entry.detail["personal_data"] is False


async def test_xlsx_has_a_summary_and_each_table_as_an_excel_table(
    store: SqlStore, dataset: Dataset, tmp_path: Path
) -> None:
    path = await export(store, dataset, tmp_path / "out.xlsx", ExportFormat.XLSX)
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "feedback", "replies", "reactions"]
    # 11 shared columns, then quote_preference and four answers / removed_at and emoji.
    assert book["feedback"].tables["feedback"].ref == "A1:P4"
    assert book["reactions"].tables["reactions"].ref == "A1:M5"
    summary = [
        [c for c in row if c is not None] for row in book["Summary"].iter_rows(values_only=True)
    ]
    assert ["1. Who pays", 1, 1, 0, 2] in summary  # nature: agree, unsure, disagree, total
    assert ["2. Who takes part", 1, 0, 1] in summary  # role: analyst, leader, total
    # Emoji by use, ties in code-point order; "+1" neutralised; Bob withdrew his 👍.
    assert ["Section", "'+1", "👍", "🤔", "Total"] in summary
    assert ["1. Who pays", 0, 1, 0, 1] in summary


async def test_xlsx_table_continues_on_a_new_sheet_past_the_row_limit(
    store: SqlStore, dataset: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.export_xlsx.MAX_SHEET_ROWS", 3)  # a header and two rows a sheet
    path = await export(store, dataset, tmp_path / "out.xlsx", ExportFormat.XLSX)
    book = load_workbook(path)
    assert book.sheetnames == [
        "Summary",
        "feedback",
        "feedback (2)",
        "replies",
        "replies (2)",
        "reactions",
        "reactions (2)",
    ]
    emoji = [
        r[-1]
        for name in ("reactions", "reactions (2)")
        for r in book[name].iter_rows(min_row=2, values_only=True)
    ]
    assert emoji == ["👍", "👍", "🤔", "'+1"]
    assert book["reactions (2)"].tables["reactions_2"].ref == "A1:M3"


async def test_an_empty_database_exports_headers_only(store: SqlStore, tmp_path: Path) -> None:
    d = Dataset(ann=None, bob=None, cat=None)  # type: ignore[arg-type]
    for fmt in ExportFormat:
        path = await export(store, d, tmp_path / f"out.{fmt}", fmt)
        for table in TABLES:
            assert read_table(path, fmt, table) == [], (fmt, table)
    header = (tmp_path / "out.csv" / "replies.csv").read_text(encoding="utf-8-sig")
    assert header.startswith('"reply_id","posted_at"')
