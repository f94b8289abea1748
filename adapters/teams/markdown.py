"""The paper's inline nodes as the markdown subset an Adaptive Card TextBlock renders in Teams:
**bold**, _italic_, [links](https://…) and "- " / "1. " list lines. No headings, no tables, no
code spans; anything else becomes plain text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from bot.domain import (
    Emphasis,
    FootnoteRef,
    Inline,
    InlineCode,
    LineBreak,
    Link,
    Strong,
    Text,
)

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_LINK_SCHEMES = ("http", "https", "mailto")
# Characters that would end a link target early or break the [text](url) syntax.
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._"


def footnote_mark(label: str) -> str:
    """A footnote reference as superscript digits ("13" → "¹³"), or "[a]" for other labels.
    Brackets around digits would read as the start of a markdown link."""
    return label.translate(_SUPERSCRIPT) if label.isdigit() else f"[{label}]"


def inline_markdown(nodes: Iterable[Inline]) -> str:
    """Inline nodes as Teams card markdown."""
    parts: list[str] = []
    for node in nodes:
        match node:
            case Text(text=text) | InlineCode(text=text):
                parts.append(text)
            case Strong(children=children):
                parts.append(_wrap("**", inline_markdown(children)))
            case Emphasis(children=children):
                parts.append(_wrap("_", inline_markdown(children)))
            case Link(href=href, children=children):
                parts.append(_link(href, inline_markdown(children)))
            case FootnoteRef(label=label):
                parts.append(footnote_mark(label))
            case LineBreak():
                parts.append("\n")
    return "".join(parts)


def _wrap(marker: str, inner: str) -> str:
    """Emphasis markers must touch the words they wrap: "**cost **" would not render, so
    surrounding spaces move outside the markers."""
    stripped = inner.strip()
    if not stripped:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{marker}{stripped}{marker}{trail}"


def _link(href: str, text: str) -> str:
    scheme = urlsplit(href).scheme.lower()
    if scheme not in _LINK_SCHEMES:
        # Relative and in-page links (#anchor) lead nowhere from a chat message.
        return text
    label = re.sub(r"([\[\]])", r"\\\1", text.strip()) or href
    return f"[{label}]({quote(href, safe=_URL_SAFE)})"
