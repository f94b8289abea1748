"""The schedule modal within Block Kit's limits, and a submission read back into plain values."""

from __future__ import annotations

from datetime import timedelta

from adapters.slack.schedule_form import (
    ScheduleContext,
    field_errors,
    read_values,
    schedule_modal,
)
from bot.domain import FormSpec, Paper, Section
from bot.events import DEFAULT_FOLLOW_UP
from tests.fakes.slack_blockkit import view_problems
from tests.slack.schedule_state import schedule_state

CONTEXT = ScheduleContext(team_id="T1", channel_id="C1")


def _paper(sections: int, *, title: str = "Section") -> Paper:
    return Paper(
        id="p",
        title="P",
        version="v",
        sections=tuple(
            Section(
                id=f"s{n}",
                ordinal=n,
                title=f"{title} {n}",
                anchor=None,
                blocks=(),
                footnotes=(),
                form=FormSpec(fields=()),
                version="v",
            )
            for n in range(1, sections + 1)
        ),
    )


def test_a_paper_of_many_long_titled_sections_still_makes_a_valid_modal() -> None:
    paper = _paper(150, title="A section title that goes on and on about the network " * 3)
    view = schedule_modal(paper=paper, context=CONTEXT, default_zone="Europe/London").to_dict()
    assert view_problems(view) == []
    (sections,) = [b for b in view["blocks"] if b.get("block_id") == "sections"]
    options = sections["element"]["options"]
    assert len(options) == 100
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    assert options[0]["value"] == "1"


def test_a_paper_without_sections_has_no_sections_field() -> None:
    view = schedule_modal(paper=_paper(0), context=CONTEXT, default_zone="UTC").to_dict()
    assert view_problems(view) == []
    assert "sections" not in {b.get("block_id") for b in view["blocks"]}


def test_the_configured_zone_is_offered_first_and_chosen() -> None:
    view = schedule_modal(paper=_paper(2), context=CONTEXT, default_zone="Asia/Kathmandu")
    (zone,) = [b for b in view.to_dict()["blocks"] if b.get("block_id") == "timezone"]
    assert zone["element"]["initial_option"]["value"] == "Asia/Kathmandu"
    assert zone["element"]["options"][0]["value"] == "Asia/Kathmandu"


def test_a_submission_reads_back_as_local_times_targets_and_prompts() -> None:
    values = read_values(
        schedule_state(
            channels=("C1", "C2", "C1"),
            sector=" sector:LA ",
            sections=("2", "3"),
            prompts=("hour_before", "follow_up"),
        )
    )
    assert values.errors == {}
    assert (values.start, values.end, values.timezone) == (
        "2026-03-10 14:00",
        "2026-03-10 15:00",
        "Europe/London",
    )
    assert values.channels == ("C1", "C2")
    assert values.sector == "la"
    assert values.sections == ("2", "3")
    assert values.reminders == (timedelta(hours=1),)
    assert values.follow_up == DEFAULT_FOLLOW_UP


def test_an_end_on_another_day_uses_the_end_date() -> None:
    values = read_values(schedule_state(end_date="2026-03-11", end_time="09:30"))
    assert values.end == "2026-03-11 09:30"


def test_no_end_makes_a_moment_and_no_prompts_ticked_means_none() -> None:
    values = read_values(schedule_state(end_time=None, prompts=()))
    assert values.end is None
    assert (values.reminders, values.follow_up) == ((), None)


def test_an_empty_state_names_the_missing_date_and_time() -> None:
    values = read_values({})
    assert set(values.errors) == {"start_date", "start_time"}
    assert values.title == ""


def test_service_errors_land_on_the_blocks_that_show_them() -> None:
    shown = field_errors(
        {"end": "the end is before the start.", "targets": "no channel", "ics": "bad file"}
    )
    assert shown == {
        "end_time": "the end is before the start.",
        "channels": "no channel",
        "title": "ics: bad file",
    }


def test_the_context_survives_private_metadata_and_foreign_metadata_does_not() -> None:
    assert ScheduleContext.loads(CONTEXT.dumps()) == CONTEXT
    assert ScheduleContext.loads('{"t": "T1"}') is None
    assert ScheduleContext.loads("<script>") is None
