"""Reading exports back as rows of text, and the rows the known dataset must give."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from tests.export.dataset import (
    ANN_FEEDBACK,
    ANN_REPLY,
    BOB_FEEDBACK,
    BOB_REPLY,
    CAT_FEEDBACK,
    Dataset,
)

Row = dict[str, str]


def read_csv(path: Path) -> list[Row]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def read_jsonl(path: Path) -> list[Row]:
    def text(value: object) -> str:
        return "" if value is None else str(value)

    lines = path.read_text(encoding="utf-8").splitlines()
    return [{k: text(v) for k, v in json.loads(line).items()} for line in lines]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    return str(value)


def read_xlsx(path: Path, sheet: str) -> list[Row]:
    book = load_workbook(path, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    header = [str(h) for h in rows[0]]
    # Read-only sheets leave out empty cells at the end of a row.
    padded = [(*row, *[None] * (len(header) - len(row))) for row in rows[1:]]
    return [dict(zip(header, map(_cell_text, row), strict=True)) for row in padded]


def read_table(path: Path, fmt: str, table: str, *, ranked: bool = True) -> list[Row]:
    """A table of an export in any format, as text rows. With `ranked`, the id column (which
    depends on what the database handed out before) becomes 1, 2, 3… after checking the rows
    come in id order."""
    if fmt == "csv":
        rows = read_csv(path / f"{table}.csv")
    elif fmt == "jsonl":
        rows = read_jsonl(path / f"{table}.jsonl")
    else:
        rows = read_xlsx(path, table)
    if ranked and rows:
        key = next(iter(rows[0]))
        ids = [int(r[key]) for r in rows]
        assert ids == sorted(set(ids)), f"{table} rows are not in id order: {ids}"
        for rank, row in enumerate(rows, 1):
            row[key] = str(rank)
    return rows


def _formula_safe(text: str, neutralised: bool) -> str:
    if neutralised and text.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + text
    return text


def _where(section: int) -> Row:
    if section == 1:
        return {
            "paper": "harbour",
            "section_number": "1",
            "section_id": "costs",
            "section_title": "Who pays",
            "section_version": "costs-v1",
            "platform": "slack",
            "workspace": "T1",
            "channel": "general",
        }
    return {
        "paper": "harbour",
        "section_number": "2",
        "section_id": "people",
        "section_title": "Who takes part",
        "section_version": "people-v1",
        "platform": "teams",
        "workspace": "tenant-1",
        "channel": "Consult",
    }


def expected_feedback(d: Dataset, *, personal: bool, neutralised: bool) -> list[Row]:
    """Ann agreed to be named, Bob never answered (anonymised), Cat said not at all."""

    def safe(text: str) -> str:
        return _formula_safe(text, neutralised)

    rows = [
        (1, "10", d.ann.key, "named", ANN_FEEDBACK, ("Ann Archer", "Ambridge Borough Council")),
        (1, "11", d.bob.key, "anonymised", BOB_FEEDBACK, None),
        (2, "12", d.cat.key, "none", CAT_FEEDBACK, None),
    ]
    out = []
    for number, (section, hour, key, preference, answers, who) in enumerate(rows, 1):
        row: Row = {
            "feedback_id": str(number),
            "submitted_at": f"2026-01-05T{hour}:00:00Z",
            **_where(section),
            "participant": key,
        }
        if personal:
            row["participant_name"], row["participant_organisation"] = who or ("", "")
        quiet = preference == "none"
        row |= {
            "quote_preference": preference,
            "nature": answers["nature"],
            "summary": "" if quiet else safe(answers["summary"]),
            "details": "" if quiet else safe(answers["details"]),
            "role": answers["role"],
        }
        if personal:
            row["org"] = safe(answers["org"]) if who else ""
            row["email"] = answers["email"] if who else ""
        out.append(row)
    return out


def expected_replies(d: Dataset, *, personal: bool, neutralised: bool) -> list[Row]:
    rows = [
        (1, "13", d.ann.key, "named", "", ANN_REPLY, True),
        (1, "13", d.bob.key, "anonymised", "2026-01-05T14:00:00Z", BOB_REPLY, False),
        (2, "14", d.cat.key, "none", "", "", False),
    ]
    out = []
    for number, (section, hour, key, preference, edited, text, named) in enumerate(rows, 1):
        row: Row = {
            "reply_id": str(number),
            "posted_at": f"2026-01-05T{hour}:00:00Z",
            **_where(section),
            "participant": key,
        }
        if personal:
            who = ("Ann Archer", "Ambridge Borough Council") if named else ("", "")
            row["participant_name"], row["participant_organisation"] = who
        row |= {
            "quote_preference": preference,
            "edited_at": edited,
            "text": _formula_safe(text, neutralised),
        }
        out.append(row)
    return out


def expected_reactions(d: Dataset, *, personal: bool, neutralised: bool) -> list[Row]:
    rows = [
        (1, "15", d.ann.key, "", "👍", True),
        (1, "15", d.bob.key, "2026-01-05T17:00:00Z", "👍", False),
        (2, "16", d.cat.key, "", "🤔", False),
        (2, "16", d.ann.key, "", "+1", True),
    ]
    out = []
    for number, (section, hour, key, removed, emoji, named) in enumerate(rows, 1):
        row: Row = {
            "reaction_id": str(number),
            "added_at": f"2026-01-05T{hour}:00:00Z",
            **_where(section),
            "participant": key,
        }
        if personal:
            who = ("Ann Archer", "Ambridge Borough Council") if named else ("", "")
            row["participant_name"], row["participant_organisation"] = who
        row |= {"removed_at": removed, "emoji": _formula_safe(emoji, neutralised)}
        out.append(row)
    return out


def expected(d: Dataset, table: str, *, personal: bool, neutralised: bool) -> list[Row]:
    make = {
        "feedback": expected_feedback,
        "replies": expected_replies,
        "reactions": expected_reactions,
    }[table]
    return make(d, personal=personal, neutralised=neutralised)
