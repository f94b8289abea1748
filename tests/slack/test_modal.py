"""The feedback modal's limits: long options, long titles, many options, many fields, block ids
that cannot clash, values mapped back."""

from __future__ import annotations

from typing import Any

from adapters.slack.modal import NOTICE_BLOCK, ModalContext, feedback_modal, submitted_values
from bot.domain import FeedbackForm, FieldKind, FormField, FormSpec
from bot.quote import QUOTE_FIELD, with_quote_field
from tests.fakes.slack_blockkit import view_problems

LONG_OPTION = (
    "An option whose wording runs on well past what a Slack menu can show in one line " * 2
)
CONTEXT = ModalContext(team_id="T1", channel_id="C1", message_id="1.2", post_id=3)


def _form(*fields: FormField, notice: str | None = None) -> FeedbackForm:
    return FeedbackForm(
        post_id=3,
        section_id="s",
        section_title="S" * 400,
        form=FormSpec(fields=fields),
        notice=notice,
    )


def test_long_options_are_shortened_for_display_and_mapped_back_in_full() -> None:
    spec = FormField(
        name="pick", kind=FieldKind.SELECT, label="Pick", options=("Short", LONG_OPTION)
    )
    view = feedback_modal(_form(spec), context=CONTEXT).to_dict()
    assert view_problems(view) == []
    options = view["blocks"][-1]["element"]["options"]
    assert len(options[1]["text"]["text"]) <= 75
    assert options[1]["text"]["text"].endswith("…")
    state = {"pick": {"value": {"type": "static_select", "selected_option": options[1]}}}
    assert submitted_values(_form(spec).form, state) == {"pick": LONG_OPTION}


def test_a_select_of_more_than_a_hundred_options_becomes_a_menu_the_app_fills() -> None:
    options = tuple(f"o{i}" for i in range(150))
    spec = FormField(name="n", kind=FieldKind.SELECT, label="N", required=True, options=options)
    view = feedback_modal(_form(spec), context=CONTEXT).to_dict()
    block = view["blocks"][-1]
    element = block["element"]
    # Slack asks engage for the choices as the member types (block_suggestion): none is lost.
    assert element["type"] == "external_select"
    assert "options" not in element
    assert element["min_query_length"] == 0  # the first choices show before any typing
    assert block.get("optional", False) is False
    chosen = {"text": {"type": "plain_text", "text": "o149"}, "value": "149"}
    state = {block["block_id"]: {element["action_id"]: {"selected_option": chosen}}}
    assert submitted_values(_form(spec).form, state) == {"n": "o149"}


def test_text_limits_beyond_slacks_are_capped_and_optional_fields_marked() -> None:
    spec = FormField(name="t", kind=FieldKind.TEXTAREA, label="T", min_length=5, max_length=10_000)
    view = feedback_modal(_form(spec), context=CONTEXT).to_dict()
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


NOTICE = "What you send is stored and may be quoted <!channel> as you choose below."
TEXT_FIELD = FormField(name="t", kind=FieldKind.TEXT, label="T")


def test_a_consent_notice_is_shown_above_every_field() -> None:
    view = feedback_modal(_form(TEXT_FIELD, notice=NOTICE), context=CONTEXT).to_dict()
    assert view_problems(view) == []
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.index(NOTICE_BLOCK) < ids.index("t")
    (notice,) = [b for b in view["blocks"] if b.get("block_id") == NOTICE_BLOCK]
    # Plain text: the notice is shown as written and cannot ping anyone.
    assert (notice["text"]["type"], notice["text"]["text"]) == ("plain_text", NOTICE)


def test_no_notice_block_when_the_member_has_seen_it() -> None:
    view = feedback_modal(_form(TEXT_FIELD), context=CONTEXT).to_dict()
    assert NOTICE_BLOCK not in {b.get("block_id") for b in view["blocks"]}


def test_the_quote_choice_is_a_select_and_maps_back_to_its_answer() -> None:
    form = _form(TEXT_FIELD)
    quoted = FeedbackForm(
        post_id=3, section_id="s", section_title="S", form=with_quote_field(form.form)
    )
    view = feedback_modal(quoted, context=CONTEXT).to_dict()
    assert view_problems(view) == []
    last = view["blocks"][-1]
    assert (last["block_id"], last["element"]["type"], last["optional"]) == (
        "quote",
        "static_select",
        True,
    )
    second = last["element"]["options"][1]
    state = {"quote": {"value": {"type": "static_select", "selected_option": second}}}
    assert submitted_values(quoted.form, state)["quote"] == QUOTE_FIELD.options[1]


def _ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def test_a_long_field_name_and_a_field_named_like_its_fallback_get_distinct_block_ids() -> None:
    long_name = "n" * 300
    form = FormSpec(
        fields=(
            FormField(name=long_name, kind=FieldKind.TEXT, label="Long"),
            *(FormField(name=f"field-{i}", kind=FieldKind.TEXT, label=f"F{i}") for i in range(3)),
        )
    )
    shown = FeedbackForm(post_id=3, section_id="s", section_title="S", form=form)
    view = feedback_modal(shown, context=CONTEXT).to_dict()
    assert view_problems(view) == []
    ids = _ids(view)
    assert len(set(ids)) == len(form.fields)
    # Stable: errors are keyed by these ids, so a second rendering must agree with the first.
    assert _ids(feedback_modal(shown, context=CONTEXT).to_dict()) == ids
    state = {
        i: {"value": {"type": "plain_text_input", "value": f"v{n}"}} for n, i in enumerate(ids)
    }
    assert submitted_values(form, state) == {
        long_name: "v0",
        "field-0": "v1",
        "field-1": "v2",
        "field-2": "v3",
    }


def test_a_field_named_like_the_notice_block_does_not_clash_with_the_notice() -> None:
    spec = FormField(name=NOTICE_BLOCK, kind=FieldKind.TEXT, label="Notice?")
    view = feedback_modal(_form(spec, notice=NOTICE), context=CONTEXT).to_dict()
    assert view_problems(view) == []
    (field,) = _ids(view)
    state = {field: {"value": {"type": "plain_text_input", "value": "yes"}}}
    assert submitted_values(_form(spec).form, state) == {NOTICE_BLOCK: "yes"}


def test_a_form_longer_than_a_modal_shows_every_required_field_and_the_quote_choice() -> None:
    fields = [FormField(name=f"f{i}", kind=FieldKind.TEXT, label=f"F{i}") for i in range(150)]
    for late in (120, 148):
        fields[late] = FormField(name=f"f{late}", kind=FieldKind.TEXT, label="L", required=True)
    form = _form(*fields, notice=NOTICE)
    quoted = FeedbackForm(
        post_id=3,
        section_id="s",
        section_title="S",
        form=with_quote_field(form.form),
        notice=NOTICE,
    )
    view = feedback_modal(quoted, context=CONTEXT).to_dict()
    assert view_problems(view) == []
    ids = _ids(view)
    assert {"f120", "f148", QUOTE_FIELD.name} <= set(ids)
    assert ids[-1] == QUOTE_FIELD.name  # still in the form's order
    numbered = [int(i[1:]) for i in ids[:-1]]
    assert numbered == sorted(numbered)
