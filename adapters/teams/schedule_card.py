"""The organisers' *Schedule an event* dialog as an Adaptive Card 1.5, and the card that opens it.

Every input id carries the `sch_` prefix, so no input can overwrite the `engage` routing data
Teams merges the inputs into on submit. Errors appear in attention colour under the input they
are about; the organiser's input is put back so nothing has to be typed twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.teams.cards import Card, Element, card, text_block

PREFIX = "sch_"
ROUTE = "schedule"
TOGGLES = ("remind_1d", "remind_1h", "follow_up")
MAX_MESSAGE = 2000
COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
)
Choice = tuple[str, str]
"""An option of a choice input: (value, title)."""


@dataclass(frozen=True, kw_only=True)
class ScheduleChoices:
    """What the organiser chooses from: channels, sector tags, sections and time zones."""

    channels: Sequence[Choice]
    sectors: Sequence[str]
    sections: Sequence[Choice]
    zones: Sequence[str]
    default_zone: str
    fold: Sequence[Choice] = ()
    """Shown only when a wall time occurs twice (the clocks go back): which of the two."""


def launcher_card() -> Card:
    """The reply to `schedule`: a button that opens the dialog (a task module)."""
    return card(
        [
            text_block("Schedule an engagement event", size="Medium", weight="Bolder"),
            text_block(
                "Reminders go to the channels you choose before it starts, and a follow-up after "
                "it ends.",
                isSubtle=True,
            ),
        ],
        [
            {
                "type": "Action.Submit",
                "title": "Schedule an event",
                "data": {"msteams": {"type": "task/fetch"}, "engage": ROUTE},
            }
        ],
    )


def schedule_card(
    choices: ScheduleChoices,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The form; `values` (by field name) fill it in again, `errors` are shown in place."""
    values = values or {}
    errors = errors or {}
    body: list[Element] = [
        text_block("Schedule an engagement event", size="Medium", weight="Bolder"),
        text_block(
            "Times are local to the time zone you choose. Nothing is scheduled until every field "
            "is right.",
            size="Small",
            isSubtle=True,
        ),
    ]
    top = len(body)
    shown: set[str] = set()
    fill = _Filler(values)

    def add(element: Element, *error_names: str) -> None:
        body.append(element)
        for name in error_names:
            if name in errors:
                body.append(_error(errors[name]))
                shown.add(name)

    add(fill.text("title", label="Title", isRequired=True, maxLength=200,
                  errorMessage="Give the event a title."), "title")  # fmt: skip
    add(fill.text("description", label="Description (optional)", isMultiline=True,
                  maxLength=2000), "description")  # fmt: skip
    add(_pair(fill.date("start_date", label="Start date", isRequired=True,
                        errorMessage="Choose the start date."),
              fill.time("start_time", label="Start time", isRequired=True,
                        errorMessage="Choose the start time.")), "start")  # fmt: skip
    add(_pair(fill.date("end_date", label="End date (optional)"),
              fill.time("end_time", label="End time (optional)")), "end")  # fmt: skip
    add(fill.choice("timezone", label="Time zone", choices=_zone_choices(choices),
                    default=choices.default_zone, style="compact"), "timezone")  # fmt: skip
    if choices.fold:
        add(fill.choice("fold", label="That time happens twice that night: which one?",
                        choices=choices.fold, style="expanded"), "fold")  # fmt: skip
    add(fill.text("link", label="Joining link (optional)", style="Url",
                  placeholder="https://…"), "link")  # fmt: skip
    if choices.channels:
        add(fill.choice("channels", label="Post to these Teams channels", multi=True,
                        choices=choices.channels, style="compact"), "channels")  # fmt: skip
    else:
        add(
            text_block(
                "engage is in no Teams channel yet: add the app to a team first, or choose a "
                "sector below.",
                isSubtle=True,
            ),
            "channels",
        )
    if choices.sectors:
        sectors = [(f"sector:{tag}", tag) for tag in choices.sectors]
        add(fill.choice("sector", label="…and every channel of a sector (optional)",
                        choices=sectors, style="compact",
                        placeholder="No sector"), "sector")  # fmt: skip
    add(fill.choice("sections", label="Related sections (optional)", multi=True,
                    choices=choices.sections, style="compact"), "sections")  # fmt: skip
    body.append(text_block("Reminders", weight="Bolder", spacing="Medium"))
    body.append(fill.toggle("remind_1d", title="1 day before it starts"))
    body.append(fill.toggle("remind_1h", title="1 hour before it starts"))
    add(fill.toggle("follow_up", title="A follow-up 1 hour after it ends"), "reminders")
    add(fill.text("message", label="Message to post now (optional)", isMultiline=True,
                  maxLength=MAX_MESSAGE,
                  placeholder="Posted to the chosen channels with the event's time and link."),
        "message")  # fmt: skip
    # Errors about inputs the card does not show (or about the whole form) go at the top.
    unplaced = [_error(message) for name, message in errors.items() if name not in shown]
    if errors:
        check = text_block("Please check the fields marked below.", color="Attention")
        body[top:top] = [check, *unplaced]
    submit = {"type": "Action.Submit", "title": "Schedule", "data": {"engage": ROUTE}}
    return card(body, [submit])


class _Filler:
    """Inputs with their earlier values put back (only values the input can show)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def _input(self, kind: str, name: str, value: str | None, **extra: Any) -> Element:
        element: Element = {"type": kind, "id": PREFIX + name, **extra}
        if value:
            element["value"] = value
        return element

    def text(self, name: str, **extra: Any) -> Element:
        return self._input("Input.Text", name, self._values.get(name), **extra)

    def date(self, name: str, **extra: Any) -> Element:
        value = self._values.get(name, "")
        return self._input("Input.Date", name, value if _is_date(value) else None, **extra)

    def time(self, name: str, **extra: Any) -> Element:
        value = self._values.get(name, "")
        return self._input("Input.Time", name, value[:5] if _is_time(value) else None, **extra)

    def choice(
        self,
        name: str,
        *,
        choices: Sequence[Choice],
        multi: bool = False,
        default: str | None = None,
        **extra: Any,
    ) -> Element:
        offered = {value for value, _ in choices}
        given = self._values.get(name, default) or ""
        kept = ",".join(v for v in given.split(",") if v in offered)
        element = self._input(
            "Input.ChoiceSet",
            name,
            kept,
            choices=[{"title": title, "value": value} for value, title in choices],
            **extra,
        )
        if multi:
            element["isMultiSelect"] = True
        return element

    def toggle(self, name: str, *, title: str) -> Element:
        value = self._values.get(name, "true")
        return {
            "type": "Input.Toggle",
            "id": PREFIX + name,
            "title": title,
            "value": "false" if value == "false" else "true",
            "valueOn": "true",
            "valueOff": "false",
            "wrap": True,
        }


def _pair(left: Element, right: Element) -> Element:
    """A date and a time side by side."""
    return {
        "type": "ColumnSet",
        "columns": [
            {"type": "Column", "width": "stretch", "items": [left]},
            {"type": "Column", "width": "stretch", "items": [right]},
        ],
    }


def _zone_choices(choices: ScheduleChoices) -> list[Choice]:
    zones = list(dict.fromkeys([choices.default_zone, *choices.zones]))
    return [(zone, zone.replace("_", " ")) for zone in zones]


def _error(message: str) -> Element:
    return text_block(message, color="Attention", size="Small", spacing="None")


def _is_date(value: str) -> bool:
    return len(value) == 10 and value[4] == value[7] == "-" and value.replace("-", "").isdigit()


def _is_time(value: str) -> bool:
    parts = value.split(":")
    return len(parts) in (2, 3) and all(len(p) == 2 and p.isdigit() for p in parts)
