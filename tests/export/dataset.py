"""A small, fully known consultation: two sections on Slack and Teams, three members with
different quote preferences, and responses that test formulas, non-ASCII text and emoji.

Our own words (never the real paper's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain import (
    FieldKind,
    FormField,
    FormSpec,
    Paper,
    Paragraph,
    Participant,
    Platform,
    PostKind,
    Section,
    Text,
)
from bot.ports import NewPost
from bot.ports_export import QuotePreference
from storage.store import SqlStore

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

FORM = FormSpec(
    fields=(
        FormField(
            name="nature",
            kind=FieldKind.SELECT,
            label="Your reflection",
            options=("I agree", "I am unsure", "I disagree"),
        ),
        FormField(name="summary", kind=FieldKind.TEXT, label="Summary", required=True),
        FormField(name="details", kind=FieldKind.TEXTAREA, label="Details"),
        FormField(name="role", kind=FieldKind.SELECT, label="Role", options=("Analyst", "Leader")),
        FormField(name="org", kind=FieldKind.TEXT, label="Organisation"),
        FormField(name="email", kind=FieldKind.EMAIL, label="Email"),
    )
)


def _section(section_id: str, ordinal: int, title: str) -> Section:
    return Section(
        id=section_id,
        ordinal=ordinal,
        title=title,
        anchor=section_id,
        blocks=(Paragraph(children=(Text(text=f"About {title}."),)),),
        footnotes=(),
        form=FORM,
        version=f"{section_id}-v1",
        source=f"{section_id}.md",
    )


PAPER = Paper(
    id="harbour",
    title="A harbour for shared data",
    version="p1",
    sections=(_section("costs", 1, "Who pays"), _section("people", 2, "Who takes part")),
)


@dataclass(frozen=True, kw_only=True)
class Dataset:
    """The stored dataset's participants (by first name) and times."""

    ann: Participant
    bob: Participant
    cat: Participant
    t0: datetime = T0


ANN_FEEDBACK = {
    "nature": "I agree",
    "summary": "=SUM(A1:A9) looks right",
    "details": "Señora Núñez said: “ça va” ✓ 🎉\nSecond line",
    "role": "Analyst",
    "org": "Ambridge Borough Council",
    "email": "ann@ambridge.example",
}
BOB_FEEDBACK = {
    "nature": "I am unsure",
    "summary": "+44 costs more than we think",
    "details": "",
    "role": "Leader",
    "org": "@Borsetshire",
    "email": "bob@borset.example",
}
CAT_FEEDBACK = {
    "nature": "I disagree",
    "summary": "Cat's private view, not for quoting",
    "details": "Long details\twith a tab",
    "role": "Analyst",
    "org": "Felpersham Trust",
    "email": "cat@felpersham.example",
}
ANN_REPLY = "Great point 👍 — thanks"
BOB_REPLY = "-1 from me: see the 2019 figures"
BOB_REPLY_FIRST = "first draft of Bob's reply"
CAT_REPLY = "Cat's reply, not to be quoted"
DELETED_REPLY = "something Ann deleted"


async def load_dataset(store: SqlStore) -> Dataset:
    """Store the paper, two sent posts, three members and their responses."""
    async with store.transaction() as tx:
        await tx.save_paper(paper=PAPER, now=T0)
        slack = await tx.upsert_channel(
            platform=Platform.SLACK, workspace_id="T1", external_id="C1", name="general"
        )
        teams = await tx.upsert_channel(
            platform=Platform.TEAMS, workspace_id="tenant-1", external_id="19:x", name="Consult"
        )
        posts = {}
        for key, channel, section in (("costs", slack, "costs"), ("people", teams, "people")):
            post, _ = await tx.enqueue_post(
                new=NewPost(
                    kind=PostKind.SECTION,
                    channel_id=channel.id,
                    idempotency_key=key,
                    paper_id=PAPER.id,
                    section_id=section,
                    section_version=f"{section}-v1",
                ),
                now=T0,
            )
            posts[key] = await tx.mark_post_sent(post_id=post.id, message_ids=[f"m-{key}"], now=T0)
        ann = await tx.upsert_participant(
            platform=Platform.SLACK,
            workspace_id="T1",
            user_id="U0ANN",
            display_name="Ann Archer",
            organisation="Ambridge Borough Council",
            now=T0,
        )
        bob = await tx.upsert_participant(
            platform=Platform.SLACK,
            workspace_id="T1",
            user_id="U0BOB",
            display_name="Bob Brown",
            organisation=None,
            now=T0,
        )
        cat = await tx.upsert_participant(
            platform=Platform.TEAMS,
            workspace_id="tenant-1",
            user_id="29:cat-aad",
            display_name="Cat Carter",
            organisation="Felpersham Trust",
            now=T0,
        )
        await tx.set_quote_preference(participant_id=ann.id, preference=QuotePreference.NAMED)
        await tx.set_quote_preference(participant_id=cat.id, preference=QuotePreference.NONE)
        costs, people = posts["costs"].id, posts["people"].id
        at = [T0 + timedelta(hours=h) for h in range(10)]
        await tx.add_feedback(
            post_id=costs, participant_id=ann.id, values=ANN_FEEDBACK, event_id="e1", now=at[1]
        )
        await tx.add_feedback(
            post_id=costs, participant_id=bob.id, values=BOB_FEEDBACK, event_id="e2", now=at[2]
        )
        await tx.add_feedback(
            post_id=people, participant_id=cat.id, values=CAT_FEEDBACK, event_id="e3", now=at[3]
        )
        await tx.add_reply(
            post_id=costs, participant_id=ann.id, external_id="r1", text=ANN_REPLY, now=at[4]
        )
        bob_reply = await tx.add_reply(
            post_id=costs, participant_id=bob.id, external_id="r2", text=BOB_REPLY_FIRST, now=at[4]
        )
        await tx.edit_reply(reply_id=bob_reply.id, text=BOB_REPLY, now=at[5])
        await tx.add_reply(
            post_id=people, participant_id=cat.id, external_id="r3", text=CAT_REPLY, now=at[5]
        )
        gone = await tx.add_reply(
            post_id=costs, participant_id=ann.id, external_id="r4", text=DELETED_REPLY, now=at[5]
        )
        await tx.delete_reply(reply_id=gone.id, now=at[6])
        for who, on, emoji, when in (
            (ann, costs, "👍", at[6]),
            (bob, costs, "👍", at[6]),
            (cat, people, "🤔", at[7]),
            (ann, people, "+1", at[7]),
        ):
            await tx.add_reaction(
                post_id=on, participant_id=who.id, emoji=emoji, message_id="m", now=when
            )
        await tx.remove_reaction(post_id=costs, participant_id=bob.id, emoji="👍", now=at[8])
    return Dataset(ann=ann, bob=bob, cat=cat)
