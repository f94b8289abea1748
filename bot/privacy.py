"""What members agree to, and forgetting them when they ask.

- Consent and quoting are recorded by the engagement service with each accepted feedback
  (`Engagement.submit_feedback`); exports apply the quote preference.
- Erasure: `erase_participant` removes a person's identifiers (platform user id, name,
  organisation), their reply texts and edit history, and their feedback answers except the two
  categorical ones (nature and role), and gives them a fresh pseudonymous key. Their rows stay,
  anonymous, so every count still adds up. Each erasure goes to the audit log under the key the
  person had, never their platform id.
- Only organisers may export, report or erase someone else: `require_organiser` refuses others.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain import Platform
from bot.errors import EngageError
from bot.ports import Store
from bot.ports_export import ErasureCounts, ParticipantPrivacy

SELF = "self"
"""The audit actor for a member erasing their own data (their platform id must not be kept)."""

REFUSAL = (
    "Sorry, only the consultation's organisers can {action}. If you think you should be one, "
    "ask an organiser to add your user id to the organiser list."
)


class NotAllowed(EngageError):
    """Someone who is not an organiser asked for an organiser-only action."""


class UnknownParticipant(EngageError):
    """No stored participant matches the key or platform identity given."""


def require_organiser(is_organiser: bool, *, action: str) -> None:
    """Raise NotAllowed (with a message fit to show the person) unless they are an organiser.
    `action` completes "only the consultation's organisers can …" ("export responses")."""
    if not is_organiser:
        raise NotAllowed(REFUSAL.format(action=action))


async def erase_participant(
    store: Store,
    *,
    participant: str | None = None,
    platform: Platform | None = None,
    workspace_id: str | None = None,
    user_id: str | None = None,
    actor: str,
    now: datetime,
) -> ErasureCounts:
    """Erase a person named by pseudonymous key (`participant`) or by platform identity, and
    audit it. Raises UnknownParticipant if there is no such person."""
    if (participant is None) == (user_id is None):
        raise ValueError(
            "name the person by participant key or by platform identity: one of the two"
        )
    async with store.transaction() as tx:
        if participant is not None:
            found = await tx.find_privacy(key=participant)
        else:
            found = await tx.find_privacy(
                platform=platform, workspace_id=workspace_id, user_id=user_id
            )
        if found is None:
            raise UnknownParticipant(_unknown(participant))
        counts = await tx.erase_participant(participant_id=found.participant.id, now=now)
        await tx.append_audit(
            actor=_safe_actor(actor, found),
            action="erase",
            detail={
                "participant": counts.participant_key,
                "replies": counts.replies,
                "revisions": counts.revisions,
                "feedback": counts.feedback,
                "reactions": counts.reactions,
            },
            now=now,
        )
    return counts


async def erase_for_organiser(
    store: Store, *, is_organiser: bool, participant: str, actor: str, now: datetime
) -> ErasureCounts:
    """An organiser erasing someone by key from chat; a refusal is audited too."""
    if not is_organiser:
        async with store.transaction() as tx:
            await tx.append_audit(
                actor=actor, action="erase.refused", detail={"participant": participant}, now=now
            )
        require_organiser(False, action="erase someone else's data")
    return await erase_participant(store, participant=participant, actor=actor, now=now)


def erasure_text(counts: ErasureCounts) -> str:
    """A confirmation to show the person (or organiser) after an erasure."""
    return (
        "Done: your name and account id are removed, "
        f"{counts.replies} repl{'y' if counts.replies == 1 else 'ies'} emptied and "
        f"{counts.feedback} feedback response{'' if counts.feedback == 1 else 's'} reduced to "
        "the anonymous counts. Reactions stay as anonymous counts."
    )


def _safe_actor(actor: str, found: ParticipantPrivacy) -> str:
    # Someone erasing themselves from chat would otherwise leave their platform id in the log.
    return SELF if found.participant.user_id and found.participant.user_id in actor else actor


def _unknown(participant: str | None) -> str:
    if participant is not None:
        return (
            f"no participant with key {participant!r}: keys are in the 'participant' column of "
            "an export (p_ and 12 or 20 hex digits)"
        )
    return "we hold nothing about you here: there is nothing to delete"
