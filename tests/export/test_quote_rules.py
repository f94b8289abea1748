"""Which quote preference an exported row obeys, as the database computes it (on SQLite and
PostgreSQL): the participant's stored choice and, when the form asks, the choice in the answer;
the stricter wins, and the default applies when neither is known."""

from __future__ import annotations

import pytest

from bot.domain import FieldKind, FormField
from bot.export_rows import feedback_shape, text_rows
from bot.ports_export import ExportFilters, ExportTable, QuotePreference
from bot.quote import QUOTE_FIELD
from storage.store import SqlStore
from tests.export.dataset import Dataset

SUMMARY = FormField(name="summary", kind=FieldKind.TEXTAREA, label="Summary")
EMAIL = FormField(name="email", kind=FieldKind.EMAIL, label="Email")
NAMED, ANONYMISED, NONE = QuotePreference


@pytest.mark.parametrize(
    ("stored", "answered", "expected"),
    [
        (NAMED, "No, please don't quote me", NONE),
        (NONE, "Yes, with my name", NONE),
        (None, "Yes, with my name", NAMED),
        (None, "  Anonymised ", ANONYMISED),
        (NAMED, "Yes, but without my name", ANONYMISED),
        (None, "maybe later", ANONYMISED),  # not a choice: the default
        (NAMED, None, NAMED),
        (None, None, ANONYMISED),
    ],
)
async def test_the_stricter_of_the_stored_and_the_answered_choice_applies(
    store: SqlStore,
    dataset: Dataset,
    stored: QuotePreference | None,
    answered: str | None,
    expected: QuotePreference,
) -> None:
    values = {"summary": "Words worth quoting", "email": "bob@example.org"}
    if answered is not None:
        values["quote"] = answered
    async with store.transaction() as tx:
        if stored is not None:
            await tx.set_quote_preference(participant_id=dataset.bob.id, preference=stored)
        post = (await tx.list_posts())[0]
        feedback_id = await tx.add_feedback(
            post_id=post.id,
            participant_id=dataset.bob.id,
            values=values,
            event_id="quote-test",
            now=dataset.t0,
        )
    shape = feedback_shape(fields=[SUMMARY, EMAIL, QUOTE_FIELD], personal=True)
    names = [column.name for column in shape.columns]
    async with store.transaction() as tx, tx.export_reader(filters=ExportFilters()) as reader:
        rows = [
            dict(zip(names, row, strict=True))
            for batch in [
                b async for b in reader.rows(ExportTable.FEEDBACK, plan=shape.plan, batch_size=100)
            ]
            for row in text_rows(batch)
        ]
    row = next(r for r in rows if r["feedback_id"] == str(feedback_id))
    assert row["quote_preference"] == expected.value
    assert row["summary"] == ("" if expected is NONE else "Words worth quoting")
    named = expected is NAMED
    assert (row["participant_name"], row["email"]) == (
        ("Bob Brown", "bob@example.org") if named else ("", "")
    )
    assert row["quote"] == (answered or "")  # the answer itself is a categorical column
