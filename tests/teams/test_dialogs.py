"""*Give feedback* and *Reply* open dialogs; what members submit there is validated, stored once
and confirmed privately, and odd button data gets an error card rather than a 500."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import Post
from bot.quote import QUOTE_CHOICES
from storage.store import SqlStore
from tests.teams import activities as act
from tests.teams.conftest import CardSchema, Posted, Teams, replies

GOOD = {
    "in_nature": "I'm unsure about this",
    "in_summary": "Shared notes would help us",
    "in_role": "Local authority data professional",
    "in_email": "sam@example.org",
}


def fetch_data(post: Post, action: str = "feedback") -> dict[str, Any]:
    return {"msteams": {"type": "task/fetch"}, "engage": {"action": action, "postId": post.id}}


async def invoke(
    teams: Teams, posted: Posted, name: str, data: Any, **extra: Any
) -> dict[str, Any]:
    body = act.invoke(
        teams.service_url, name, thread=posted.thread, reply_to=posted.root, data=data, **extra
    )
    response = await teams.send(body)
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def dialog_card(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["task"]["type"] == "continue", answer
    attachment = answer["task"]["value"]["card"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = attachment["content"]
    return card


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


def attention(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in card["body"] if e.get("color") == "Attention"]


async def feedback_count(store: SqlStore, paper_id: str) -> int:
    async with store.transaction() as tx:
        counts = await tx.section_counts(paper_id=paper_id)
    return sum(c.feedback for c in counts)


async def test_give_feedback_opens_the_sections_form(
    teams: Teams, posted: Posted, card_schema: CardSchema
) -> None:
    card = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post)))

    assert card_schema.errors(card) == []
    fields = inputs(card)
    assert list(fields)[:6] == [
        "in_nature",
        "in_summary",
        "in_details",
        "in_role",
        "in_org",
        "in_email",
    ]
    assert fields["in_role"]["type"] == "Input.ChoiceSet"
    assert fields["in_role"]["style"] == "compact"
    assert fields["in_role"]["isRequired"] is True
    assert fields["in_summary"]["regex"] == r"^[\s\S]{5,200}$"
    assert fields["in_summary"]["maxLength"] == 200
    assert fields["in_details"]["isMultiline"] is True
    assert fields["in_email"]["style"] == "Email"
    assert fields["in_email"]["regex"].startswith("^$|")
    route = card["actions"][0]["data"]["engage"]
    assert route == {
        "action": "feedback",
        "postId": posted.post.id,
        "channel": act.RESEARCH,
        "message": posted.root,
    }


async def test_invalid_feedback_shows_the_form_again_with_errors_and_input_kept(
    teams: Teams, posted: Posted, card_schema: CardSchema
) -> None:
    form = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post)))
    data = {**form["actions"][0]["data"], "in_summary": "meh", "in_email": "not-an-address"}

    card = dialog_card(await invoke(teams, posted, "task/submit", data))

    assert card_schema.errors(card) == []
    fields = inputs(card)
    assert fields["in_summary"]["value"] == "meh"
    assert fields["in_email"]["value"] == "not-an-address"
    assert len(attention(card)) == 4  # the summary line, summary, role, email
    assert await feedback_count(teams.store, posted.post.paper_id or "") == 0


async def test_valid_feedback_is_stored_once_and_closes_the_dialog_with_thanks(
    teams: Teams, posted: Posted
) -> None:
    form = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post)))
    data = {**form["actions"][0]["data"], **GOOD}

    first = await invoke(teams, posted, "task/submit", data, activity_id="f:submit-1")
    again = await invoke(teams, posted, "task/submit", data, activity_id="f:submit-1")

    for answer in (first, again):
        assert answer["task"]["type"] == "message"
        assert "Thank you" in answer["task"]["value"]
    assert await feedback_count(teams.store, posted.post.paper_id or "") == 1


async def test_reply_opens_a_box_whose_text_is_recorded_as_a_reply(
    teams: Teams, posted: Posted, card_schema: CardSchema
) -> None:
    box = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post, "reply")))
    assert card_schema.errors(box) == []
    data = {**box["actions"][0]["data"], "in_reply": "  Our youth club runs something similar.  "}

    answer = await invoke(teams, posted, "task/submit", data, activity_id="f:reply-1")

    assert answer["task"]["type"] == "message"
    assert await replies(teams.store, posted.post) == [
        ("dialog:f:reply-1", "Our youth club runs something similar.")
    ]


async def test_an_empty_reply_shows_the_box_again_with_an_error(
    teams: Teams, posted: Posted, card_schema: CardSchema
) -> None:
    box = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post, "reply")))

    card = dialog_card(
        await invoke(teams, posted, "task/submit", {**box["actions"][0]["data"], "in_reply": "  "})
    )

    assert card_schema.errors(card) == []
    assert attention(card) == ["Write something before sending."]
    assert await replies(teams.store, posted.post) == []


@pytest.mark.parametrize(
    "data",
    [
        {"verb": "feedback"},
        {"engage": {"action": "delete-everything", "postId": 1}},
        {"engage": {"action": "feedback", "postId": "one"}},
        {"engage": {"action": "feedback", "postId": True}},
        "not an object",
        None,
    ],
)
async def test_a_button_with_unknown_data_gets_an_error_card(
    teams: Teams, posted: Posted, card_schema: CardSchema, data: Any
) -> None:
    for name in ("task/fetch", "task/submit"):
        card = dialog_card(await invoke(teams, posted, name, data))

        assert card_schema.errors(card) == []
        assert "out of date" in attention(card)[0]


async def test_an_invoke_whose_value_is_not_an_object_gets_an_error_card(
    teams: Teams, posted: Posted
) -> None:
    body = act.invoke(
        teams.service_url, "task/fetch", thread=posted.thread, reply_to=posted.root, data=None
    )
    body["value"] = "garbage"

    response = await teams.send(body)

    assert response.status == 200
    assert attention(dialog_card(await response.json()))


async def test_feedback_on_a_post_that_is_not_ours_gets_an_error_card_and_stores_nothing(
    teams: Teams, posted: Posted
) -> None:
    data = {
        "engage": {
            "action": "feedback",
            "postId": posted.post.id,
            "channel": act.RESEARCH,
            "message": "999",
        },
        **GOOD,
    }

    card = dialog_card(await invoke(teams, posted, "task/submit", data))

    assert "no longer open" in attention(card)[0]
    assert await feedback_count(teams.store, posted.post.paper_id or "") == 0


async def test_a_dialog_for_an_unknown_post_id_gets_an_error_card(
    teams: Teams, posted: Posted
) -> None:
    card = dialog_card(
        await invoke(
            teams, posted, "task/fetch", {"engage": {"action": "feedback", "postId": 4242}}
        )
    )

    assert "no longer open" in attention(card)[0]


async def test_a_members_first_feedback_form_starts_with_the_consent_notice_and_later_ones_do_not(
    teams: Teams, posted: Posted, card_schema: CardSchema
) -> None:
    first = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post)))
    assert card_schema.errors(first) == []
    notice = first["body"][0]
    assert (notice["type"], notice["text"], notice["wrap"], notice["isSubtle"]) == (
        "TextBlock", teams.services.settings.consent_text, True, True,
    )  # fmt: skip
    data = {**first["actions"][0]["data"], **GOOD}
    await invoke(teams, posted, "task/submit", data, activity_id="f:consented")

    later = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post)))

    assert later["body"][0]["text"].startswith("Feedback on:")
    assert teams.services.settings.consent_text not in [e.get("text") for e in later["body"]]


async def test_the_feedback_form_ends_with_the_optional_may_we_quote_you_choice(
    teams: Teams, posted: Posted, card_schema: CardSchema
) -> None:
    card = dialog_card(await invoke(teams, posted, "task/fetch", fetch_data(posted.post)))

    assert card_schema.errors(card) == []
    *_, quote = inputs(card).values()
    assert quote["id"] == "in_quote"
    assert quote["type"] == "Input.ChoiceSet"
    assert quote["isRequired"] is False
    assert [c["value"] for c in quote["choices"]] == list(QUOTE_CHOICES)
