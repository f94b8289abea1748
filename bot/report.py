"""`engage report`: one self-contained HTML page of coverage for a steering meeting.

Responses per section over time, the nature of feedback by section, the roles heard per section
and the top reactions, each as an inline SVG chart with its numbers in a table beneath. The page
has no scripts and no external assets, so it can be mailed, printed or opened offline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.export_staging import Staging
from bot.ports import Store
from bot.ports_export import ExportFilters, ExportReader, ExportTable, SectionInfo, Tally
from bot.report_svg import GREY, Series, bar_chart, colour, heatmap, line_chart, stacked_bars
from bot.summary import NOT_GIVEN, CrossTab, crosstabs, section_label

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TOP_REACTIONS = 10
DAILY_LIMIT_DAYS = 14


@dataclass(frozen=True, kw_only=True)
class Timeline:
    """Responses (feedback and replies) per section per time bucket."""

    days: tuple[date, ...]
    buckets: tuple[str, ...]
    bucket_name: str
    rows: tuple[tuple[str, tuple[int, ...]], ...]
    cumulative: tuple[Series, ...]


def _timeline(
    sections: Sequence[SectionInfo], per_day: Mapping[tuple[str, str], dict[date, int]]
) -> Timeline:
    days_seen = [d for counts in per_day.values() for d in counts]
    if not days_seen:
        return Timeline(days=(), buckets=(), bucket_name="day", rows=(), cumulative=())
    first, last = min(days_seen), max(days_seen)
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    weekly = len(days) > DAILY_LIMIT_DAYS

    def bucket(day: date) -> date:
        return day - timedelta(days=day.weekday()) if weekly else day

    buckets = sorted({bucket(d) for d in days})
    rows, cumulative = [], []
    for s in sections:
        counts = per_day.get((s.paper_id, s.section_id), {})
        label = section_label(s)
        running, values = 0, []
        for day in days:
            running += counts.get(day, 0)
            values.append(running)
        by_bucket: dict[date, int] = defaultdict(int)
        for day, n in counts.items():
            by_bucket[bucket(day)] += n
        rows.append((label, tuple(by_bucket.get(b, 0) for b in buckets)))
        cumulative.append(Series(label=label, values=tuple(values)))
    names = [f"w/c {b.day} {b:%b}" if weekly else f"{b.day} {b:%b}" for b in buckets]
    return Timeline(
        days=days,
        buckets=tuple(names),
        bucket_name="week" if weekly else "day",
        rows=tuple(rows),
        cumulative=tuple(cumulative),
    )


async def _per_day(reader: ExportReader, *, zone: tzinfo) -> dict[tuple[str, str], dict[date, int]]:
    """Feedback and replies per section per day, days as the organisers' clocks count them."""
    per_day: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    for table in (ExportTable.FEEDBACK, ExportTable.REPLIES):
        for c in await reader.per_quarter_hour(table):
            counts = per_day[(c.paper_id or "", c.section_id or "")]
            day = c.start.astimezone(zone).date()
            counts[day] = counts.get(day, 0) + c.count
    return per_day


def _category_colours(tab: CrossTab) -> list[str]:
    return [GREY if c == NOT_GIVEN else colour(i) for i, c in enumerate(tab.categories)]


def _filters_text(filters: ExportFilters) -> list[str]:
    text = []
    if filters.platform is not None:
        text.append(f"{filters.platform.value} only")
    if filters.since is not None:
        text.append(f"from {filters.since:%d %b %Y %H:%M} UTC")
    if filters.until is not None:
        text.append(f"until {filters.until:%d %b %Y %H:%M} UTC")
    return text


async def render_report(
    reader: ExportReader, *, filters: ExportFilters, now: datetime, zone: ZoneInfo
) -> str:
    """The report page as HTML text; days are counted in `zone` (the organisers' time)."""
    papers = await reader.papers()
    sections = await reader.sections()
    tabs = await crosstabs(reader)
    timeline = _timeline(sections, await _per_day(reader, zone=zone))
    totals = {table: await reader.count(table) for table in ExportTable}
    nature, role, emoji = tabs[Tally.NATURE], tabs[Tally.ROLE], tabs[Tally.EMOJI]
    numbers = [str(s.ordinal) for s in sections]
    heard = [(r.label, sum(1 for n in r.counts if n)) for r in role.rows]
    top = sorted(zip(emoji.categories, emoji.column_totals, strict=True), key=lambda e: -e[1])
    top = top[:TOP_REACTIONS]
    busiest = max(timeline.cumulative, key=lambda s: s.values[-1], default=None)
    charts = {
        "timeline": line_chart(
            "timeline",
            title="Responses per section over time (cumulative)",
            desc=(
                f"Feedback and replies per section added up day by day ({zone.key} time) from "
                f"{timeline.days[0]:%d %b %Y} to {timeline.days[-1]:%d %b %Y}. Most so far: "
                f"{busiest.label} with {busiest.values[-1]}."
            )
            if timeline.days and busiest
            else "No responses in this period.",
            days=timeline.days,
            series=timeline.cumulative,
        )
        if timeline.days
        else "",
        "nature": stacked_bars(
            "nature",
            title="Nature of feedback by section",
            desc=f"{nature.total} feedback responses, split by what kind of feedback they are.",
            rows=[(r.label, r.counts) for r in nature.rows],
            categories=nature.categories,
            colours=_category_colours(nature),
        )
        if nature.total
        else "",
        "roles": heatmap(
            "roles",
            title="Roles heard per section",
            desc=(
                "Feedback responses by the respondent's role (rows) and section (columns). "
                + "; ".join(f"{label}: {n} roles heard" for label, n in heard)
            ),
            row_labels=role.categories,
            column_labels=[f"§{n}" for n in numbers],
            counts=[[r.counts[i] for r in role.rows] for i in range(len(role.categories))],
        )
        if role.total
        else "",
        "reactions": bar_chart(
            "reactions",
            title="Top reactions",
            desc=", ".join(f"{e}: {n}" for e, n in top) or "No reactions.",
            bars=top,
        )
        if top
        else "",
    }
    return _TEMPLATES.get_template("report.html").render(
        title=" · ".join(title for _, title in papers) or "Consultation",
        generated=now,
        zone=zone.key,
        filters=_filters_text(filters),
        totals={t.value: n for t, n in totals.items()},
        people=await reader.people(),
        sections=sections,
        timeline=timeline,
        nature=nature,
        role=role,
        emoji=emoji,
        heard=heard,
        charts={k: Markup(v) for k, v in charts.items()},  # noqa: S704 - our own escaped SVG
    )


async def write_report(
    store: Store,
    *,
    target: Path,
    filters: ExportFilters,
    actor: str,
    now: datetime,
    zone: ZoneInfo,
    overwrite: bool = False,
) -> Path:
    """Write the report beside `target`, rename it into place, and audit it; days are counted
    in `zone`."""
    from bot.export import check_filters

    check_filters(filters)
    staging = Staging(target, folder=False, overwrite=overwrite)
    staging.check()
    staging.create()
    try:
        async with store.transaction() as tx:
            async with tx.export_reader(filters=filters) as reader:
                html = await render_report(reader, filters=filters, now=now, zone=zone)
            staging.path.write_text(html, encoding="utf-8")
            await tx.append_audit(
                actor=actor,
                action="report",
                detail={"target": str(target), "filters": _filters_text(filters)},
                now=now,
            )
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return target
