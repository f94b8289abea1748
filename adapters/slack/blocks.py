"""The neutral block tree as mrkdwn pieces: paragraphs, headings, lists, quotes, code.

A piece never exceeds the section-text limit, measured as `mrkdwn.width` (UTF-16 code units);
`tight` pieces (list items, quoted lines) join their neighbour with a line break instead of a
blank line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from adapters.slack.mrkdwn import escape, split_tokens, tokens, width
from bot.domain import Block, CodeBlock, Heading, ListBlock, Paragraph, Quote

_INDENT = "\u2003"  # an em space: Slack keeps it where it collapses leading spaces
_BULLETS = ("•", "◦", "▪")
_LINE_ATOMS = re.compile(r"<[^>\n]*>|\s+|[^\s<]+|<")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of mrkdwn that fits one section block."""

    text: str
    tight: bool = False


def pieces(blocks: Iterable[Block], limit: int, depth: int = 0) -> list[Piece]:
    """mrkdwn pieces for a sequence of blocks."""
    out: list[Piece] = []
    for block in blocks:
        out.extend(_block(block, limit, depth))
    return out


def _block(block: Block, limit: int, depth: int) -> list[Piece]:
    match block:
        case Paragraph(children=children):
            return [Piece(t) for t in split_tokens(tokens(children), limit)]
        case Heading(children=children):
            return [Piece(t) for t in split_tokens(tokens(children, frozenset({"b"})), limit)]
        case CodeBlock(text=text):
            return [Piece(t) for t in _code(text, limit)]
        case ListBlock(ordered=ordered, items=items, start=start):
            return _list(items, ordered=ordered, start=start, limit=limit, depth=depth)
        case Quote(children=children):
            inner = pieces(children, limit - 40, depth)
            quoted = [Piece(_prefix_lines(p.text, "> ", "> "), True) for p in inner]
            return _first_loose(_refit(quoted, limit))
    raise TypeError(f"not a block: {block!r}")


def _list(
    items: Sequence[Sequence[Block]], *, ordered: bool, start: int, limit: int, depth: int
) -> list[Piece]:
    out: list[Piece] = []
    indent = _INDENT * 2 * depth
    for number, item in enumerate(items, start=start):
        marker = f"{number}. " if ordered else f"{_BULLETS[min(depth, 2)]} "
        first, rest = indent + marker, indent + _INDENT * 2
        inner = pieces(item, limit - width(first) - 40, depth + 1)
        for k, piece in enumerate(inner):
            nested = piece.text.startswith(_INDENT)  # a nested list brings its own indent
            head = "" if nested else (first if k == 0 else rest)
            out.append(Piece(_prefix_lines(piece.text, head, "" if nested else rest), True))
        if not inner:
            out.append(Piece(first.rstrip(), True))
    return _first_loose(_refit(out, limit))


def _prefix_lines(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join((first if i == 0 else rest) + line for i, line in enumerate(lines))


def _code(text: str, limit: int) -> list[str]:
    body = escape(text.rstrip("\n").replace("```", "ˋˋˋ"))
    chunks = fit(body, limit - 8)
    return [f"```\n{chunk}\n```" for chunk in chunks]


def _first_loose(items: list[Piece]) -> list[Piece]:
    if items:
        items[0] = Piece(items[0].text, False)
    return items


def _refit(items: list[Piece], limit: int) -> list[Piece]:
    return [Piece(t, p.tight) for p in items for t in fit(p.text, limit)]


def fit(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` width, cut at line ends, else between words, never
    inside a `<…>` link (the safety net for prefixed lines and code; links reach it no longer
    than a piece, as `split_tokens` leaves them)."""
    if width(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    used = 0
    for line in text.split("\n"):
        for chunk in _fit_line(line, limit):
            size = width(chunk)
            if not current:
                current, used = chunk, size
            elif used + 1 + size <= limit:
                current, used = f"{current}\n{chunk}", used + 1 + size
            else:
                parts.append(current)
                current, used = chunk, size
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()]


def _fit_line(line: str, limit: int) -> list[str]:
    if width(line) <= limit:
        return [line]
    parts: list[str] = []
    current = ""
    for atom in _LINE_ATOMS.findall(line):
        while width(atom) > limit:  # a word longer than a whole part
            if current:
                parts.append(current)
                current = ""
            head = _head(atom, limit)
            parts.append(head)
            atom = atom[len(head) :]
        if width(current) + width(atom) > limit:
            parts.append(current.rstrip())
            current = atom.lstrip()
        else:
            current += atom
    if current.strip():
        parts.append(current.rstrip())
    return parts


def _head(text: str, limit: int) -> str:
    """The longest start of (escaped) `text` within `limit` width that does not end inside an
    `&amp;`-style entity, so neither part shows a broken entity."""
    end = 0
    used = 0
    for char in text:
        used += width(char)
        if used > limit:
            break
        end += 1
    head = text[: max(1, end)]
    entity = head.rfind("&")  # in escaped text every `&` starts an entity
    if entity > 0 and entity > head.rfind(";"):
        head = head[:entity]
    return head


def pack(items: Sequence[Piece], limit: int) -> list[str]:
    """Join pieces into as few texts of at most `limit` width as keep them whole."""
    texts: list[str] = []
    current = ""
    used = 0
    for piece in items:
        joiner = "\n" if piece.tight else "\n\n"
        size = width(piece.text)
        if current and used + len(joiner) + size <= limit:
            current += joiner + piece.text
            used += len(joiner) + size
            continue
        if current:
            texts.append(current)
        current, used = piece.text, size
    if current:
        texts.append(current)
    return texts
