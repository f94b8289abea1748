"""Read the fields of an HTML `<form>` as written: tags, attributes, labels and options.

Uses the standard library's `html.parser`: the forms are small and hand-written, we need tags and
attributes only (no DOM, no CSS), and a lenient tokenizer that never raises suits authoring
mistakes better than another dependency would. `bot.forms.extract_form` turns what this module
reads into a `FormSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

FIELD_TAGS = frozenset({"input", "select", "textarea"})


@dataclass(frozen=True, kw_only=True)
class RawOption:
    """An `<option>`: its text and its `value` attribute (None when absent)."""

    text: str
    value: str | None


@dataclass(kw_only=True)
class RawField:
    """A form control as written: tag, attributes (bare ones map to ""), line in the HTML."""

    tag: str
    attrs: dict[str, str]
    line: int
    options: list[RawOption] = field(default_factory=list)
    wrapping_label: str | None = None


@dataclass(kw_only=True)
class RawForm:
    """The controls of a form in document order and the label texts by their `for` id."""

    fields: list[RawField] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class _OpenLabel:
    target: str | None
    parts: list[str] = field(default_factory=list)
    wrapped: list[RawField] = field(default_factory=list)


def _words(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.form: RawForm | None = None
        self._label: _OpenLabel | None = None
        self._select: RawField | None = None
        self._option: tuple[str | None, list[str]] | None = None
        self._skip_depth = 0
        self._closed = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form" and self.form is None:
            self.form = RawForm()
        elif tag in ("script", "style", "button"):
            self._skip_depth += 1
        elif tag == "label":
            self._label = _OpenLabel(target=values.get("for"))
        elif tag == "option":
            self._end_option()
            self._option = (values.get("value") if "value" in values else None, [])
        elif tag in FIELD_TAGS and self.form is not None and not self._closed:
            self._add_field(tag, values)

    def _add_field(self, tag: str, values: dict[str, str]) -> None:
        assert self.form is not None
        raw = RawField(tag=tag, attrs=values, line=self.getpos()[0])
        self.form.fields.append(raw)
        if self._label is not None and self._label.target is None:
            self._label.wrapped.append(raw)
        if tag == "select":
            self._select = raw
        elif tag == "textarea":
            self._skip_depth += 1  # its text is a default value, not a label

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "button", "textarea") and self._skip_depth:
            self._skip_depth -= 1
        elif tag == "form" and self.form is not None:
            self._end_option()
            self._closed = True
        elif tag == "label" and self._label is not None:
            self._end_label(self._label)
            self._label = None
        elif tag in ("option", "select"):
            self._end_option()
            if tag == "select":
                self._select = None

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._option is not None:
            self._option[1].append(data)
        elif self._label is not None:
            self._label.parts.append(data)

    def _end_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, parts = self._option
            self._select.options.append(RawOption(text=_words(parts), value=value))
        self._option = None

    def _end_label(self, label: _OpenLabel) -> None:
        # "Your role <span class="req">*</span>": the asterisk marks required, it is not a word
        text = _words(label.parts).rstrip("* ").strip()
        if not text or self.form is None:
            return
        if label.target:
            self.form.labels.setdefault(label.target, text)
        for raw in label.wrapped:
            raw.wrapping_label = text


def read_form(html: str) -> RawForm | None:
    """The first `<form>` in `html` as written, or None if there is no `<form>` tag."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.form
