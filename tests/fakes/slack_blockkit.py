"""Block Kit limits as Slack enforces them, written from Slack's reference independently of
slack_sdk's model checks (so the fake catches what the SDK lets through, such as a message of
more than 50 blocks)."""

from __future__ import annotations

import re
from typing import Any

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BLOCK_ID = 255
ACTION_ID = 255
MODAL_TEXT = 24
PRIVATE_METADATA = 3000
OPTIONS = 100
CHECKBOXES = 10
OPTION_TEXT = 75
OPTION_VALUE = 150
INPUT_LENGTH = 3000
PLACEHOLDER = 150
LABEL = 2000
# Not in Slack's reference: `msg_blocks_too_long` has no published threshold. Reports put it at
# about 12,000 characters of text across a message's blocks ("12,000 text characters with a
# buffer for block containers", a Slack maintainer in slackapi/bolt-js#2867; rejections at
# ~11,300 and ~13,200 characters in #2867 and #2509), so the fake refuses past 11,000.
MESSAGE_BLOCK_TEXT = 11_000


def message_problems(blocks: list[dict[str, Any]]) -> list[str]:
    """Why Slack would refuse these message blocks (empty when it would not)."""
    problems = []
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"no more than {MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]")
    problems += _common(blocks, allowed={"section", "header", "context", "actions", "divider"})
    return problems


def block_text_length(blocks: list[dict[str, Any]]) -> int:
    """Characters of text in the blocks (every `text` string, however deep)."""

    def count(node: Any) -> int:
        if isinstance(node, dict):
            own = len(node["text"]) if isinstance(node.get("text"), str) else 0
            return own + sum(count(value) for value in node.values())
        if isinstance(node, list):
            return sum(count(item) for item in node)
        return 0

    return count(blocks)


def view_problems(view: dict[str, Any]) -> list[str]:
    """Why Slack would refuse this modal in views.open."""
    problems = []
    if view.get("type") != "modal":
        problems.append("view type must be modal")
    for key in ("title", "submit", "close"):
        text = _text(view.get(key))
        if key == "title" and not text:
            problems.append("a modal needs a title")
        if text is not None and len(text) > MODAL_TEXT:
            problems.append(f"{key} must be at most {MODAL_TEXT} characters")
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA:
        problems.append(f"private_metadata must be at most {PRIVATE_METADATA} characters")
    blocks = view.get("blocks") or []
    if not 0 < len(blocks) <= MODAL_BLOCKS:
        problems.append(f"a modal has 1 to {MODAL_BLOCKS} blocks")
    problems += _common(
        blocks, allowed={"section", "header", "context", "actions", "input", "divider"}
    )
    return problems


def _common(blocks: list[dict[str, Any]], *, allowed: set[str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        kind = block.get("type")
        if kind not in allowed:
            problems.append(f"unsupported block type {kind!r} {where}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(block_id) > BLOCK_ID or block_id in seen:
                problems.append(f"block_id too long or repeated {where}")
            seen.add(block_id)
        problems += [f"{p} {where}" for p in _block(kind, block)]
    return problems


def _block(kind: str, block: dict[str, Any]) -> list[str]:
    if kind == "section":
        text = _text(block.get("text"))
        if text is None or not text:
            return ["a section needs text"]
        return (
            [f"section text must be at most {SECTION_TEXT} characters"]
            if len(text) > SECTION_TEXT
            else []
        )
    if kind == "header":
        plain = block.get("text") or {}
        if plain.get("type") != "plain_text" or not plain.get("text"):
            return ["a header needs plain_text"]
        return (
            [f"header must be at most {HEADER_TEXT} characters"]
            if len(plain["text"]) > HEADER_TEXT
            else []
        )
    if kind == "context":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= CONTEXT_ELEMENTS:
            return [f"a context has 1 to {CONTEXT_ELEMENTS} elements"]
        return [
            f"context text must be at most {SECTION_TEXT} characters"
            for e in elements
            if len(_text(e) or "") > SECTION_TEXT
        ]
    if kind == "actions":
        return _actions(block.get("elements") or [])
    if kind == "input":
        return _input(block)
    return []


def _actions(elements: list[dict[str, Any]]) -> list[str]:
    if not 0 < len(elements) <= ACTIONS_ELEMENTS:
        return [f"actions have 1 to {ACTIONS_ELEMENTS} elements"]
    problems = []
    for element in elements:
        if len(_text(element.get("text")) or "") > BUTTON_TEXT:
            problems.append(f"button text must be at most {BUTTON_TEXT} characters")
        if len(str(element.get("value", ""))) > BUTTON_VALUE:
            problems.append(f"button value must be at most {BUTTON_VALUE} characters")
        if len(str(element.get("action_id", ""))) > ACTION_ID:
            problems.append("action_id too long")
    return problems


def _input(block: dict[str, Any]) -> list[str]:
    problems = []
    label = _text(block.get("label"))
    if not label or len(label) > LABEL:
        problems.append(f"an input needs a label of at most {LABEL} characters")
    hint = _text(block.get("hint"))
    if hint is not None and len(hint) > LABEL:
        problems.append(f"a hint must be at most {LABEL} characters")
    element = block.get("element") or {}
    kind = element.get("type")
    placeholder = _text(element.get("placeholder"))
    if placeholder is not None and len(placeholder) > PLACEHOLDER:
        problems.append(f"placeholder must be at most {PLACEHOLDER} characters")
    if kind in _OPTION_LIMITS:
        problems += _options(element, most=_OPTION_LIMITS[kind])
    elif kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if value is not None and not 0 <= int(value) <= INPUT_LENGTH:
                problems.append(f"{key} must be between 0 and {INPUT_LENGTH}")
    elif kind == "datepicker":
        if not _matches(_DATE, element.get("initial_date")):
            problems.append("initial_date must be YYYY-MM-DD")
    elif kind == "timepicker":
        if not _matches(_TIME, element.get("initial_time")):
            problems.append("initial_time must be HH:mm")
    elif kind in ("multi_conversations_select", "multi_channels_select"):
        problems += _conversations(element)
    elif kind in ("external_select", "multi_external_select"):
        problems += _external(element)
    elif kind not in ("email_text_input", "url_text_input"):
        problems.append(f"unsupported input element {kind!r}")
    return problems


_OPTION_LIMITS = {
    "static_select": OPTIONS,
    "multi_static_select": OPTIONS,
    "checkboxes": CHECKBOXES,
}
_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_CONVERSATION_KINDS = {"im", "mpim", "private", "public"}


def _options(element: dict[str, Any], *, most: int) -> list[str]:
    problems = []
    options = element.get("options") or []
    kind = element.get("type")
    if not 0 < len(options) <= most:
        problems.append(f"a {kind} has 1 to {most} options")
    for option in options:
        if len(_text(option.get("text")) or "") > OPTION_TEXT:
            problems.append(f"option text must be at most {OPTION_TEXT} characters")
        if len(_text(option.get("description")) or "") > OPTION_TEXT:
            problems.append(f"option description must be at most {OPTION_TEXT} characters")
        if len(str(option.get("value", ""))) > OPTION_VALUE:
            problems.append(f"option value must be at most {OPTION_VALUE} characters")
    values = {str(o.get("value")) for o in options}
    initial = list(element.get("initial_options") or [])
    if element.get("initial_option") is not None:
        initial.append(element["initial_option"])
    if any(str(o.get("value")) not in values for o in initial):
        problems.append("initial options must be among the options")
    problems += _max_selected(element)
    return problems


def _conversations(element: dict[str, Any]) -> list[str]:
    problems = _max_selected(element)
    included = (element.get("filter") or {}).get("include")
    if included is not None and (not included or not set(included) <= _CONVERSATION_KINDS):
        problems.append(
            f"filter.include must be a non-empty subset of {sorted(_CONVERSATION_KINDS)}"
        )
    return problems


def _external(element: dict[str, Any]) -> list[str]:
    problems = _max_selected(element)
    if "options" in element or "option_groups" in element:
        problems.append(f"a {element.get('type')} takes no options: the app serves them")
    least = element.get("min_query_length")
    if least is not None and (not isinstance(least, int) or least < 0):
        problems.append("min_query_length must be a whole number of at least 0")
    return problems


def _max_selected(element: dict[str, Any]) -> list[str]:
    most = element.get("max_selected_items")
    return ["max_selected_items must be at least 1"] if most is not None and int(most) < 1 else []


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return value is None or (isinstance(value, str) and pattern.fullmatch(value) is not None)


def _text(obj: Any) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    return str(obj.get("text", "")) if isinstance(obj, dict) else None
