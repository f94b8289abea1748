"""A markdown page -> chunks of neutral blocks, one chunk per top-level (`# `) heading.

Parsing is markdown-it-py's CommonMark plus the footnote plugin (for `[^label]` references and
definitions), a rule for `{#anchor}` heading ids, and a normalisation pass for emphasis that
CommonMark does not close (`**cost **of`).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.footnote import footnote_plugin

from bot.domain import (
    Block,
    CodeBlock,
    Footnote,
    Heading,
    Inline,
    LineBreak,
    ListBlock,
    Paragraph,
    Quote,
    Text,
)
from bot.errors import PaperError
from bot.paper_footnotes import Entry, split_footnotes
from bot.paper_html import html_text, is_comment, is_footnotes_marker
from bot.paper_inline import inline_nodes, strip, tidy
from bot.plaintext import block_text


@dataclass(frozen=True, kw_only=True)
class Chunk:
    """A `# ` heading and everything after it up to the next one: the makings of a Section."""

    title: tuple[Inline, ...]
    anchor: str | None
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...]
    line: int


_ANCHOR = re.compile(r"\s*\{\s*#([^\s{}#]+)[^{}]*\}\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+[^`]*`+)")
# Exported pages put the closing space inside the markers ("**cost **of", "*italic *"), which
# CommonMark does not close; moving that whitespace outside restores the author's emphasis.
_BOLD_OPEN_SPACE = re.compile(r"(?<![\w*\\])\*\*(?=[^\s*])([^*\n]*?[^\s*])([ \t]+)\*\*(?!\*)")
_EM_OPEN_SPACE = re.compile(r"(?<![\w*\\])\*(?=[^\s*])([^*\n]*?[^\s*])([ \t]+)\*(?!\*)")


def _heading_anchors(state: StateCore) -> None:
    """Move a trailing `{#anchor}` of a heading into the heading's `id` attribute."""
    tokens = state.tokens
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open" and inline.type == "inline":
            match = _ANCHOR.search(inline.content)
            if match:
                opening.attrSet("id", match.group(1))
                inline.content = inline.content[: match.start()]


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").use(
        footnote_plugin, inline=False, move_to_end=False, always_match_refs=True
    )
    md.core.ruler.before("inline", "heading_anchors", _heading_anchors)
    return md


def _close_emphasis(line: str) -> str:
    parts = _CODE_SPAN.split(line)
    for i in range(0, len(parts), 2):
        fixed = _BOLD_OPEN_SPACE.sub(r"**\1**\2", parts[i])
        parts[i] = _EM_OPEN_SPACE.sub(r"*\1*\2", fixed)
    return "".join(parts)


def normalise(text: str) -> str:
    """Close emphasis whose closing marker follows a space, outside code; lines stay put."""
    lines = text.split("\n")
    fence: str | None = None
    for i, line in enumerate(lines):
        marker = _FENCE.match(line)
        if fence is None and marker:
            fence = marker.group(1)
        elif fence is not None:
            if marker and marker.group(1).startswith(fence) and not line[marker.end() :].strip():
                fence = None
        else:
            lines[i] = _close_emphasis(line)
    return "\n".join(lines)


def _line(node: SyntaxTreeNode) -> int:
    return node.map[0] + 1 if node.map else 0


class _Converter:
    """Block nodes -> neutral blocks; footnote definitions are kept aside as they are met."""

    def __init__(self) -> None:
        self.definitions: list[Entry] = []

    def blocks(self, nodes: Sequence[SyntaxTreeNode]) -> tuple[Block, ...]:
        return tuple(b for node in nodes if (b := self.block(node)) is not None)

    def block(self, node: SyntaxTreeNode) -> Block | None:
        match node.type:
            case "paragraph":
                children = inline_nodes(node.children[0])
                return Paragraph(children=children) if children else None
            case "heading":
                anchor = node.attrs.get("id")
                return Heading(
                    level=int(node.tag[1:]),
                    children=inline_nodes(node.children[0]),
                    anchor=str(anchor) if anchor else None,
                )
            case "bullet_list" | "ordered_list":
                items = tuple(i for i in (self.blocks(n.children) for n in node.children) if i)
                start = int(node.attrs.get("start", 1))
                return ListBlock(ordered=node.type == "ordered_list", items=items, start=start)
            case "blockquote":
                quoted = self.blocks(node.children)
                return Quote(children=quoted) if quoted else None
            case "fence" | "code_block":
                language = node.info.split()[0] if node.info.strip() else None
                return CodeBlock(text=node.content, language=language)
            case "html_block":
                words = html_text(node.content)
                return Paragraph(children=(Text(text=words),)) if words else None
            case "footnote_reference":
                self.definitions.append(Entry(item=self._definition(node), line=_line(node)))
        return None

    def _definition(self, node: SyntaxTreeNode) -> Footnote:
        parts: list[Inline] = []
        for block in self.blocks(node.children):
            if parts:
                parts.append(LineBreak())
            if isinstance(block, Paragraph):
                parts.extend(block.children)
            else:
                parts.append(Text(text=block_text(block)))
        return Footnote(label=str(node.meta["label"]), children=strip(tidy(parts)))

    def entries(self, nodes: Sequence[SyntaxTreeNode]) -> list[Entry]:
        out: list[Entry] = []
        for node in nodes:
            if node.type == "html_block" and is_footnotes_marker(node.content):
                out.append(Entry(item=None, line=_line(node)))
            elif (block := self.block(node)) is not None:
                out.append(Entry(item=block, line=_line(node)))
            out.extend(self.definitions)
            self.definitions.clear()
        return out


def _check_preamble(nodes: Sequence[SyntaxTreeNode], *, path: str) -> None:
    for node in nodes:
        if node.type == "html_block" and (is_comment(node.content) or not html_text(node.content)):
            continue
        raise PaperError(
            "there is text before the first '# ' heading: start the page with '# Title'",
            path=path,
            line=_line(node),
        )


def _chunk(heading: SyntaxTreeNode, body: Sequence[SyntaxTreeNode], *, path: str) -> Chunk:
    title = inline_nodes(heading.children[0])
    if not title:
        raise PaperError(
            "the '# ' heading has no text: give the section a title", path=path, line=_line(heading)
        )
    blocks, footnotes = split_footnotes(_Converter().entries(body), path=path)
    anchor = heading.attrs.get("id")
    return Chunk(
        title=title,
        anchor=str(anchor) if anchor else None,
        blocks=blocks,
        footnotes=footnotes,
        line=_line(heading),
    )


def parse_page(text: str, *, path: str) -> list[Chunk]:
    """Parse one page's markdown (feedback block already cut out) into its chunks.

    Raises PaperError if the page has no `# ` heading or has text before the first one.
    """
    nodes = SyntaxTreeNode(_parser().parse(normalise(text))).children
    heads = [i for i, n in enumerate(nodes) if n.type == "heading" and n.tag == "h1"]
    if not heads:
        raise PaperError(
            "the page has no '# ' heading: start it with '# Title' (the section title)", path=path
        )
    _check_preamble(nodes[: heads[0]], path=path)
    ends = [*heads[1:], len(nodes)]
    return [
        _chunk(nodes[start], nodes[start + 1 : end], path=path)
        for start, end in zip(heads, ends, strict=True)
    ]
