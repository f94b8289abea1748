"""Section content (block tree, footnotes, form) to JSON-ready data and back, losslessly.

Every node is a dict tagged with `"type"`; tuples become lists. `decode_content(encode_content(x))`
gives back an equal tree. The top level carries a format number so later changes can read old rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain import (
    Block,
    CodeBlock,
    Emphasis,
    FieldKind,
    Footnote,
    FootnoteRef,
    FormField,
    FormSpec,
    Heading,
    Inline,
    InlineCode,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Strong,
    Text,
)

FORMAT = 1
Data = dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class SectionContent:
    """What a section row stores in its `content` column."""

    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...]
    form: FormSpec


def encode_content(content: SectionContent) -> Data:
    """The JSON-ready form of a section's blocks, footnotes and form."""
    return {
        "format": FORMAT,
        "blocks": encode_blocks(content.blocks),
        "footnotes": [
            {"label": f.label, "children": encode_inlines(f.children)} for f in content.footnotes
        ],
        "form": encode_form(content.form),
    }


def decode_content(data: Data) -> SectionContent:
    """The inverse of `encode_content`."""
    if data.get("format") != FORMAT:
        raise ValueError(f"section content in format {data.get('format')!r}; expected {FORMAT}")
    return SectionContent(
        blocks=decode_blocks(data["blocks"]),
        footnotes=tuple(
            Footnote(label=f["label"], children=decode_inlines(f["children"]))
            for f in data["footnotes"]
        ),
        form=decode_form(data["form"]),
    )


def encode_inlines(nodes: Sequence[Inline]) -> list[Data]:
    """Inline nodes as tagged dicts."""
    return [_encode_inline(node) for node in nodes]


def _encode_inline(node: Inline) -> Data:
    match node:
        case Text(text=text):
            return {"type": "text", "text": text}
        case Emphasis(children=children):
            return {"type": "emphasis", "children": encode_inlines(children)}
        case Strong(children=children):
            return {"type": "strong", "children": encode_inlines(children)}
        case InlineCode(text=text):
            return {"type": "code", "text": text}
        case Link(href=href, children=children):
            return {"type": "link", "href": href, "children": encode_inlines(children)}
        case FootnoteRef(label=label):
            return {"type": "footnote_ref", "label": label}
        case LineBreak():
            return {"type": "break"}
    raise TypeError(f"not an inline node: {node!r}")


def decode_inlines(data: Sequence[Data]) -> tuple[Inline, ...]:
    """The inverse of `encode_inlines`."""
    return tuple(_decode_inline(item) for item in data)


def _decode_inline(data: Data) -> Inline:
    match data["type"]:
        case "text":
            return Text(text=data["text"])
        case "emphasis":
            return Emphasis(children=decode_inlines(data["children"]))
        case "strong":
            return Strong(children=decode_inlines(data["children"]))
        case "code":
            return InlineCode(text=data["text"])
        case "link":
            return Link(href=data["href"], children=decode_inlines(data["children"]))
        case "footnote_ref":
            return FootnoteRef(label=data["label"])
        case "break":
            return LineBreak()
    raise ValueError(f"unknown inline node type {data['type']!r}")


def encode_blocks(nodes: Sequence[Block]) -> list[Data]:
    """Block nodes as tagged dicts."""
    return [_encode_block(node) for node in nodes]


def _encode_block(node: Block) -> Data:
    match node:
        case Heading(level=level, children=children, anchor=anchor):
            return {
                "type": "heading",
                "level": level,
                "anchor": anchor,
                "children": encode_inlines(children),
            }
        case Paragraph(children=children):
            return {"type": "paragraph", "children": encode_inlines(children)}
        case ListBlock(ordered=ordered, items=items, start=start):
            return {
                "type": "list",
                "ordered": ordered,
                "start": start,
                "items": [encode_blocks(item) for item in items],
            }
        case Quote(children=children):
            return {"type": "quote", "children": encode_blocks(children)}
        case CodeBlock(text=text, language=language):
            return {"type": "code_block", "text": text, "language": language}
    raise TypeError(f"not a block node: {node!r}")


def decode_blocks(data: Sequence[Data]) -> tuple[Block, ...]:
    """The inverse of `encode_blocks`."""
    return tuple(_decode_block(item) for item in data)


def _decode_block(data: Data) -> Block:
    match data["type"]:
        case "heading":
            return Heading(
                level=data["level"],
                anchor=data["anchor"],
                children=decode_inlines(data["children"]),
            )
        case "paragraph":
            return Paragraph(children=decode_inlines(data["children"]))
        case "list":
            return ListBlock(
                ordered=data["ordered"],
                start=data["start"],
                items=tuple(decode_blocks(item) for item in data["items"]),
            )
        case "quote":
            return Quote(children=decode_blocks(data["children"]))
        case "code_block":
            return CodeBlock(text=data["text"], language=data["language"])
    raise ValueError(f"unknown block node type {data['type']!r}")


def encode_form(form: FormSpec) -> Data:
    """A form as a dict of its fields."""
    return {
        "fields": [
            {
                "name": f.name,
                "kind": f.kind.value,
                "label": f.label,
                "required": f.required,
                "min_length": f.min_length,
                "max_length": f.max_length,
                "options": list(f.options),
                "placeholder": f.placeholder,
            }
            for f in form.fields
        ]
    }


def decode_form(data: Data) -> FormSpec:
    """The inverse of `encode_form`."""
    return FormSpec(
        fields=tuple(
            FormField(
                name=f["name"],
                kind=FieldKind(f["kind"]),
                label=f["label"],
                required=f["required"],
                min_length=f["min_length"],
                max_length=f["max_length"],
                options=tuple(f["options"]),
                placeholder=f["placeholder"],
            )
            for f in data["fields"]
        )
    )
