"""The raw HTML found in paper pages: the page-feedback block, single inline tags, HTML blocks.

Pages exported from a CMS carry presentation-only HTML. Ingestion keeps the words and drops the
tags; the page-feedback block is cut out of the text before markdown parsing and handed to
`bot.forms.extract_form`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

from bot.errors import PaperError


@dataclass(frozen=True, kw_only=True)
class Tag:
    """One HTML tag: lower-case name, attributes (bare ones map to ""), whether it closes."""

    name: str
    attrs: Mapping[str, str]
    closing: bool = False


@dataclass(frozen=True, kw_only=True)
class FeedbackBlock:
    """A page-feedback block cut out of a page: the `<form>` HTML (if any) and its first line."""

    html: str
    line: int


class _TagReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tag: Tag | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.tag is None:
            self.tag = Tag(name=tag, attrs={k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        if self.tag is None:
            self.tag = Tag(name=tag, attrs={}, closing=True)


def read_tag(html: str) -> Tag | None:
    """The tag an inline HTML fragment holds, or None for a comment or other markup."""
    reader = _TagReader()
    reader.feed(html)
    reader.close()
    return reader.tag


def image_text(tag: Tag) -> str | None:
    """The words an image stands for ("" to drop it), or None if `tag` is not an image.

    Exported pages mark images as `<span class="image placeholder" original-image-title=...>`.
    """
    if tag.name == "img":
        return tag.attrs.get("alt", "").strip()
    if tag.name == "span" and (
        "original-image-src" in tag.attrs or "image" in tag.attrs.get("class", "").split()
    ):
        return tag.attrs.get("original-image-title", "").strip()
    return None


class _TextReader(HTMLParser):
    _SKIPPED = frozenset({"script", "style", "template", "form", "select", "textarea", "button"})
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
            return
        if tag in self._BREAKS:
            self.parts.append(" ")
        words = image_text(Tag(name=tag, attrs={k: v or "" for k, v in attrs}))
        if words and not self._skipping:
            self.parts.append(f" {words} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of an HTML fragment on one line: tags, comments and scripts dropped."""
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    return " ".join("".join(reader.parts).split())


_COMMENT_ONLY = re.compile(r"\s*(?:<!--.*?-->\s*)+", re.DOTALL)
_FOOTNOTES_MARKER = re.compile(r"\s*<!--+\s*footnotes\s*-*-->\s*", re.IGNORECASE)


def is_comment(html: str) -> bool:
    """Whether an HTML fragment is only comments."""
    return _COMMENT_ONLY.fullmatch(html) is not None


def is_footnotes_marker(html: str) -> bool:
    """Whether an HTML block is the `<!-- footnotes -->` comment that starts a footnote list."""
    return _FOOTNOTES_MARKER.fullmatch(html) is not None


# --- The page-feedback block --------------------------------------------------------------------

_FEEDBACK_DIV = re.compile(
    r"<div\b[^>]*\bclass\s*=\s*[\"'][^\"']*\bfeedback-section\b[^>]*>", re.IGNORECASE
)
_FORM_OPEN = re.compile(r"<form\b", re.IGNORECASE)
_FORM_CLOSE = re.compile(r"</form\s*>", re.IGNORECASE)
_DIV_TAG = re.compile(r"<(/?)div\b[^>]*>", re.IGNORECASE)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _div_end(text: str, start: int, *, path: str) -> int:
    depth = 0
    for match in _DIV_TAG.finditer(text, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    raise PaperError(
        "the page-feedback <div> is never closed: add the missing </div>",
        path=path,
        line=_line_of(text, start),
    )


def _form_end(text: str, start: int, *, path: str) -> int:
    close = _FORM_CLOSE.search(text, start)
    if close is None:
        raise PaperError(
            "the <form> is never closed: add the missing </form>",
            path=path,
            line=_line_of(text, start),
        )
    return close.end()


def _next_block(text: str, pos: int, *, path: str) -> tuple[int, int, FeedbackBlock] | None:
    div = _FEEDBACK_DIV.search(text, pos)
    form = _FORM_OPEN.search(text, pos)
    if div is None and form is None:
        return None
    if div is not None and (form is None or div.start() < form.start()):
        start, end = div.start(), _div_end(text, div.start(), path=path)
    else:
        assert form is not None
        start, end = form.start(), _form_end(text, form.start(), path=path)
    region = text[start:end]
    inner = _FORM_OPEN.search(region)
    html = region[inner.start() : _form_end(region, inner.start(), path=path)] if inner else ""
    if inner is not None and _FORM_OPEN.search(region, inner.end()):
        raise PaperError(
            "the page-feedback block holds more than one <form>: keep one",
            path=path,
            line=_line_of(text, start),
        )
    line = _line_of(text, start + (inner.start() if inner else 0))
    return start, end, FeedbackBlock(html=html, line=line)


def cut_feedback(text: str, *, path: str) -> tuple[str, list[FeedbackBlock]]:
    """Cut every page-feedback block (`<div class="feedback-section">` or a bare `<form>`) out of
    a page. Each block is replaced by as many newlines as it spanned, so line numbers still hold.
    """
    blocks: list[FeedbackBlock] = []
    pieces: list[str] = []
    pos = 0
    while (found := _next_block(text, pos, path=path)) is not None:
        start, end, block = found
        pieces.append(text[pos:start])
        pieces.append("\n" * text.count("\n", start, end))
        blocks.append(block)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), blocks
