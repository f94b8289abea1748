"""Counts by section for the export's summary sheet and the steering report.

A `CrossTab` is sections down, categories across (the natures of feedback, the roles heard, the
emoji used), built from the reader's tallies and the current sections' titles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.domain import FormField
from bot.ports_export import ExportReader, SectionInfo, Tally, TallyCount

NOT_GIVEN = "(not given)"
NO_SECTION = "(not a section)"

_TITLES = {
    Tally.NATURE: "Feedback by section and nature",
    Tally.ROLE: "Feedback by section and role",
    Tally.EMOJI: "Reactions standing, by section and emoji",
}


@dataclass(frozen=True, kw_only=True)
class CrossRow:
    """One section's counts, in the order of the table's categories."""

    label: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, kw_only=True)
class CrossTab:
    """Counts of sections by category."""

    title: str
    categories: tuple[str, ...]
    rows: tuple[CrossRow, ...]

    @property
    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(r.counts[i] for r in self.rows) for i in range(len(self.categories)))

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


@dataclass(frozen=True, kw_only=True)
class SummaryFacts:
    """The heading of a summary: a title and labelled facts (filters, row counts)."""

    title: str
    lines: tuple[tuple[str, str], ...]


def section_label(section: SectionInfo, *, with_paper: bool = False) -> str:
    """ "3. Title" (prefixed with the paper id when several papers are covered)."""
    label = f"{section.ordinal}. {section.title}"
    return f"{section.paper_id}: {label}" if with_paper else label


def _option_order(fields: Sequence[FormField], name: str) -> list[str]:
    field = next((f for f in fields if f.name == name), None)
    return list(field.options) if field is not None else []


def build_crosstab(
    what: Tally,
    *,
    tallies: Iterable[TallyCount],
    sections: Sequence[SectionInfo],
    fields: Sequence[FormField],
) -> CrossTab:
    """Sections (in reading order, every one even without responses) by category: the form's
    options in the form's order, then any others; emoji by how often they were used."""
    with_paper = len({s.paper_id for s in sections}) > 1
    labels = {(s.paper_id, s.section_id): section_label(s, with_paper=with_paper) for s in sections}
    counts: dict[str, dict[str, int]] = {label: {} for label in labels.values()}
    totals: dict[str, int] = {}
    for tally in tallies:
        label = labels.get((tally.paper_id or "", tally.section_id or ""), NO_SECTION)
        category = tally.category or NOT_GIVEN
        row = counts.setdefault(label, {})
        row[category] = row.get(category, 0) + tally.count
        totals[category] = totals.get(category, 0) + tally.count
    if what is Tally.EMOJI:
        categories = sorted(totals, key=lambda c: (-totals[c], c))
    else:
        known = _option_order(fields, what.value)
        others = sorted(c for c in totals if c not in known and c != NOT_GIVEN)
        categories = [*known, *others] + ([NOT_GIVEN] if NOT_GIVEN in totals else [])
    rows = tuple(
        CrossRow(label=label, counts=tuple(row.get(c, 0) for c in categories))
        for label, row in counts.items()
    )
    return CrossTab(title=_TITLES[what], categories=tuple(categories), rows=rows)


async def crosstabs(reader: ExportReader) -> Mapping[Tally, CrossTab]:
    """Every cross-tabulation, for the summary sheet and the report."""
    sections = await reader.sections()
    fields = await reader.form_fields()
    return {
        what: build_crosstab(
            what, tallies=await reader.tallies(what), sections=sections, fields=fields
        )
        for what in Tally
    }
