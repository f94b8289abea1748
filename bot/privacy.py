"""What members agree to, and forgetting them when they ask.

- Consent: `needs_consent` says whether a member has yet to see the consent notice
  (`settings.consent_text`); `record_consent` notes that they have.
- Quoting: `record_quote_preference` stores their answer to "may we quote you?" (the form field
  is `bot.quote.QUOTE_FIELD`); exports apply it.
- Erasure: `erase_participant` removes a person's identifiers (platform user id, name,
  organisation), their reply texts and edit history, and their feedback answers except the two
  categorical ones (nature and role), and gives them a fresh pseudonymous key. Their rows stay,
  anonymous, so every count still adds up. Each erasure goes to the audit log under the key the
  person had, never their platform id.
- Only organisers may export, report or erase someone else: `require_organiser` refuses others.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.domain import Platform
from bot.errors import EngageError
from bot.ports import Store
from bot.ports_export import ErasureCounts, ParticipantPrivacy, QuotePreference
from bot.quote import quote_choice

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


async def needs_consent(
    store: Store, *, platform: Platform, workspace_id: str, user_id: str
) -> bool:
    """True until the member has been shown the consent notice (and after an erasure)."""
    async with store.transaction() as tx:
        found = await tx.find_privacy(platform=platform, workspace_id=workspace_id, user_id=user_id)
    return found is None or found.consented_at is None


async def record_consent(
    store: Store,
    *,
    platform: Platform,
    workspace_id: str,
    user_id: str,
    now: datetime,
    display_name: str | None = None,
) -> None:
    """Note that the member has seen the consent notice; the first time is the one kept."""
    async with store.transaction() as tx:
        person = await tx.upsert_participant(
            platform=platform,
            workspace_id=workspace_id,
            user_id=user_id,
            display_name=display_name,
            organisation=None,
            now=now,
        )
        await tx.record_consent(participant_id=person.id, now=now)


async def record_quote_preference(
    store: Store,
    *,
    platform: Platform,
    workspace_id: str,
    user_id: str,
    preference: QuotePreference,
    now: datetime,
) -> None:
    """Store the member's answer to "may we quote you?" (the latest answer wins)."""
    async with store.transaction() as tx:
        person = await tx.upsert_participant(
            platform=platform,
            workspace_id=workspace_id,
            user_id=user_id,
            display_name=None,
            organisation=None,
            now=now,
        )
        await tx.set_quote_preference(participant_id=person.id, preference=preference)


async def remember_form_choices(
    store: Store,
    *,
    platform: Platform,
    workspace_id: str,
    user_id: str,
    values: Mapping[str, object],
    now: datetime,
) -> QuotePreference | None:
    """After an accepted feedback submission: the member has seen the consent notice, and the
    quote choice they made (if any) is stored. Returns that choice."""
    await record_consent(
        store, platform=platform, workspace_id=workspace_id, user_id=user_id, now=now
    )
    choice = quote_choice(values)
    if choice is not None:
        await record_quote_preference(
            store,
            platform=platform,
            workspace_id=workspace_id,
            user_id=user_id,
            preference=choice,
            now=now,
        )
    return choice


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
            "an export (p_ and 12 hex digits)"
        )
    return "we hold nothing about you here: there is nothing to delete"
