"""The feedback form's card: the consent notice on top when the core gives one, and optional
choices (such as "May we quote you?") that may be left empty."""

from __future__ import annotations

from adapters.teams.dialogs import feedback_card, routing
from bot.domain import FeedbackForm
from bot.forms import DEFAULT_FORM
from bot.quote import QUOTE_CHOICES, QUOTE_FIELD, with_quote_field
from tests.teams.card_tools import inputs
from tests.teams.conftest import CardSchema

ROUTE = routing(action="feedback", post_id=3, channel="19:c@thread.tacv2", message="1700")
NOTICE = "We keep your answers for the authors of the paper; see the privacy note."


def form(*, notice: str | None = None) -> FeedbackForm:
    return FeedbackForm(
        post_id=3, section_id="s", section_title="Why it matters",
        form=with_quote_field(DEFAULT_FORM), notice=notice,
    )  # fmt: skip


def test_a_notice_is_shown_first_as_a_subtle_wrapping_paragraph(card_schema: CardSchema) -> None:
    card = feedback_card(form(notice=NOTICE), route=ROUTE)

    assert card_schema.errors(card) == []
    assert card["body"][0] == {"type": "TextBlock", "text": NOTICE, "wrap": True, "isSubtle": True}
    assert card["body"][1]["text"] == "Feedback on: Why it matters"


def test_without_a_notice_the_form_starts_with_its_title() -> None:
    card = feedback_card(form(), route=ROUTE)

    assert card["body"][0]["text"] == "Feedback on: Why it matters"
    assert NOTICE not in [e.get("text") for e in card["body"]]


def test_the_quote_select_is_an_optional_compact_choice_with_its_placeholder(
    card_schema: CardSchema,
) -> None:
    card = feedback_card(form(), route=ROUTE)

    assert card_schema.errors(card) == []
    quote = inputs(card)["in_quote"]
    assert quote["type"] == "Input.ChoiceSet"
    assert quote["style"] == "compact"
    assert quote["isRequired"] is False
    assert quote["placeholder"] == QUOTE_FIELD.placeholder
    assert [(c["title"], c["value"]) for c in quote["choices"]] == [
        (label, label) for label in QUOTE_CHOICES
    ]
    assert "value" not in quote


def test_a_quote_choice_is_kept_when_the_form_comes_back_with_errors(
    card_schema: CardSchema,
) -> None:
    chosen = "Yes, but without my name"

    card = feedback_card(
        form(), route=ROUTE, values={"quote": chosen}, errors={"summary": "Too short."}
    )

    assert card_schema.errors(card) == []
    assert inputs(card)["in_quote"]["value"] == chosen
