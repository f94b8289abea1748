"""The feedback modal's limits: long options, long titles, values mapped back."""

from __future__ import annotations

from adapters.slack.modal import ModalContext, feedback_modal, submitted_values
from bot.domain import FeedbackForm, FieldKind, FormField, FormSpec
from tests.fakes.slack_blockkit import view_problems

LONG_OPTION = (
    "An option whose wording runs on well past what a Slack menu can show in one line " * 2
)
CONTEXT = ModalContext(team_id="T1", channel_id="C1", message_id="1.2", post_id=3)


def _form(*fields: FormField) -> FeedbackForm:
    return FeedbackForm(
        post_id=3, section_id="s", section_title="S" * 400, form=FormSpec(fields=fields)
    )


def test_long_options_are_shortened_for_display_and_mapped_back_in_full() -> None:
    spec = FormField(
        name="pick", kind=FieldKind.SELECT, label="Pick", options=("Short", LONG_OPTION)
    )
    view = feedback_modal(_form(spec), context=CONTEXT, notice="We keep what you send.").to_dict()
    assert view_problems(view) == []
    options = view["blocks"][-1]["element"]["options"]
    assert len(options[1]["text"]["text"]) <= 75
    assert options[1]["text"]["text"].endswith("…")
    state = {"pick": {"value": {"type": "static_select", "selected_option": options[1]}}}
    assert submitted_values(_form(spec).form, state) == {"pick": LONG_OPTION}


def test_a_select_of_more_than_a_hundred_options_shows_the_first_hundred() -> None:
    spec = FormField(
        name="n", kind=FieldKind.SELECT, label="N", options=tuple(f"o{i}" for i in range(150))
    )
    view = feedback_modal(_form(spec), context=CONTEXT, notice="n").to_dict()
    assert view_problems(view) == []
    assert len(view["blocks"][-1]["element"]["options"]) == 100


def test_text_limits_beyond_slacks_are_capped_and_optional_fields_marked() -> None:
    spec = FormField(name="t", kind=FieldKind.TEXTAREA, label="T", min_length=5, max_length=10_000)
    view = feedback_modal(_form(spec), context=CONTEXT, notice="n").to_dict()
    element = view["blocks"][-1]["element"]
    assert (element["min_length"], element["max_length"], element["multiline"]) == (5, 3000, True)
    assert view["blocks"][-1]["optional"] is True
    assert len(view["title"]["text"]) <= 24


def test_an_unknown_option_value_is_passed_on_for_the_validator_to_refuse() -> None:
    spec = FormField(name="pick", kind=FieldKind.SELECT, label="Pick", options=("a",))
    state = {"pick": {"value": {"type": "static_select", "selected_option": {"value": "77"}}}}
    assert submitted_values(_form(spec).form, state) == {"pick": "77"}


def test_the_context_survives_private_metadata_and_foreign_metadata_does_not() -> None:
    assert ModalContext.loads(CONTEXT.dumps()) == CONTEXT
    assert ModalContext.loads('{"t": "T1"}') is None
    assert ModalContext.loads("<script>") is None
