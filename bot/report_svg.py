"""Inline SVG charts for the report: no JavaScript, no external assets, readable in print.

Written here rather than with a charting library: the four charts the report needs are a few
dozen lines each, and the common libraries either need JavaScript to draw or add a heavy
dependency (matplotlib) for static output. Every chart is an `<svg role="img">` with a `<title>`
and a `<desc>` that says in words what it shows; the numbers are also in a table beneath it.
Colours are the Okabe-Ito palette, which stays distinguishable with colour-blindness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C6D31",
)
GREY = "#9AA0A6"
INK = "#1F2328"
MUTED = "#57606A"
GRID = "#D8DEE4"
CHAR = 7.0  # average width of a 13px character, to fit labels without measuring text


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)].rstrip() + "…"


def axis_steps(value: float, *, ticks: int = 4) -> tuple[int, int]:
    """A whole-number step and top for a count axis with about `ticks` intervals."""
    raw = max(value, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    step = max(1, int(step))
    return step, step * math.ceil(max(value, 1) / step)


def _svg(chart_id: str, *, width: float, height: float, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="Segoe UI, Liberation Sans, DejaVu Sans, Arial, sans-serif" font-size="13">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


@dataclass(frozen=True, kw_only=True)
class Series:
    """A named line: cumulative values, one per day."""

    label: str
    values: tuple[int, ...]


def line_chart(
    chart_id: str, *, title: str, desc: str, days: Sequence[date], series: Sequence[Series]
) -> str:
    """Cumulative lines over days, each labelled at its end (no legend to look up)."""
    width, height = 960.0, 380.0
    left, right, top, bottom = 48.0, 300.0, 16.0, 40.0
    plot_w, plot_h = width - left - right, height - top - bottom
    step, peak = axis_steps(max((max(s.values, default=0) for s in series), default=0))
    steps = max(len(days) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * (i / steps if len(days) > 1 else 0.5)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = []
    for value in range(0, peak + 1, step):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 8, y(value) + 4, str(value), text_anchor="end", fill=MUTED))
    ticks = sorted({0, len(days) - 1, *range(0, len(days), max(1, len(days) // 6))})
    for i in ticks:
        if 0 <= i < len(days):
            parts.append(
                _text(
                    x(i),
                    height - 14,
                    f"{days[i].day} {days[i]:%b}",
                    text_anchor="middle",
                    fill=MUTED,
                )
            )
    ends: list[tuple[float, int]] = []
    for index, line in enumerate(series):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour(index)}" '
            f'stroke-width="2.5" stroke-linejoin="round"/>'
        )
        if len(line.values) == 1:
            parts.append(
                f'<circle cx="{x(0):.1f}" cy="{y(line.values[0]):.1f}" r="4" '
                f'fill="{colour(index)}"/>'
            )
        ends.append((y(line.values[-1] if line.values else 0), index))
    # End labels, nudged apart so none overlap.
    placed: list[float] = []
    for wanted, index in sorted(ends):
        at = max(wanted, placed[-1] + 16) if placed else wanted
        placed.append(at)
        line = series[index]
        label = f"{clip(line.label, 34)} ({line.values[-1] if line.values else 0})"
        parts.append(
            _text(left + plot_w + 10, at + 4, label, fill=colour(index), font_weight="600")
        )
    return _svg(
        chart_id,
        width=width,
        height=max(height, (placed[-1] if placed else 0) + 24),
        title=title,
        desc=desc,
        body="".join(parts),
    )


def stacked_bars(
    chart_id: str,
    *,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    categories: Sequence[str],
    colours: Sequence[str],
) -> str:
    """Horizontal bars, one per row, split by category, with a legend above."""
    width = 960.0
    label_w, bar_left, total_w = 260.0, 270.0, 50.0
    bar_w = width - bar_left - total_w
    legend: list[str] = []
    lx, ly = 0.0, 16.0
    for name, fill in zip(categories, colours, strict=True):
        item_w = 24 + CHAR * len(clip(name, 44)) + 18
        if lx + item_w > width:
            lx, ly = 0.0, ly + 22
        legend.append(
            f'<rect x="{lx:.1f}" y="{ly - 11:.1f}" width="14" height="14" rx="2" '
            f'fill="{fill}"/>' + _text(lx + 20, ly, clip(name, 44), fill=INK)
        )
        lx += item_w
    top = ly + 22
    peak = max((sum(counts) for _, counts in rows), default=0) or 1
    parts = list(legend)
    for r, (label, counts) in enumerate(rows):
        y = top + r * 34
        parts.append(_text(label_w, y + 17, clip(label, 36), text_anchor="end", fill=INK))
        x = bar_left
        for count, fill in zip(counts, colours, strict=True):
            if count == 0:
                continue
            w = bar_w * count / peak
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="22" '
                f'fill="{fill}"><title>{escape(label)}: {count}</title></rect>'
            )
            if w >= 22:
                ink = "#FFFFFF" if fill not in ("#E69F00", "#56B4E9", GREY) else INK
                parts.append(
                    _text(
                        x + w / 2,
                        y + 18,
                        str(count),
                        text_anchor="middle",
                        fill=ink,
                        font_size="12",
                    )
                )
            x += w
        parts.append(_text(x + 6, y + 18, str(sum(counts)), fill=MUTED))
    height = top + len(rows) * 34 + 8
    return _svg(chart_id, width=width, height=height, title=title, desc=desc, body="".join(parts))


def heatmap(
    chart_id: str,
    *,
    title: str,
    desc: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    counts: Sequence[Sequence[int]],
) -> str:
    """A grid of counts, darker for more; rows are labelled left, columns on top."""
    label_w, cell_h, top = 330.0, 30.0, 30.0
    cell_w = max(56.0, min(110.0, (960.0 - label_w - 10) / max(len(column_labels), 1)))
    width = max(960.0, label_w + cell_w * len(column_labels) + 10)
    peak = max((max(row, default=0) for row in counts), default=0) or 1
    parts = [
        _text(
            label_w + cell_w * (c + 0.5),
            top - 10,
            clip(name, 8),
            text_anchor="middle",
            fill=INK,
            font_weight="600",
        )
        for c, name in enumerate(column_labels)
    ]
    for r, label in enumerate(row_labels):
        y = top + r * cell_h
        parts.append(_text(label_w - 10, y + 19, clip(label, 46), text_anchor="end", fill=INK))
        for c, count in enumerate(counts[r]):
            share = count / peak
            fill = _blend(share)
            parts.append(
                f'<rect x="{label_w + c * cell_w + 1:.1f}" y="{y + 1:.1f}" '
                f'width="{cell_w - 2}" height="{cell_h - 2}" rx="3" fill="{fill}">'
                f"<title>{escape(label)}, {escape(column_labels[c])}: {count}</title>"
                f"</rect>"
            )
            ink = "#FFFFFF" if share > 0.55 else INK
            parts.append(
                _text(
                    label_w + cell_w * (c + 0.5),
                    y + 19,
                    str(count) if count else "·",
                    text_anchor="middle",
                    fill=ink if count else MUTED,
                )
            )
    height = top + len(row_labels) * cell_h + 8
    return _svg(chart_id, width=width, height=height, title=title, desc=desc, body="".join(parts))


def _blend(share: float) -> str:
    """White to the palette's blue, by share."""
    low, high = (0xF3, 0xF6, 0xFA), (0x00, 0x4C, 0x80)
    rgb = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{v:02X}" for v in rgb)


def bar_chart(chart_id: str, *, title: str, desc: str, bars: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars with their counts (the top reactions)."""
    width, label_w, row_h = 960.0, 120.0, 34.0
    peak = max((n for _, n in bars), default=0) or 1
    parts = []
    for r, (label, count) in enumerate(bars):
        y = 8 + r * row_h
        w = (width - label_w - 70) * count / peak
        parts.append(
            _text(label_w - 12, y + 19, clip(label, 14), text_anchor="end", font_size="18")
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="22" rx="2" '
            f'fill="{PALETTE[0]}"/>'
        )
        parts.append(_text(label_w + w + 8, y + 20, str(count), fill=INK))
    height = 16 + len(bars) * row_h
    return _svg(chart_id, width=width, height=height, title=title, desc=desc, body="".join(parts))
