"""The organiser's *Schedule an engagement event* form: what it holds, how a POST is read, and
the per-field messages shown next to its controls.

The rules are the core's (`bot.events.validate_event`, run here without storing anything so
every bad field is reported at once); this module only adds what is particular to a web form:
separate date and time inputs, checkboxes for reminders, and the choice between two readings
of a wall time the clocks pass twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from multidict import MultiDictProxy

from adapters.web.formdata import one
from bot.domain import Paper, Platform
from bot.events import DEFAULT_FOLLOW_UP, EventInput, validate_event
from bot.prompt_input import MAX_TEXT
from bot.scheduling_types import SchedulingError

COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Athens",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Africa/Johannesburg",
)
REMINDERS: Mapping[str, tuple[timedelta, str]] = {
    "1d": (timedelta(days=1), "1 day before it starts"),
    "1h": (timedelta(hours=1), "1 hour before it starts"),
}
MAX_SECTOR = 60

# The control each of the core's field names is shown beside (the error summary links there).
ANCHORS: Mapping[str, str] = {
    "title": "event-title",
    "description": "event-description",
    "start": "event-start-date",
    "end": "event-end-date",
    "timezone": "event-timezone",
    "link": "event-link",
    "targets": "event-sector",
    "sections": "event-sections",
    "reminders": "event-reminder-1d",
    "follow_up": "event-reminder-1d",
    "text": "event-message",
    "fold": "event-fold-0",
}
ORDER = tuple(ANCHORS)


@dataclass(frozen=True, kw_only=True)
class EventForm:
    """The values of the form, as typed (kept when the page is shown again)."""

    timezone: str
    title: str = ""
    description: str = ""
    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    link: str = ""
    channels: tuple[str, ...] = ()
    sector: str = ""
    sections: tuple[str, ...] = ()
    reminders: tuple[str, ...] = tuple(REMINDERS)
    follow_up: bool = True
    message: str = ""
    fold: str = ""

    @classmethod
    def read(cls, form: MultiDictProxy[str]) -> EventForm:
        """The values of a POSTed form; a repeated single field is a 400."""

        def single(name: str) -> str:
            return (one(form, name, required=False) or "").strip()

        fold = single("fold")
        if fold not in ("", "0", "1"):
            raise web.HTTPBadRequest(text="The field 'fold' must be 0 or 1. Reload the page.")
        return cls(
            title=single("title"),
            description=single("description").replace("\r\n", "\n"),
            start_date=single("start_date"),
            start_time=single("start_time"),
            end_date=single("end_date"),
            end_time=single("end_time"),
            timezone=single("timezone"),
            link=single("link"),
            channels=tuple(dict.fromkeys(form.getall("channel", []))),
            sector=single("sector"),
            sections=tuple(dict.fromkeys(form.getall("section", []))),
            reminders=tuple(dict.fromkeys(form.getall("reminder", []))),
            follow_up=single("follow_up") == "yes",
            message=single("message").replace("\r\n", "\n"),
            fold=fold,
        )

    @property
    def start_text(self) -> str:
        """The start as the core reads it: `2026-03-10 14:00`, a wall time in the zone."""
        return f"{self.start_date} {self.start_time}".strip()

    @property
    def end_text(self) -> str | None:
        """The end, on the start's date when only a time is given; None for no end."""
        day = self.end_date or self.start_date
        if (not self.end_time and not self.end_date) or not day:
            return None  # no end; or no date at all, which the start's message covers
        return f"{day} {self.end_time}".strip()

    @property
    def sector_target(self) -> str | None:
        """`sector:<tag>` from the sector box (with or without the prefix typed)."""
        tag = self.sector.removeprefix("sector:").strip().lower()
        return f"sector:{tag}" if tag else None

    @property
    def targets(self) -> tuple[str, ...]:
        """The core's target words: `web/<slug>` per ticked channel, and the sector."""
        chosen = [f"{Platform.WEB.value}/{slug}" for slug in self.channels]
        if self.sector_target:
            chosen.append(self.sector_target)
        return tuple(chosen)

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        """The ticked reminders as durations before the start."""
        return tuple(REMINDERS[r][0] for r in self.reminders if r in REMINDERS)

    @property
    def follow_up_offset(self) -> timedelta | None:
        """The follow-up after the end, if ticked."""
        return DEFAULT_FOLLOW_UP if self.follow_up else None

    @property
    def fold_value(self) -> int | None:
        """Which reading of a repeated wall time was chosen, if any."""
        return int(self.fold) if self.fold else None

    def as_input(self) -> EventInput:
        """The event as the core's validation takes it."""
        return EventInput(
            title=self.title,
            start=self.start_text,
            end=self.end_text,
            timezone=self.timezone,
            targets=self.targets,
            sections=self.sections,
            description=self.description,
            link=self.link,
            fold=self.fold_value,
            reminders=self.reminder_offsets,
            follow_up=self.follow_up_offset,
        )


@dataclass(frozen=True, kw_only=True)
class EventFormState:
    """The form as the page shows it: values, an error per field, and whether to ask which
    reading of a repeated wall time is meant."""

    form: EventForm
    errors: Mapping[str, str] = field(default_factory=dict)
    ask_fold: bool = False

    def ordered_errors(self) -> list[tuple[str, str]]:
        """(anchor id, message) in the order the fields appear, for the error summary."""
        known = [(ANCHORS[n], self.errors[n]) for n in ORDER if n in self.errors]
        other = [("schedule-heading", m) for n, m in self.errors.items() if n not in ANCHORS]
        return known + other


def check(form: EventForm, *, now: datetime, default_zone: str, paper: Paper) -> EventFormState:
    """Every problem with the form at once (nothing is stored)."""
    errors: dict[str, str] = {}
    _require_time(errors, "start", form.start_date, form.start_time, what="starts")
    if form.end_date and not form.end_time:
        errors["end"] = "Enter the time the event ends, or clear the end date."
    if not form.targets:
        errors["targets"] = "Tick at least one channel, or give a sector tag."
    if any(r not in REMINDERS for r in form.reminders):
        errors["reminders"] = "Choose reminders from the list."
    if len(form.sector) > MAX_SECTOR:
        errors["targets"] = f"Keep the sector tag under {MAX_SECTOR} characters."
    if len(form.message) > MAX_TEXT:
        errors["text"] = f"Keep the message under {MAX_TEXT} characters."
    try:
        validate_event(
            form.as_input(),
            now=now,
            default_zone=default_zone,
            paper=paper,
            require_future=True,
        )
    except SchedulingError as error:
        for name, message in error.errors.items():
            errors.setdefault(name, _sentence(message))
    ask_fold = False
    for name, text in (("start", form.start_text), ("end", form.end_text)):
        if name in errors and text and form.fold_value is None:
            repeated = _repeated_wall_time(text, form.timezone)
            if repeated is not None:
                errors[name] = repeated
                ask_fold = True
    return EventFormState(form=form, errors=errors, ask_fold=ask_fold)


def zone_choices(default: str, chosen: str) -> tuple[str, ...]:
    """The zones to offer: the common ones, plus the default and the chosen one if missing."""
    extra = [z for z in dict.fromkeys((default, chosen)) if z and z not in COMMON_ZONES]
    return (*extra, *COMMON_ZONES)


def _require_time(errors: dict[str, str], name: str, day: str, time: str, *, what: str) -> None:
    if not day and not time:
        errors[name] = f"Enter the date and time the event {what}."
    elif not day:
        errors[name] = f"Enter the date the event {what}."
    elif not time:
        errors[name] = f"Enter the time the event {what}."


def _repeated_wall_time(text: str, zone_name: str) -> str | None:
    """A message for a wall time that occurs twice in the zone (the clocks go back), asking
    for the form's choice instead of the core's `fold=` wording; None for any other time."""
    try:
        naive = datetime.fromisoformat(text)
        tz = ZoneInfo(zone_name)
    except (ValueError, ZoneInfoNotFoundError):
        return None
    if naive.tzinfo is not None:
        return None
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    if first.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) != naive:
        return None  # skipped by the clocks going forward: the core's message says so
    return (
        f"{naive:%H:%M} happens twice in {tz.key} on {naive.day} {naive:%B %Y}, because the "
        "clocks go back that night. Choose which one you mean below."
    )


def _sentence(message: str) -> str:
    """The core's messages start in lower case (they follow a field name); a form shows them
    on their own."""
    return message[:1].upper() + message[1:] if message else message
