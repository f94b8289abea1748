"""Feedback forms: the default form, reading a page's <form>, and the shared validator."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import FieldKind, FormField, FormSpec, InvalidForm, ValidForm
from bot.errors import PaperError
from bot.forms import DEFAULT_FORM, extract_form, validate

GOOD = {
    "nature": "Other",
    "summary": "A clear point",
    "details": "",
    "role": "Local authority leadership",
    "org": "",
    "email": "",
}


def extract(html: str) -> FormSpec:
    form = extract_form(html, path="page.md")
    assert form is not None
    return form


def errors(values: Mapping[str, object], form: FormSpec = DEFAULT_FORM) -> Mapping[str, str]:
    result = validate(form, values)
    return result.errors if isinstance(result, InvalidForm) else {}


def cleaned(values: Mapping[str, object], form: FormSpec = DEFAULT_FORM) -> Mapping[str, str]:
    return validate(form, values).values


# --- The default form -----------------------------------------------------------------------


def test_default_form_fields_in_order() -> None:
    assert [(f.name, f.kind) for f in DEFAULT_FORM.fields] == [
        ("nature", FieldKind.SELECT),
        ("summary", FieldKind.TEXT),
        ("details", FieldKind.TEXTAREA),
        ("role", FieldKind.SELECT),
        ("org", FieldKind.TEXT),
        ("email", FieldKind.EMAIL),
    ]


def test_default_form_rules() -> None:
    f = {field.name: field for field in DEFAULT_FORM.fields}
    assert (len(f["nature"].options), f["nature"].required) == (6, False)
    assert (f["summary"].required, f["summary"].min_length, f["summary"].max_length) == (
        True,
        5,
        200,
    )
    assert (f["details"].required, f["details"].max_length) == (False, 4000)
    assert (len(f["role"].options), f["role"].required) == (14, True)
    assert (f["org"].label, f["org"].max_length) == ("Your organisation", 200)
    assert (f["email"].required, f["email"].max_length) == (False, 254)


def test_default_options_fit_a_slack_select() -> None:
    options = [o for f in DEFAULT_FORM.fields for o in f.options]
    assert all(len(o) <= 75 for o in options)


# --- Reading a page's <form> --------------------------------------------------------------------


def test_html_without_a_form_gives_none() -> None:
    assert extract_form("<div><p>No form here</p></div>", path="page.md") is None


def test_name_wins_over_id_and_id_prefixes_are_dropped() -> None:
    form = extract(
        '<form><input type="text" id="gs-topic" name="subject">'
        '<input type="text" id="mf-org"><input type="text" id="gs-team"></form>'
    )
    assert [f.name for f in form.fields] == ["subject", "org", "team"]


def test_label_comes_from_label_for_without_the_required_star() -> None:
    form = extract(
        '<form><label for="mf-role">Your role <span class="req">*</span></label>'
        '<select id="mf-role" required><option value="">— Pick —</option>'
        "<option>Analyst</option><option>Manager</option></select></form>"
    )
    assert form.fields == (
        FormField(
            name="role",
            kind=FieldKind.SELECT,
            label="Your role",
            required=True,
            options=("Analyst", "Manager"),
            placeholder="Pick",
        ),
    )


def test_label_wrapping_its_field_is_used() -> None:
    form = extract('<form><label>Team name <input type="text" name="team"></label></form>')
    assert form.fields[0].label == "Team name"


def test_field_without_a_label_falls_back_to_placeholder_then_name() -> None:
    form = extract(
        '<form><input type="text" name="topic" placeholder="Your topic">'
        '<input type="text" name="due_date"></form>'
    )
    assert [f.label for f in form.fields] == ["Your topic", "Due date"]


@pytest.mark.parametrize(
    "control",
    [
        '<input type="hidden" name="page">',
        '<input type="text" name="hp_field">',
        '<input type="text" id="honeypot-email">',
        '<input type="text" name="trap" style="display: none">',
        '<input type="text" name="trap" tabindex="-1">',
        '<input type="text" name="trap" hidden>',
        '<input type="submit" name="go">',
        '<input type="checkbox" name="agree">',
        "<button name='send'>Send</button>",
        '<input type="text">',
    ],
)
def test_hidden_honeypot_button_and_unnamed_controls_are_left_out(control: str) -> None:
    form = extract(f'<form>{control}<textarea name="details"></textarea></form>')
    assert [f.name for f in form.fields] == ["details"]


def test_kinds_and_length_attributes() -> None:
    form = extract(
        '<form><input name="a" required minlength="2" maxlength="9">'
        '<input type="email" name="mail"><textarea name="long"></textarea>'
        '<input type="url" name="site"></form>'
    )
    kinds = {f.name: (f.kind, f.required, f.min_length, f.max_length) for f in form.fields}
    assert kinds == {
        "a": (FieldKind.TEXT, True, 2, 9),
        "mail": (FieldKind.EMAIL, False, None, 254),
        "long": (FieldKind.TEXTAREA, False, None, 4000),
        "site": (FieldKind.TEXT, False, None, 200),
    }


def test_known_fields_without_maxlength_take_the_default_forms_limit() -> None:
    form = extract('<form><input name="summary"><input name="org"></form>')
    assert [f.max_length for f in form.fields] == [200, 200]


def test_option_value_is_used_when_the_option_has_no_text() -> None:
    form = extract('<form><select name="s"><option value="x"></option><option>y</form>')
    assert form.fields[0].options == ("x", "y")


def test_form_without_usable_fields_is_refused_with_file_and_line() -> None:
    with pytest.raises(PaperError, match=r"^page\.md:7: .*no fields") as err:
        extract_form('<form>\n<input type="hidden" name="x">\n</form>', path="page.md", line=7)
    assert err.value.path == "page.md"


def test_two_fields_with_one_name_are_refused() -> None:
    with pytest.raises(PaperError, match=r"page\.md:3: two form fields are named 'a'"):
        extract('<form>\n<input name="a">\n<textarea id="gs-a"></textarea></form>')


def test_select_without_options_is_refused() -> None:
    with pytest.raises(PaperError, match="has no options"):
        extract('<form><select name="s"><option value="">Choose</option></select></form>')


@pytest.mark.parametrize("attrs", ['maxlength="lots"', 'minlength="9" maxlength="3"'])
def test_bad_length_attributes_are_refused(attrs: str) -> None:
    with pytest.raises(PaperError, match=r"^page\.md:1: "):
        extract(f'<form><input name="a" {attrs}></form>')


# --- validate: one rule at a time ---------------------------------------------------------------


def test_good_submission_is_valid_with_a_value_for_every_field() -> None:
    result = validate(DEFAULT_FORM, {"summary": "Looks right", "role": "Other private sector role"})
    assert isinstance(result, ValidForm)
    assert result.values == {
        "nature": "",
        "summary": "Looks right",
        "details": "",
        "role": "Other private sector role",
        "org": "",
        "email": "",
    }


def test_missing_required_fields_say_what_to_do() -> None:
    assert errors({}) == {"summary": "Please fill in summary.", "role": "Please choose your role."}


def test_required_message_reads_naturally_for_question_labels() -> None:
    form = extract(
        '<form><label for="p">Which question matters most?</label>'
        '<select id="p" name="p" required><option>One</option></select></form>'
    )
    assert errors({}, form) == {"p": "Please choose which question matters most."}


def test_whitespace_only_counts_as_empty() -> None:
    assert errors({**GOOD, "summary": " \t\n "})["summary"] == "Please fill in summary."


def test_too_short_says_the_minimum() -> None:
    assert errors({**GOOD, "summary": "abcd"}) == {"summary": "Please write at least 5 characters."}


def test_too_long_says_the_maximum() -> None:
    assert errors({**GOOD, "org": "x" * 201}) == {
        "org": "Please shorten this to 200 characters or fewer."
    }
    assert errors({**GOOD, "org": "x" * 200}) == {}


def test_length_counts_characters_not_bytes() -> None:
    assert errors({**GOOD, "org": "é" * 200}) == {}


def test_select_accepts_only_listed_options_after_trimming() -> None:
    assert errors({**GOOD, "role": "  Local authority leadership "}) == {}
    assert errors({**GOOD, "role": "local authority leadership"}) == {
        "role": "Please choose one of the listed options."
    }


@pytest.mark.parametrize(
    "email", ["a@example.org", "first.last+tag@sub.example.co.uk", "x_y@xn--bcher-kva.example"]
)
def test_plausible_emails_pass(email: str) -> None:
    assert errors({**GOOD, "email": email}) == {}


@pytest.mark.parametrize(
    "email",
    ["plainaddress", "a@b", "a@@example.org", "a b@example.org", "a@-example.org", "@x.org"],
)
def test_implausible_emails_are_refused(email: str) -> None:
    assert errors({**GOOD, "email": email}) == {
        "email": "Please enter an email address like name@example.org."
    }


def test_unknown_keys_are_ignored() -> None:
    result = validate(DEFAULT_FORM, {**GOOD, "admin": True, "summary ": "x"})
    assert isinstance(result, ValidForm)
    assert "admin" not in result.values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, ""), (12345, "12345"), (1.5, "1.5"), (["Other"], "Other"), ((), "")],
)
def test_values_that_are_not_text_are_coerced(raw: object, expected: str) -> None:
    assert cleaned({**GOOD, "org": raw})["org"] == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, "We couldn't read this answer"),
        ({"value": "x"}, "We couldn't read this answer"),
        (b"bytes", "We couldn't read this answer"),
        (float("nan"), "We couldn't read this answer"),
        (["a", "b"], "Please choose only one answer."),
        ([["nested"]], "We couldn't read this answer"),
    ],
)
def test_values_no_form_could_send_are_field_errors(raw: object, message: str) -> None:
    result = validate(DEFAULT_FORM, {**GOOD, "org": raw})
    assert isinstance(result, InvalidForm)
    assert result.errors["org"].startswith(message)
    assert result.values["org"] == ""


def test_control_characters_are_removed_and_single_lines_collapsed() -> None:
    assert cleaned({**GOOD, "summary": "  Two\x00 \x07lines\n\tand\r\nmore \x1b "})["summary"] == (
        "Two lines and more"
    )


def test_textarea_keeps_line_breaks_and_tabs() -> None:
    value = cleaned({**GOOD, "details": "\n first\r\n\tsecond\x00\u2028third \n"})["details"]
    assert value == "first\n\tsecond\nthird"


def test_text_is_nfc_normalised() -> None:
    assert cleaned({**GOOD, "summary": "cafe\u0301 talk"})["summary"] == "caf\u00e9 talk"


def test_invalid_form_returns_the_cleaned_input_for_redisplay() -> None:
    result = validate(DEFAULT_FORM, {"summary": " hi ", "role": "Nope"})
    assert isinstance(result, InvalidForm)
    assert result.values["summary"] == "hi"
    assert result.values["role"] == "Nope"


def test_huge_input_is_refused_without_reading_it_all() -> None:
    assert "details" in errors({**GOOD, "details": "x" * 5_000_000})


def test_values_that_are_not_a_mapping_count_as_empty() -> None:
    assert errors(["summary"]) == errors({})  # type: ignore[arg-type]


# --- validate: properties ---------------------------------------------------------------------

ANY_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.binary(max_size=8)
    | st.decimals(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)
FIELD_NAMES = st.sampled_from([f.name for f in DEFAULT_FORM.fields])
KEYS = FIELD_NAMES | st.text(max_size=5) | st.integers()

NOISE = st.sampled_from(
    ["", " ", "\t", "\n", "\r\n", "\x00", "\u200b", "\u2028", "e\u0301", "\ud800"]
)


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, object]:
    """Submissions that are often valid, with the noise members and clients really send."""
    values: dict[str, object] = {}
    for field in DEFAULT_FORM.fields:
        pad = draw(NOISE)
        if field.options:
            base: str = draw(st.sampled_from(field.options))
        elif field.kind is FieldKind.EMAIL:
            base = draw(st.sampled_from(["", "me@example.org", "x@y.co"]))
        else:
            base = draw(st.text(min_size=5, max_size=40))
        values[field.name] = draw(st.sampled_from([pad + base + pad, [base], base]))
    return values


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(KEYS, ANY_VALUE, max_size=7))
def test_validate_never_raises_and_answers_every_field(values: dict[object, object]) -> None:
    result = validate(DEFAULT_FORM, values)  # type: ignore[arg-type]
    assert set(result.values) == {f.name for f in DEFAULT_FORM.fields}
    assert all(isinstance(v, str) for v in result.values.values())
    if isinstance(result, InvalidForm):
        assert result.errors
        assert set(result.errors) <= set(result.values)


@settings(max_examples=300, deadline=None)
@given(near_valid() | st.dictionaries(FIELD_NAMES, st.text(), max_size=6))
def test_valid_output_revalidates_to_itself(values: dict[str, object]) -> None:
    result = validate(DEFAULT_FORM, values)
    if isinstance(result, ValidForm):
        assert validate(DEFAULT_FORM, result.values) == result


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_cleaned_values_hold_no_control_characters(text: str) -> None:
    values = cleaned({"summary": text, "details": text})
    assert not re.search(r"[\x00-\x1f\x7f]", values["summary"])
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", values["details"])
    assert values["summary"] == values["summary"].strip()
