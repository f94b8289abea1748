"""Feedback forms: the default form, a page's `<form>` as a FormSpec, and the one validator.

Every platform (Slack modal, Teams dialog, web form) submits through `validate`, so the rules
about what a member may send live here and only here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal

from bot.domain import FieldKind, FormField, FormSpec, InvalidForm, ValidForm
from bot.errors import PaperError
from bot.form_extract import RawField, read_form

NATURE_OPTIONS = (
    "I'm enthusiastic about this",
    "I'm unsure about this",
    "I disagree with this",
    "I have a general reflection on this",
    "I've identified a specific issue with this",
    "Other",
)

ROLE_OPTIONS = (
    "Local authority data professional",
    "Local authority digital professional",
    "Local authority children's social care professional",
    "Local authority leadership",
    "Central government data professional",
    "Central government digital professional",
    "Central government social care professional",
    "Central government leadership",
    "Other public sector role",
    "Data and digital supplier or partner",
    "Data and digital consultant",
    "Other private sector role",
    "Person with lived experience of social care as a service user",
    "Person without lived experience of social care as a service user",
)

DEFAULT_FORM = FormSpec(
    fields=(
        FormField(
            name="nature",
            kind=FieldKind.SELECT,
            label="Your reflection on this section",
            options=NATURE_OPTIONS,
            placeholder="Select (optional)",
        ),
        FormField(
            name="summary",
            kind=FieldKind.TEXT,
            label="Summary",
            required=True,
            min_length=5,
            max_length=200,
            placeholder="Brief summary (required)",
        ),
        FormField(
            name="details",
            kind=FieldKind.TEXTAREA,
            label="Details",
            max_length=4000,
            placeholder="Details (optional)",
        ),
        FormField(
            name="role",
            kind=FieldKind.SELECT,
            label="Your role",
            required=True,
            options=ROLE_OPTIONS,
            placeholder="Select your role",
        ),
        FormField(
            name="org",
            kind=FieldKind.TEXT,
            label="Your organisation",
            max_length=200,
            placeholder="Organisation",
        ),
        FormField(
            name="email",
            kind=FieldKind.EMAIL,
            label="Your email",
            max_length=254,
            placeholder="you@example.org",
        ),
    )
)
"""The form a section gets when its page has no `<form>`."""

_KIND_MAX = {FieldKind.TEXT: 200, FieldKind.EMAIL: 254, FieldKind.TEXTAREA: 4000}
_INPUT_KINDS = {
    "text": FieldKind.TEXT,
    "search": FieldKind.TEXT,
    "tel": FieldKind.TEXT,
    "url": FieldKind.TEXT,
    "email": FieldKind.EMAIL,
}

# --- Reading a page's <form> ------------------------------------------------------------------

_ID_PREFIX = re.compile(r"^(?:mf|gs)-")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_PLACEHOLDER_DASHES = " \u2014\u2013-"


def _is_hidden(raw: RawField) -> bool:
    """Hidden inputs and honeypots (fields only bots fill in) are never shown in chat."""
    attrs = raw.attrs
    names = f"{attrs.get('name', '')} {attrs.get('id', '')}".lower()
    return (
        attrs.get("type", "").lower() == "hidden"
        or "hidden" in attrs
        or attrs.get("aria-hidden", "").lower() == "true"
        or "hp_" in names
        or "honeypot" in names
        or _HIDDEN_STYLE.search(attrs.get("style", "")) is not None
        or attrs.get("tabindex", "").strip() == "-1"
    )


def _kind(raw: RawField) -> FieldKind | None:
    if raw.tag == "select":
        return FieldKind.SELECT
    if raw.tag == "textarea":
        return FieldKind.TEXTAREA
    return _INPUT_KINDS.get(raw.attrs.get("type", "text").strip().lower() or "text")


def _name(raw: RawField) -> str:
    name = raw.attrs.get("name", "").strip()
    return name or _ID_PREFIX.sub("", raw.attrs.get("id", "").strip())


def _length(raw: RawField, attr: str, *, path: str, line: int) -> int | None:
    text = raw.attrs.get(attr)
    if text is None:
        return None
    if not text.strip().isdecimal():
        raise PaperError(
            f"{attr}=\"{text}\" on field '{_name(raw)}' is not a whole number", path=path, line=line
        )
    return int(text)


def _options(raw: RawField) -> tuple[tuple[str, ...], str | None]:
    """The choices of a select, and the text of its empty-value placeholder option if any."""
    options: dict[str, None] = {}
    placeholder = None
    for option in raw.options:
        text = unicodedata.normalize("NFC", option.text or (option.value or "").strip())
        if option.value == "":
            placeholder = option.text.strip(_PLACEHOLDER_DASHES) or None
        elif text:
            options[text] = None
    return tuple(options), placeholder


def _label(raw: RawField, name: str, labels: Mapping[str, str]) -> str:
    default = DEFAULT_FORM.field(name)
    return (
        labels.get(raw.attrs.get("id", ""))
        or raw.wrapping_label
        or raw.attrs.get("aria-label", "").strip()
        or (default.label if default else "")
        or raw.attrs.get("placeholder", "").strip()
        or name.replace("_", " ").replace("-", " ").capitalize()
    )


def _field(raw: RawField, labels: Mapping[str, str], *, path: str, line: int) -> FormField | None:
    kind, name = _kind(raw), _name(raw)
    if kind is None or not name or _is_hidden(raw):
        return None
    options, placeholder = _options(raw) if kind is FieldKind.SELECT else ((), None)
    if kind is FieldKind.SELECT and not options:
        raise PaperError(f"the select '{name}' has no options: add <option>s", path=path, line=line)
    min_length = _length(raw, "minlength", path=path, line=line)
    max_length = _length(raw, "maxlength", path=path, line=line)
    if kind is not FieldKind.SELECT and max_length is None:
        default = DEFAULT_FORM.field(name)
        max_length = default.max_length if default and default.kind is kind else _KIND_MAX[kind]
    if min_length is not None and max_length is not None and min_length > max_length:
        raise PaperError(
            f"field '{name}' has minlength {min_length} above maxlength {max_length}",
            path=path,
            line=line,
        )
    return FormField(
        name=name,
        kind=kind,
        label=_label(raw, name, labels),
        required="required" in raw.attrs,
        min_length=None if kind is FieldKind.SELECT else min_length,
        max_length=None if kind is FieldKind.SELECT else max_length,
        options=options,
        placeholder=placeholder or raw.attrs.get("placeholder", "").strip() or None,
    )


def extract_form(html: str, *, path: str, line: int = 1) -> FormSpec | None:
    """The FormSpec of the first `<form>` in `html`, or None if there is none.

    `line` is the line of `html` in the page, so errors point at the right place. Raises
    PaperError for a form without usable fields, a select without options, two fields with one
    name, or a length attribute that is not a whole number.
    """
    raw_form = read_form(html)
    if raw_form is None:
        return None
    fields: dict[str, FormField] = {}
    for raw in raw_form.fields:
        at = line + raw.line - 1
        spec = _field(raw, raw_form.labels, path=path, line=at)
        if spec is None:
            continue
        if spec.name in fields:
            raise PaperError(f"two form fields are named '{spec.name}'", path=path, line=at)
        fields[spec.name] = spec
    if not fields:
        raise PaperError(
            "the <form> has no fields engage can show (text, email, textarea or select): "
            "add one, or remove the form to use the default feedback form",
            path=path,
            line=line,
        )
    return FormSpec(fields=tuple(fields.values()))


# --- Validation -------------------------------------------------------------------------------

# A practical check, not full RFC 5322: one @, a dotted domain of letters, digits and hyphens, and
# the characters people really use before the @. Quoted local parts and IP literals are refused.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})",
    re.ASCII,
)
_LINE_SEPARATORS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
_UNREADABLE = "We couldn't read this answer: please enter it again."
_CAP_SLACK = 64


def _coerce(raw: object, *, depth: int = 0) -> tuple[str, str | None]:
    """The text of a submitted value, or an error message for a value no form could send."""
    if raw is None:
        return "", None
    if isinstance(raw, str):
        return str.__str__(raw), None
    if isinstance(raw, bool):
        return "", _UNREADABLE
    if isinstance(raw, int | float | Decimal):
        finite = raw.is_finite() if isinstance(raw, Decimal) else math.isfinite(raw)
        if not finite:
            return "", _UNREADABLE
        try:
            return str(raw), None
        except ValueError:  # an int too long to print
            return "", _UNREADABLE
    if isinstance(raw, list | tuple) and depth == 0:
        if len(raw) > 1:
            return "", "Please choose only one answer."
        return _coerce(raw[0], depth=1) if raw else ("", None)
    return "", _UNREADABLE


def _keep(char: str) -> bool:
    return char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")


def clean_text(value: str, *, multiline: bool, limit: int) -> str:
    """Trimmed, NFC-normalised text without control characters; one line unless `multiline`."""
    value = value[:limit].replace("\r\n", "\n").translate(_LINE_SEPARATORS)
    value = "".join(char for char in value if _keep(char))
    value = value.strip() if multiline else " ".join(value.split())
    return unicodedata.normalize("NFC", value).strip()


def _label_phrase(label: str) -> str:
    phrase = re.sub(r"\s*\(.*\)\s*$", "", label).strip(" *:?") or "this field"
    return phrase if phrase[1:2].isupper() else phrase[:1].lower() + phrase[1:]


def _problem(spec: FormField, value: str) -> str | None:
    if not value:
        if not spec.required:
            return None
        verb = "choose" if spec.kind is FieldKind.SELECT else "fill in"
        return f"Please {verb} {_label_phrase(spec.label)}."
    if spec.kind is FieldKind.SELECT:
        return None if value in spec.options else "Please choose one of the listed options."
    if spec.min_length is not None and len(value) < spec.min_length:
        return f"Please write at least {spec.min_length} characters."
    limit = spec.max_length or _KIND_MAX[spec.kind]
    if len(value) > limit:
        return f"Please shorten this to {limit} characters or fewer."
    if spec.kind is FieldKind.EMAIL and not _EMAIL.fullmatch(value):
        return "Please enter an email address like name@example.org."
    return None


def _cap(spec: FormField) -> int:
    """How much raw input to read: enough to report the real length, not megabytes."""
    longest = max((len(o) for o in spec.options), default=0)
    return max(spec.max_length or _KIND_MAX.get(spec.kind, 200), longest) * 4 + _CAP_SLACK


def _lookup(values: object, name: str) -> object:
    if not isinstance(values, Mapping):
        return None
    try:
        return values.get(name)
    except Exception:  # a hostile mapping must not turn into a 500
        return None


def validate(form: FormSpec, values: Mapping[str, object]) -> ValidForm | InvalidForm:
    """Check a submission against `form`: one message per offending field, never an exception.

    Values are coerced to text, trimmed, stripped of control characters (textareas keep line
    breaks and tabs, other fields become one line) and NFC-normalised; keys the form does not
    have are ignored. Every field of the form gets a clean value ("" when empty).
    """
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for spec in form.fields:
        try:
            text, problem = _coerce(_lookup(values, spec.name))
        except Exception:  # a value with a hostile __str__ or __len__
            text, problem = "", _UNREADABLE
        text = clean_text(text, multiline=spec.kind is FieldKind.TEXTAREA, limit=_cap(spec))
        clean[spec.name] = text
        problem = problem or _problem(spec, text)
        if problem:
            errors[spec.name] = problem
    if errors:
        return InvalidForm(errors=errors, values=clean)
    return ValidForm(values=clean)
