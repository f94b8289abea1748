"""Inline markdown (a markdown-it `inline` node) -> the neutral inline nodes of `bot.domain`.

Inline HTML keeps its words: `<a href>`, `<em>`/`<i>`, `<strong>`/`<b>` and `<br>` map to their
nodes, `<sup>13</sup>` becomes a footnote reference, image placeholders become their title, and
every other tag is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markdown_it.common.normalize_url import normalizeLink, validateLink
from markdown_it.tree import SyntaxTreeNode

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
from bot.paper_html import Tag, image_text, read_tag

_SUP_LABEL = re.compile(r"\s*([0-9]{1,4})\s*")
# Deliberately narrow (http/https only, no bare "www."): it runs on prose, where false links hurt.
_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?*'\""
_SPACES = re.compile(r"[ \t]{2,}")
_HTML_FRAMES = {"a": "a", "em": "em", "i": "em", "strong": "strong", "b": "strong"}


@dataclass
class _Frame:
    kind: str
    href: str = ""
    items: list[Inline] = field(default_factory=list)

    def node(self) -> Inline:
        children = tuple(self.items)
        if self.kind == "a":
            return Link(href=self.href, children=children or (Text(text=self.href),))
        return Strong(children=children) if self.kind == "strong" else Emphasis(children=children)


def _trim_url(url: str) -> str:
    while url and (
        url[-1] in _URL_TRAILING
        or (url[-1] == ")" and url.count(")") > url.count("("))
        or (url[-1] == "]" and url.count("]") > url.count("["))
    ):
        url = url[:-1]
    return url


def linkify(text: str) -> list[Inline]:
    """Split `text` into Text and Link nodes, a bare http(s) URL becoming a link to itself."""
    nodes: list[Inline] = []
    pos = 0
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if "://" not in url or url.endswith("://"):
            continue
        if match.start() > pos:
            nodes.append(Text(text=text[pos : match.start()]))
        nodes.append(Link(href=normalizeLink(url), children=(Text(text=url),)))
        pos = match.start() + len(url)
    if pos < len(text):
        nodes.append(Text(text=text[pos:]))
    return nodes


class _Builder:
    """Collects inline nodes, with a stack for inline HTML tags that open and close."""

    def __init__(self, *, in_link: bool) -> None:
        self._stack = [_Frame(kind="root")]
        self._in_link = in_link

    def add(self, node: Inline) -> None:
        self._stack[-1].items.append(node)

    def text(self, text: str) -> None:
        if not text:
            return
        if self._in_link or any(f.kind == "a" for f in self._stack):
            self.add(Text(text=text))
        else:
            self._stack[-1].items.extend(linkify(text))

    def tag(self, tag: Tag) -> None:
        words = image_text(tag)
        if words is not None:
            self.text(words)
        elif tag.name == "br":
            self.add(LineBreak())
        elif tag.name in _HTML_FRAMES and not tag.closing:
            href = tag.attrs.get("href", "").strip()
            if tag.name == "a" and not (href and validateLink(href)):
                return  # an anchor without a safe href: keep its words only
            kind = _HTML_FRAMES[tag.name]
            self._stack.append(_Frame(kind=kind, href=normalizeLink(href) if href else ""))
        elif tag.name in _HTML_FRAMES:
            self._close(_HTML_FRAMES[tag.name])

    def _close(self, kind: str) -> None:
        if not any(f.kind == kind for f in self._stack[1:]):
            return
        while (frame := self._stack.pop()).kind != kind:
            self._stack[-1].items.extend(frame.items)
        self.add(frame.node())

    def finish(self) -> list[Inline]:
        while len(self._stack) > 1:
            frame = self._stack.pop()
            self._stack[-1].items.extend(frame.items)
        return self._stack[0].items


def _sup_ref(children: Sequence[SyntaxTreeNode], i: int) -> FootnoteRef | None:
    """A `<sup>13</sup>` or `<sup>[^1]</sup>` footnote reference starting at children[i]."""
    if i + 2 >= len(children) or children[i + 2].type != "html_inline":
        return None
    inner, close = children[i + 1], read_tag(children[i + 2].content)
    if close is None or close.name != "sup" or not close.closing:
        return None
    if inner.type == "footnote_ref":
        return FootnoteRef(label=str(inner.meta["label"]))
    label = _SUP_LABEL.fullmatch(inner.content) if inner.type == "text" else None
    return FootnoteRef(label=label.group(1)) if label else None


def _html(children: Sequence[SyntaxTreeNode], i: int, builder: _Builder) -> int:
    tag = read_tag(children[i].content)
    if tag is None:
        return i + 1
    if tag.name == "sup" and not tag.closing and (ref := _sup_ref(children, i)) is not None:
        builder.add(ref)
        return i + 3
    builder.tag(tag)
    return i + 1


def _convert(children: Sequence[SyntaxTreeNode], *, in_link: bool) -> list[Inline]:
    builder = _Builder(in_link=in_link)
    i = 0
    while i < len(children):
        child = children[i]
        if child.type == "html_inline":
            i = _html(children, i, builder)
            continue
        match child.type:
            case "softbreak":
                builder.text(" ")
            case "hardbreak":
                builder.add(LineBreak())
            case "code_inline":
                builder.add(InlineCode(text=child.content))
            case "strong":
                builder.add(Strong(children=tuple(_convert(child.children, in_link=in_link))))
            case "em":
                builder.add(Emphasis(children=tuple(_convert(child.children, in_link=in_link))))
            case "link":
                href = str(child.attrs.get("href", ""))
                builder.add(Link(href=href, children=tuple(_convert(child.children, in_link=True))))
            case "footnote_ref":
                builder.add(FootnoteRef(label=str(child.meta["label"])))
            case _:
                # text, image alt text, and anything a plugin adds: keep the words
                builder.text(child.content)
        i += 1
    return builder.finish()


def tidy(nodes: Iterable[Inline]) -> tuple[Inline, ...]:
    """Merge neighbouring text, collapse runs of spaces, and drop empty nodes."""
    out: list[Inline] = []
    for node in nodes:
        match node:
            case Text(text=text):
                previous = out[-1] if out else None
                if isinstance(previous, Text):
                    out.pop()
                    text = previous.text + text
                text = _SPACES.sub(" ", text)
                if text:
                    out.append(Text(text=text))
            case Strong(children=children):
                if kids := tidy(children):
                    out.append(Strong(children=kids))
            case Emphasis(children=children):
                if kids := tidy(children):
                    out.append(Emphasis(children=kids))
            case Link(href=href, children=children):
                out.append(Link(href=href, children=tidy(children) or (Text(text=href),)))
            case _:
                out.append(node)
    return tuple(out)


def _strip_edge(nodes: tuple[Inline, ...], *, start: bool) -> tuple[Inline, ...]:
    nodes = tuple(nodes)
    while nodes:
        edge = nodes[0] if start else nodes[-1]
        rest = nodes[1:] if start else nodes[:-1]
        if isinstance(edge, LineBreak):
            nodes = rest
            continue
        if isinstance(edge, Text):
            text = edge.text.lstrip() if start else edge.text.rstrip()
            if not text:
                nodes = rest
                continue
            trimmed = Text(text=text)
            nodes = (trimmed, *rest) if start else (*rest, trimmed)
        break
    return nodes


def strip(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """Drop whitespace and line breaks at both ends of a run of inline nodes."""
    return _strip_edge(_strip_edge(nodes, start=True), start=False)


def inline_nodes(node: SyntaxTreeNode) -> tuple[Inline, ...]:
    """The neutral inline nodes of a markdown-it `inline` node, tidied and stripped."""
    return strip(tidy(_convert(node.children, in_link=False)))
