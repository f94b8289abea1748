"""A section's feedback form as a Slack modal, and a submitted modal's values back.

Select options are sent with their position as the value (Slack caps option text at 75
characters and values at 150), so a long option is shown shortened and still maps back to the
full text the form defines. A select of more than 100 options (static_select's limit) becomes an
external_select whose options engage serves as the member types (`option_answer`). A form with
more fields than a modal holds shows every required field and as many optional ones as fit
(`shown_fields`); the optional ones left out are submitted empty, which the validator accepts.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    EmailInputElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from adapters.slack.mrkdwn import escape
from bot.domain import FeedbackForm, FieldKind, FormField, FormSpec
from bot.quote import QUOTE_FIELD

CALLBACK_ID = "engage_feedback"
# Block ids engage makes up start with this; a field name that does too is not used as an id,
# so no field can take the id of the notice or of another field (see `block_ids`).
OWN_ID = "#"
NOTICE_BLOCK = OWN_ID + "notice"
ACTION_ID = "value"
SEARCH_ACTION_ID = "engage_feedback_search"
"""The action id of a select whose options engage serves (`block_suggestion` requests)."""
MAX_MODAL_BLOCKS = 100
FIELD_ROOM = MAX_MODAL_BLOCKS - 2
"""Fields a modal shows: room is kept for the heading and the consent notice even when the
notice is not shown, so a form shows the same fields to every member."""
MAX_OPTIONS = 100
OPTION_TEXT = 75
PLACEHOLDER = 150
INPUT_MAX = 3000
BLOCK_ID = 255
QUERY = 200


@dataclass(frozen=True, kw_only=True)
class ModalContext:
    """Where the form was opened from, carried in the modal's private_metadata."""

    team_id: str
    channel_id: str
    message_id: str
    post_id: int

    def dumps(self) -> str:
        return json.dumps(
            {"t": self.team_id, "c": self.channel_id, "m": self.message_id, "p": self.post_id},
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str) -> ModalContext | None:
        """The context, or None for metadata engage did not write."""
        try:
            data = json.loads(text)
            return cls(
                team_id=str(data["t"]),
                channel_id=str(data["c"]),
                message_id=str(data["m"]),
                post_id=int(data["p"]),
            )
        except (ValueError, TypeError, KeyError):
            return None


def feedback_modal(form: FeedbackForm, *, context: ModalContext) -> View:
    """The modal for a section's form; the consent notice, when the core gives one (a member's
    first feedback), is shown above the fields."""
    heading = _clip(f"Feedback on *{escape(form.section_title)}*", 3000)
    intro: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading))]
    if form.notice is not None and form.notice.strip():
        intro.append(
            SectionBlock(block_id=NOTICE_BLOCK, text=PlainTextObject(text=_clip(form.notice, 3000)))
        )
    fields, ids = form.form.fields, block_ids(form.form)
    inputs = [_input(fields[i], block_id=ids[i]) for i in shown_fields(form.form)]
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title="Feedback",
        submit="Send",
        close="Cancel",
        private_metadata=context.dumps(),
        blocks=[*intro, *inputs],
    )
    view.to_dict()  # raises SlackObjectFormationError if a limit is broken
    return view


def block_ids(form: FormSpec) -> list[str]:
    """Each field's input block id, in the form's order: the field's name, or `#<position>` for
    a name Slack cannot take (empty, over 255 characters), one starting with `#`, or a repeat.

    Unique by construction (names used are distinct and never start with `#`; positions are
    distinct) and the same every time for one form, which errors are keyed by."""
    ids: list[str] = []
    names: set[str] = set()
    for index, spec in enumerate(form.fields):
        name = spec.name
        usable = 0 < len(name) <= BLOCK_ID and not name.startswith(OWN_ID) and name not in names
        ids.append(name if usable else f"{OWN_ID}{index}")
        names.add(name)
    return ids


def shown_fields(form: FormSpec) -> list[int]:
    """Positions of the fields the modal shows, in the form's order: all of them when they fit,
    else the required fields, then the quote choice (the member's say in how they are quoted),
    then optional fields in order, up to FIELD_ROOM."""
    fields = form.fields
    if len(fields) <= FIELD_ROOM:
        return list(range(len(fields)))
    ranked = sorted(
        range(len(fields)),
        key=lambda i: (not fields[i].required, fields[i].name != QUOTE_FIELD.name, i),
    )
    return sorted(ranked[:FIELD_ROOM])


def left_out_warning(form: FeedbackForm) -> str | None:
    """What an organiser should read about the fields the modal leaves out, or None if it shows
    them all."""
    shown = set(shown_fields(form.form))
    left = [spec for i, spec in enumerate(form.form.fields) if i not in shown]
    if not left:
        return None
    names = ", ".join(repr(_clip(spec.name, 40)) for spec in left[:10])
    more = f" and {len(left) - 10} more" if len(left) > 10 else ""
    required = sum(spec.required for spec in left)
    outcome = (
        f"{required} of them are required, so members cannot send this form from Slack"
        if required
        else "their answers are left empty"
    )
    return (
        f"the feedback form of section {form.section_title!r} has {len(form.form.fields)} "
        f"fields but a Slack modal holds {MAX_MODAL_BLOCKS} blocks ({FIELD_ROOM} fields besides "
        f"the heading and consent notice), so {len(left)} fields are not shown in Slack: "
        f"{names}{more}; {outcome}. To show them all, give the form at most {FIELD_ROOM} fields"
    )


def _input(spec: FormField, *, block_id: str) -> InputBlock:
    placeholder = _clip(spec.placeholder, PLACEHOLDER) if spec.placeholder else None
    element: Any
    if _searched(spec):
        element = ExternalDataSelectElement(
            action_id=SEARCH_ACTION_ID,
            placeholder=placeholder or f"Type to search {len(spec.options)} choices",
            min_query_length=0,  # the first choices show as soon as the menu opens
        )
    elif spec.kind is FieldKind.SELECT:
        element = StaticSelectElement(
            action_id=ACTION_ID,
            placeholder=placeholder or "Choose one",
            options=[
                Option(text=_clip(text, OPTION_TEXT), value=str(i))
                for i, text in enumerate(spec.options)
            ],
        )
    elif spec.kind is FieldKind.EMAIL:
        element = EmailInputElement(action_id=ACTION_ID, placeholder=placeholder)
    else:
        element = PlainTextInputElement(
            action_id=ACTION_ID,
            placeholder=placeholder,
            multiline=spec.kind is FieldKind.TEXTAREA,
            min_length=min(spec.min_length, INPUT_MAX) if spec.min_length else None,
            max_length=min(spec.max_length, INPUT_MAX) if spec.max_length else None,
        )
    return InputBlock(
        block_id=block_id,
        label=_clip(spec.label or spec.name, 2000),
        element=element,
        optional=not spec.required,
    )


def _searched(spec: FormField) -> bool:
    """Whether the field is a select with more options than a static_select takes."""
    return spec.kind is FieldKind.SELECT and len(spec.options) > MAX_OPTIONS


def _action_id(spec: FormField) -> str:
    return SEARCH_ACTION_ID if _searched(spec) else ACTION_ID


def option_answer(form: FormSpec, *, block_id: str, typed: str) -> dict[str, Any]:
    """The answer to Slack's request for the options of the select in block `block_id`: those
    containing every word the member typed (case-insensitive), in the form's order, at most 100;
    when more match, they come in a group whose label says to type more. Keyword arguments for
    Bolt's `ack`."""
    spec = dict(zip(block_ids(form), form.fields, strict=True)).get(block_id)
    if spec is None or spec.kind is not FieldKind.SELECT:
        return {"options": []}
    words = _fold(typed[:QUERY]).split()
    matches = [i for i, text in enumerate(spec.options) if all(w in _fold(text) for w in words)]
    options = [
        Option(text=_clip(spec.options[i], OPTION_TEXT), value=str(i))
        for i in matches[:MAX_OPTIONS]
    ]
    if len(matches) <= MAX_OPTIONS:
        return {"options": options}
    # Slack has no "more results" marker: the group's label is where the member learns of them.
    label = f"First {MAX_OPTIONS} of {len(matches)}: type to narrow the list"
    return {"option_groups": [OptionGroup(label=label, options=options)]}


def submitted_values(form: FormSpec, state: Mapping[str, Any]) -> dict[str, object]:
    """Field name -> what the member entered ("" when left empty), from `view.state.values`."""
    values: dict[str, object] = {}
    for spec, block in zip(form.fields, block_ids(form), strict=True):
        # A field the modal did not show has no block: it is submitted empty.
        entry = state.get(block, {})
        entry = entry.get(_action_id(spec), {}) if isinstance(entry, Mapping) else {}
        if not isinstance(entry, Mapping):
            entry = {}
        if spec.kind is FieldKind.SELECT:
            values[spec.name] = _option(spec, entry.get("selected_option"))
        else:
            values[spec.name] = entry.get("value") or ""
    return values


def _option(spec: FormField, selected: object) -> object:
    if not isinstance(selected, Mapping):
        return ""
    value = str(selected.get("value", ""))
    if value.isdigit() and int(value) < len(spec.options):
        return spec.options[int(value)]
    return value  # not one of ours: the validator refuses it


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
