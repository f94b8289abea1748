"""Reading Adaptive Cards in tests: inputs wherever they sit, and the error shown under one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Element = dict[str, Any]


def elements(items: list[Element]) -> Iterator[Element]:
    """Every element, depth first (inside containers, column sets and columns)."""
    for item in items:
        yield item
        for column in item.get("columns", []):
            yield from elements(column.get("items", []))
        yield from elements(item.get("items", []))


def inputs(card: Element) -> dict[str, Element]:
    """The card's inputs by id, in order."""
    return {e["id"]: e for e in elements(card["body"]) if e["type"].startswith("Input.")}


def attention(card: Element) -> list[str]:
    """The texts shown in attention colour (errors)."""
    return [e["text"] for e in elements(card["body"]) if e.get("color") == "Attention"]


def error_under(card: Element, input_id: str) -> str | None:
    """The error shown right under an input (or under the row holding it), if any."""
    body = card["body"]
    for index, item in enumerate(body):
        if any(e.get("id") == input_id for e in elements([item])):
            following = body[index + 1] if index + 1 < len(body) else {}
            return following.get("text") if following.get("color") == "Attention" else None
    raise AssertionError(f"no input {input_id} in the card")


def task_card(answer: Element) -> Element:
    """The card of a task module answer that keeps the dialog open."""
    assert answer["task"]["type"] == "continue", answer
    attachment = answer["task"]["value"]["card"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: Element = attachment["content"]
    return content
