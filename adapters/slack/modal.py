"""A section's feedback form as a Slack modal, and a submitted modal's values back.

Select options are sent with their position as the value (Slack caps option text at 75
characters and values at 150), so a long option is shown shortened and still maps back to the
full text the form defines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    EmailInputElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from adapters.slack.mrkdwn import escape
from bot.domain import FeedbackForm, FieldKind, FormField, FormSpec

CALLBACK_ID = "engage_feedback"
NOTICE_BLOCK = "engage_notice"
ACTION_ID = "value"
MAX_MODAL_BLOCKS = 100
MAX_OPTIONS = 100
OPTION_TEXT = 75
PLACEHOLDER = 150
INPUT_MAX = 3000


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
    room = MAX_MODAL_BLOCKS - len(intro)
    inputs = [_input(i, f) for i, f in enumerate(form.form.fields[:room])]
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


def block_id(index: int, spec: FormField) -> str:
    """The input block's id: the field name, or its position when the name is too long."""
    return spec.name if 0 < len(spec.name) <= 255 else f"field-{index}"


def _input(index: int, spec: FormField) -> InputBlock:
    placeholder = _clip(spec.placeholder, PLACEHOLDER) if spec.placeholder else None
    element: Any
    if spec.kind is FieldKind.SELECT:
        element = StaticSelectElement(
            action_id=ACTION_ID,
            placeholder=placeholder or "Choose one",
            options=[
                Option(text=_clip(text, OPTION_TEXT), value=str(i))
                for i, text in enumerate(spec.options[:MAX_OPTIONS])
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
        block_id=block_id(index, spec),
        label=_clip(spec.label or spec.name, 2000),
        element=element,
        optional=not spec.required,
    )


def submitted_values(form: FormSpec, state: Mapping[str, Any]) -> dict[str, object]:
    """Field name -> what the member entered ("" when left empty), from `view.state.values`."""
    values: dict[str, object] = {}
    for index, spec in enumerate(form.fields):
        entry = state.get(block_id(index, spec), {})
        entry = entry.get(ACTION_ID, {}) if isinstance(entry, Mapping) else {}
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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
