"""The paper's neutral block tree as HTML.

Built with `markupsafe`: every piece of text goes through `escape`, and the only markup is the
tags written here, so nothing in a paper can inject HTML. Links keep only http, https and
mailto targets; any other href (javascript:, data:, relative paths) is shown as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from bot.domain import (
    Block,
    CodeBlock,
    Emphasis,
    FootnoteRef,
    Heading,
    Inline,
    InlineCode,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Section,
    Strong,
    Text,
)

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def slug(value: str) -> str:
    """A fragment-safe form of an id or label."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-") or "x"


def safe_href(href: str) -> str | None:
    """The href if it is an absolute http(s) or mailto URL, else None."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    return href.strip()


class SectionHtml:
    """Renders one section; `prefix` keeps its ids apart from other sections on the page."""

    def __init__(self, section: Section, *, prefix: str) -> None:
        self._section = section
        self._prefix = prefix
        self._labels = {f.label for f in section.footnotes}

    def footnote_id(self, label: str) -> str:
        """The id of a footnote's list item."""
        return f"{self._prefix}-fn-{slug(label)}"

    def body(self) -> Markup:
        """The section's blocks."""
        return self._blocks(self._section.blocks)

    def footnotes(self) -> tuple[tuple[str, str, Markup], ...]:
        """(id, label, content) of each footnote, for the list under the section."""
        return tuple(
            (self.footnote_id(f.label), f.label, self._inlines(f.children))
            for f in self._section.footnotes
        )

    def _blocks(self, blocks: Iterable[Block]) -> Markup:
        return Markup("\n").join(self._block(b) for b in blocks)

    def _block(self, block: Block) -> Markup:
        match block:
            case Heading(level=level, children=children, anchor=anchor):
                # The section title is the page's h2, so the paper's levels move down one.
                ident = f"{self._prefix}-{slug(anchor)}" if anchor else None
                attr = Markup(' id="{}"').format(ident) if ident else Markup("")
                return Markup("<h{n}{attr}>{content}</h{n}>").format(
                    n=min(level + 1, 6), attr=attr, content=self._inlines(children)
                )
            case Paragraph(children=children):
                return Markup("<p>{}</p>").format(self._inlines(children))
            case ListBlock(ordered=ordered, items=items, start=start):
                items_html = Markup("").join(
                    Markup("<li>{}</li>").format(self._blocks(item)) for item in items
                )
                if ordered:
                    start_attr = Markup(' start="{}"').format(start) if start != 1 else Markup("")
                    return Markup("<ol{}>{}</ol>").format(start_attr, items_html)
                return Markup("<ul>{}</ul>").format(items_html)
            case Quote(children=children):
                return Markup("<blockquote>{}</blockquote>").format(self._blocks(children))
            case CodeBlock(text=text):
                return Markup("<pre><code>{}</code></pre>").format(text.rstrip("\n"))
        raise TypeError(f"not a block: {block!r}")

    def _inlines(self, nodes: Iterable[Inline]) -> Markup:
        return Markup("").join(self._inline(n) for n in nodes)

    def _inline(self, node: Inline) -> Markup:
        match node:
            case Text(text=text):
                return escape(text)
            case Emphasis(children=children):
                return Markup("<em>{}</em>").format(self._inlines(children))
            case Strong(children=children):
                return Markup("<strong>{}</strong>").format(self._inlines(children))
            case InlineCode(text=text):
                return Markup("<code>{}</code>").format(text)
            case Link(href=href, children=children):
                target = safe_href(href)
                if target is None:
                    return self._inlines(children)
                return Markup('<a href="{}" rel="noopener">{}</a>').format(
                    target, self._inlines(children)
                )
            case FootnoteRef(label=label):
                if label not in self._labels:
                    return Markup('<sup class="fn-missing">[{}]</sup>').format(label)
                return Markup('<sup><a href="#{}" aria-label="Footnote {}">{}</a></sup>').format(
                    self.footnote_id(label), label, label
                )
            case LineBreak():
                return Markup("<br>")
        raise TypeError(f"not an inline node: {node!r}")
