"""Dialog (task module) cards: the feedback form, the reply box, and the error card.

Input ids carry a prefix so a form field can never overwrite the `engage` routing data Teams
merges the inputs into on submit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.teams.cards import Card, Element, card, text_block
from bot.domain import FeedbackForm, FieldKind, FormField

INPUT_PREFIX = "in_"
REPLY_INPUT = f"{INPUT_PREFIX}reply"
MAX_REPLY_CHARS = 4000
EMAIL_REGEX = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def routing(*, action: str, post_id: int, channel: str, message: str) -> dict[str, Any]:
    """What a dialog's submit button sends back besides the inputs: which post, in which
    channel, under which message the dialog was opened."""
    return {"engage": {"action": action, "postId": post_id, "channel": channel, "message": message}}


def feedback_card(
    form: FeedbackForm,
    *,
    route: Mapping[str, Any],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """The section's form: the consent notice first (when the core gives one: before a
    member's first feedback), one input per field, its error (if any) in attention colour
    under it, and the member's earlier input filled back in."""
    values = values or {}
    errors = errors or {}
    body: list[Element] = []
    if form.notice is not None:
        body.append(text_block(form.notice, isSubtle=True))
    body.append(text_block(f"Feedback on: {form.section_title}", size="Medium", weight="Bolder"))
    if errors:
        body.append(text_block("Please check the fields marked below.", color="Attention"))
    for field in form.form.fields:
        body.append(_input(field, values.get(field.name)))
        if field.name in errors:
            body.append(
                text_block(errors[field.name], color="Attention", size="Small", spacing="None")
            )
    submit = {"type": "Action.Submit", "title": "Send feedback", "data": dict(route)}
    return card(body, [submit])


def _input(field: FormField, value: str | None) -> Element:
    element: Element
    if field.kind is FieldKind.SELECT:
        element = {
            "type": "Input.ChoiceSet",
            "style": "compact",
            "choices": [{"title": option, "value": option} for option in field.options],
        }
    else:
        element = {"type": "Input.Text"}
        if field.kind is FieldKind.TEXTAREA:
            element["isMultiline"] = True
        if field.kind is FieldKind.EMAIL:
            element["style"] = "Email"
        if field.max_length is not None:
            element["maxLength"] = field.max_length
        regex = _regex(field)
        if regex is not None:
            element["regex"] = regex
    element.update(id=INPUT_PREFIX + field.name, label=field.label, isRequired=field.required)
    element["errorMessage"] = _error_message(field)
    if field.placeholder:
        element["placeholder"] = field.placeholder
    if value:
        element["value"] = value
    return element


def _regex(field: FormField) -> str | None:
    """Adaptive Cards' Input.Text has no minLength: a regex checks it on the client (the server
    validates again). An optional field may stay empty."""
    if field.kind is FieldKind.EMAIL:
        pattern = EMAIL_REGEX
    elif field.min_length:
        upper = "" if field.max_length is None else str(field.max_length)
        pattern = rf"^[\s\S]{{{field.min_length},{upper}}}$"
    else:
        return None
    return pattern if field.required else f"^$|{pattern}"


def _error_message(field: FormField) -> str:
    if field.kind is FieldKind.EMAIL:
        return "Enter an email address like name@example.org."
    if field.min_length:
        return f"Enter at least {field.min_length} characters."
    return "This field is required." if field.required else "Check this field."


def reply_card(
    *, section_title: str, route: Mapping[str, Any], intro: str, error: str | None = None
) -> Card:
    """A box for a reply that reaches the organisers without the channel-message permission."""
    body: list[Element] = [
        text_block(f"Reply to: {section_title}", size="Medium", weight="Bolder"),
        text_block(
            "Your reply is recorded for the organisers. To discuss it with others, reply in the "
            "section's thread instead.",
            size="Small",
            isSubtle=True,
        ),
        text_block(intro, size="Small", isSubtle=True),
        {
            "type": "Input.Text",
            "id": REPLY_INPUT,
            "label": "Your reply",
            "isMultiline": True,
            "isRequired": True,
            "maxLength": MAX_REPLY_CHARS,
            "errorMessage": "Write something before sending.",
        },
    ]
    if error:
        body.append(text_block(error, color="Attention", size="Small", spacing="None"))
    return card(body, [{"type": "Action.Submit", "title": "Send reply", "data": dict(route)}])


def error_card(message: str) -> Card:
    """A dialog that explains what went wrong and what to do instead."""
    return card(
        [
            text_block("Sorry, that did not work", size="Medium", weight="Bolder"),
            text_block(message, color="Attention"),
        ]
    )


def submitted_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The inputs of a submitted dialog, by field name, as text."""
    values: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(key, str) and key.startswith(INPUT_PREFIX):
            values[key.removeprefix(INPUT_PREFIX)] = (
                value if isinstance(value, str) else json.dumps(value)
            )
    return values
