"""The fake's modal checks for the input elements the schedule modal uses."""

from __future__ import annotations

from typing import Any

from tests.fakes.slack_blockkit import view_problems


def _modal(element: dict[str, Any], **block: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "T"},
        "blocks": [
            {
                "type": "input",
                "block_id": "b",
                "label": {"type": "plain_text", "text": "L"},
                "element": element,
                **block,
            }
        ],
    }


def _options(count: int, *, text: str = "o") -> list[dict[str, Any]]:
    return [{"text": {"type": "plain_text", "text": text}, "value": str(i)} for i in range(count)]


def test_checkboxes_allow_ten_options_and_no_more() -> None:
    assert view_problems(_modal({"type": "checkboxes", "options": _options(10)})) == []
    assert view_problems(_modal({"type": "checkboxes", "options": _options(11)})) != []


def test_a_multi_select_allows_a_hundred_short_options() -> None:
    element = {"type": "multi_static_select", "options": _options(100)}
    assert view_problems(_modal(element)) == []
    assert view_problems(_modal({**element, "options": _options(101)})) != []
    assert view_problems(_modal({**element, "options": _options(1, text="x" * 76)})) != []


def test_an_initial_option_must_be_one_of_the_options() -> None:
    element = {"type": "static_select", "options": _options(2)}
    assert view_problems(_modal({**element, "initial_option": _options(2)[1]})) == []
    foreign = {"text": {"type": "plain_text", "text": "z"}, "value": "zz"}
    assert view_problems(_modal({**element, "initial_option": foreign})) != []


def test_date_and_time_pickers_need_their_formats() -> None:
    assert view_problems(_modal({"type": "datepicker", "initial_date": "2026-03-10"})) == []
    assert view_problems(_modal({"type": "datepicker", "initial_date": "10/03/2026"})) != []
    assert view_problems(_modal({"type": "timepicker", "initial_time": "09:05"})) == []
    assert view_problems(_modal({"type": "timepicker", "initial_time": "9:05pm"})) != []


def test_a_conversations_filter_must_name_known_kinds() -> None:
    element = {"type": "multi_conversations_select", "filter": {"include": ["public"]}}
    assert view_problems(_modal(element)) == []
    assert view_problems(_modal({**element, "filter": {"include": []}})) != []
    assert view_problems(_modal({**element, "filter": {"include": ["rooms"]}})) != []
    assert view_problems(_modal({**element, "max_selected_items": 0})) != []


def test_a_hint_over_two_thousand_characters_and_unknown_elements_are_refused() -> None:
    text = {"type": "url_text_input"}
    assert view_problems(_modal(text, hint={"type": "plain_text", "text": "h"})) == []
    assert view_problems(_modal(text, hint={"type": "plain_text", "text": "h" * 2001})) != []
    assert view_problems(_modal({"type": "rich_text_input_v9"})) != []
