"""Cells: formula injection neutralised, any text (non-ASCII, emoji, quotes, line breaks)
surviving a round trip through CSV, XLSX and JSON Lines."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.export_csv import CsvTable, neutralise
from bot.export_jsonl import JsonlTable
from bot.export_rows import Column
from bot.export_xlsx import MAX_CELL_CHARS, TRUNCATED, XlsxWorkbook, excel_text

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://x.example","click")',
    "+44 20 7946 0000",
    "-2+3",
    "@SUM(A1)",
    "\t=cmd",
    "\r=cmd",
]
HARMLESS = ["", "plain", "a=b", "1-2", "'=already quoted", " =space first", "Señor ✓ 🎉"]


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def render_rows(rows: list[list[str]]) -> str:
    """The rows as `CsvTable` writes them (after its header line)."""
    width = len(rows[0])
    columns = [pa.array([row[i] for row in rows], type=pa.string()) for i in range(width)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        table = CsvTable(path, [Column(f"h{i}") for i in range(width)])
        table.write(pa.RecordBatch.from_arrays(columns, names=[f"c{i}" for i in range(width)]))
        table.close()
        text = path.read_bytes().decode("utf-8-sig")
    header, _, body = text.partition("\r\n")
    assert header == ",".join(f'"h{i}"' for i in range(width))
    return body


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_that_starts_like_a_formula_gets_a_leading_quote(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert csv_cells(render_rows([["x", value], [value, "y"]])) == [
        ["x", "'" + value],
        ["'" + value, "y"],
    ]
    assert excel_text(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_other_text_is_left_as_it_is(value: str) -> None:
    assert neutralise(value) == value
    assert csv_cells(render_rows([[value, value]])) == [[value, value]]


text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(text, min_size=3, max_size=3), min_size=1, max_size=6))
def test_the_arrow_csv_writer_writes_what_the_csv_module_writes(rows: list[list[str]]) -> None:
    # Any text: quotes, separators, line breaks, formulas, emoji.
    expected = io.StringIO(newline="")
    csv.writer(expected, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        [neutralise(c) for c in row] for row in rows
    )
    assert render_rows(rows) == expected.getvalue()
    assert csv_cells(render_rows(rows)) == [[neutralise(c) for c in row] for row in rows]


def test_a_missing_cell_is_written_empty() -> None:
    columns = [pa.array(["a", None], type=pa.string()), pa.array([None, "=b"], type=pa.string())]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        table = CsvTable(path, [Column("x"), Column("y")])
        table.write(pa.RecordBatch.from_arrays(columns, names=["c0", "c1"]))
        table.close()
        text = path.read_bytes().decode("utf-8-sig")
    assert csv_cells(text) == [["x", "y"], ["a", ""], ["", "'=b"]]


def test_xlsx_cells_drop_characters_xml_cannot_hold_and_are_cut_at_the_cell_limit() -> None:
    assert excel_text("bell\x07 and null\x00 gone") == "bell and null gone"
    long = excel_text("x" * (MAX_CELL_CHARS + 10))
    assert long is not None
    assert len(long) == MAX_CELL_CHARS
    assert long.endswith(TRUNCATED)
    assert excel_text("") is None


NASTY = [
    "Señora Núñez “ça va” ✓",
    "👍🏽 emoji with skin tone",
    'line\nbreak, comma "quote"',
    "日本語のテキスト",
    "=1+2",
    "-minus",
]


def test_non_ascii_text_and_emoji_survive_xlsx_and_jsonl(tmp_path: Path) -> None:
    columns = [Column("a"), Column("b")]
    rows = [[v, v] for v in NASTY]
    book = XlsxWorkbook(tmp_path / "t.xlsx")
    table = book.add_table("t", columns)
    table.write(rows)
    table.close()
    book.save()
    sheet = load_workbook(tmp_path / "t.xlsx")["t"]
    got = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert got == [[neutralise(v), neutralise(v)] for v in NASTY]
    # Stored as text, not as formulas.
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row)

    jsonl = JsonlTable(tmp_path / "t.jsonl", columns)
    jsonl.write(rows)
    jsonl.close()
    import json

    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["a"] for line in lines] == NASTY


def test_non_ascii_text_and_emoji_survive_csv() -> None:
    rows = [[v] for v in NASTY]
    data = ("\ufeff" + render_rows(rows)).encode("utf-8")
    assert csv_cells(data.decode("utf-8-sig")) == [[neutralise(v)] for v in NASTY]
