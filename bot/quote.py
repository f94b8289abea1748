""" "May we quote you?": the form field, its answers, and which answer wins.

The answer is stored on the participant (by `Engagement.submit_feedback`), so it covers
their replies too. Exports apply it: *named* lets a name appear (with --include-personal-data),
*anonymised* never shows who said it, *none* also leaves their free text out.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import FieldKind, FormField, FormSpec
from bot.ports_export import QuotePreference

DEFAULT_QUOTE_PREFERENCE = QuotePreference.ANONYMISED
"""For members who were never asked (or skipped the question): their words may be used, never
their name."""

QUOTE_CHOICES: Mapping[str, QuotePreference] = {
    "Yes, with my name": QuotePreference.NAMED,
    "Yes, but without my name": QuotePreference.ANONYMISED,
    "No, please don't quote me": QuotePreference.NONE,
}

QUOTE_FIELD = FormField(
    name="quote",
    kind=FieldKind.SELECT,
    label="May we quote you?",
    options=tuple(QUOTE_CHOICES),
    placeholder="Choose (optional: without your name if you skip this)",
)
"""The choice every platform's feedback form can show last (see `with_quote_field`)."""

STRICTNESS: Mapping[QuotePreference, int] = {
    QuotePreference.NAMED: 0,
    QuotePreference.ANONYMISED: 1,
    QuotePreference.NONE: 2,
}
"""How restrictive each preference is: where two apply, the higher wins (exports compute this in
SQL, so it is a number)."""


def with_quote_field(form: FormSpec) -> FormSpec:
    """`form` with the quote choice appended, unless it already has a field of that name."""
    if form.field(QUOTE_FIELD.name) is not None:
        return form
    return FormSpec(fields=(*form.fields, QUOTE_FIELD))


def quote_choice(values: Mapping[str, object]) -> QuotePreference | None:
    """The preference a submitted form expresses, or None when the field is empty, missing or
    not one of the choices."""
    raw = values.get(QUOTE_FIELD.name)
    if isinstance(raw, list | tuple) and len(raw) == 1:
        raw = raw[0]
    return parse_preference(raw)


def parse_preference(value: object) -> QuotePreference | None:
    """A choice label, or a preference's own name ("named", "anonymised", "none")."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in QUOTE_CHOICES:
        return QUOTE_CHOICES[text]
    try:
        return QuotePreference(text.lower())
    except ValueError:
        return None


def strictest(*preferences: QuotePreference | None) -> QuotePreference:
    """The most restrictive of the known preferences; the default when none is known."""
    known = [p for p in preferences if p is not None]
    if not known:
        return DEFAULT_QUOTE_PREFERENCE
    return max(known, key=STRICTNESS.__getitem__)
