"""Footnotes of a section: the list after `<!-- footnotes -->`, and `[^label]: text` definitions.

A footnote list is a run of paragraphs after the marker comment, each starting with a reference
(`<sup>13</sup> text…`); those paragraphs leave the body and become `Footnote`s.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.domain import (
    Block,
    Emphasis,
    Footnote,
    FootnoteRef,
    Heading,
    Inline,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Strong,
)
from bot.errors import PaperError
from bot.paper_inline import strip

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """A top-level item of a section in page order: a block, a footnote definition, or the
    `<!-- footnotes -->` marker (`item` is None), with its 1-based line."""

    item: Block | Footnote | None
    line: int


def _as_footnote(block: Block) -> Footnote | None:
    if isinstance(block, Paragraph) and block.children:
        first = block.children[0]
        if isinstance(first, FootnoteRef):
            return Footnote(label=first.label, children=strip(block.children[1:]))
    return None


def _inline_refs(nodes: Iterable[Inline]) -> Iterator[str]:
    for node in nodes:
        match node:
            case FootnoteRef(label=label):
                yield label
            case Emphasis(children=kids) | Strong(children=kids) | Link(children=kids):
                yield from _inline_refs(kids)


def footnote_labels(blocks: Iterable[Block]) -> Iterator[str]:
    """The labels of every footnote reference in `blocks`, in reading order."""
    for block in blocks:
        match block:
            case Paragraph(children=kids) | Heading(children=kids):
                yield from _inline_refs(kids)
            case Quote(children=children):
                yield from footnote_labels(children)
            case ListBlock(items=items):
                for item in items:
                    yield from footnote_labels(item)


def split_footnotes(
    entries: Sequence[Entry], *, path: str
) -> tuple[tuple[Block, ...], tuple[Footnote, ...]]:
    """Separate a section's body blocks from its footnotes.

    Raises PaperError if a footnote label is defined twice. References without a footnote are
    kept (real papers have them) and reported as a warning.
    """
    blocks: list[Block] = []
    notes: list[Footnote] = []
    first_line: dict[str, int] = {}
    listing = False
    for entry in entries:
        if entry.item is None:
            listing = True
            continue
        if isinstance(entry.item, Footnote):
            note: Footnote | None = entry.item
        else:
            note = _as_footnote(entry.item) if listing else None
        if note is None:
            assert not isinstance(entry.item, Footnote)
            blocks.append(entry.item)
            continue
        if note.label in first_line:
            raise PaperError(
                f"footnote {note.label} is defined twice (first at line "
                f"{first_line[note.label]}): give each footnote its own number",
                path=path,
                line=entry.line,
            )
        first_line[note.label] = entry.line
        notes.append(note)
    for label in dict.fromkeys(footnote_labels(blocks)):
        if label not in first_line:
            logger.warning(
                "%s: footnote [%s] is referenced but has no text; add it to the footnote list",
                path,
                label,
            )
    return tuple(blocks), tuple(notes)
