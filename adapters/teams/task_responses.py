"""Answers to `task/fetch` and `task/submit`: show a card in the dialog, or close it with a
short message (seen only by the member who pressed the button)."""

from __future__ import annotations

from botbuilder.schema import Attachment
from botbuilder.schema.teams import (
    TaskModuleContinueResponse,
    TaskModuleMessageResponse,
    TaskModuleResponse,
    TaskModuleTaskInfo,
)

from adapters.teams.cards import CARD_CONTENT_TYPE, Card


def show(content: Card, *, title: str, height: str = "large") -> TaskModuleResponse:
    """Open (or keep open) the dialog with this card."""
    info = TaskModuleTaskInfo(
        title=title,
        card=Attachment(content_type=CARD_CONTENT_TYPE, content=content),
        width="medium",
        height=height,
    )
    return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))


def close(text: str) -> TaskModuleResponse:
    """Close the dialog, showing `text`."""
    return TaskModuleResponse(task=TaskModuleMessageResponse(value=text))
