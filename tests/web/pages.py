"""Reading the web channel's HTML in tests, with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    """A start tag with its attributes and the text inside it."""

    tag: str
    attrs: dict[str, str]
    text: str = ""
    form: str | None = None
    index: int = 0
    end: int = 0


@dataclass
class _Open:
    element: Element
    parts: list[str] = field(default_factory=list)


_VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "area", "base", "col"}


class Page(HTMLParser):
    """Every element of a page, in document order, each with its text and enclosing form."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.elements: list[Element] = []
        self._stack: list[_Open] = []
        self._form: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = values.get("action", "")
        element = Element(tag=tag, attrs=values, form=self._form, index=len(self.elements))
        self.elements.append(element)
        element.end = len(self.elements)
        if tag not in _VOID:
            self._stack.append(_Open(element))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index].element.tag == tag:
                for opened in self._stack[index:]:
                    opened.element.text = "".join(opened.parts)
                    opened.element.end = len(self.elements)
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        for opened in self._stack:
            opened.parts.append(data)

    # Queries ---------------------------------------------------------------------------------

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements with this tag (any, if None) whose attributes include `attrs`
        (underscores in names stand for hyphens: aria_invalid -> aria-invalid)."""
        wanted = {k.replace("_", "-").rstrip("-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        """The only element matching; fails the test otherwise."""
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag}> with {attrs}, found {len(found)}"
        return found[0]

    def inside(self, outer: Element, tag: str | None = None) -> list[Element]:
        """The elements within `outer` (with this tag, if given), in document order."""
        return [
            e for e in self.elements[outer.index + 1 : outer.end] if tag is None or e.tag == tag
        ]

    def by_id(self, ident: str) -> Element:
        """The element with this id."""
        return self.one(None, id=ident)

    def hidden(self, action: str, name: str) -> str:
        """The value of a hidden input of the form posting to `action`."""
        inputs = [e for e in self.all("input", name=name) if e.form == action]
        assert inputs, f"no input '{name}' in a form posting to {action}"
        return inputs[0].attrs["value"]

    def label_for(self, ident: str) -> str:
        """The text of the label tied to the control with this id."""
        return " ".join(self.one("label", for_=ident).text.split())
