"""Plain-text rendering of the neutral block tree: for JSON output, search and previews."""

from __future__ import annotations

from collections.abc import Iterable

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


def inline_text(nodes: Iterable[Inline]) -> str:
    """The text of inline nodes; footnote references become `[label]`."""
    parts: list[str] = []
    for node in nodes:
        match node:
            case Text(text=text) | InlineCode(text=text):
                parts.append(text)
            case Emphasis(children=children) | Strong(children=children):
                parts.append(inline_text(children))
            case Link(children=children):
                parts.append(inline_text(children))
            case FootnoteRef(label=label):
                parts.append(f"[{label}]")
            case LineBreak():
                parts.append("\n")
    return "".join(parts)


def block_text(block: Block) -> str:
    """The text of one block; list items start with "- " or "1. "."""
    match block:
        case Heading(children=children) | Paragraph(children=children):
            return inline_text(children)
        case CodeBlock(text=text):
            return text.rstrip("\n")
        case Quote(children=children):
            return blocks_to_text(children)
        case ListBlock(ordered=ordered, items=items, start=start):
            lines = []
            for number, item in enumerate(items, start=start):
                marker = f"{number}. " if ordered else "- "
                body = "\n".join(block_text(b) for b in item)
                lines.append(marker + body.replace("\n", "\n  "))
            return "\n".join(lines)
    raise TypeError(f"not a block: {block!r}")


def blocks_to_text(blocks: Iterable[Block]) -> str:
    """The text of a sequence of blocks, separated by blank lines."""
    return "\n\n".join(t for t in (block_text(b) for b in blocks) if t)


def section_text(section: Section) -> str:
    """A section's body as plain text (its title is not repeated)."""
    return blocks_to_text(section.blocks)
