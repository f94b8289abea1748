"""Slack mrkdwn from the neutral inline nodes: escaping, links, and splitting long paragraphs.

Inline content is first flattened into tokens (words, spaces, atoms such as links, line
breaks), each carrying its bold/italic style. Rendering groups tokens of one style into a
`*bold*` or `_italic_` span, so a paragraph can be cut between any two words and each piece
still opens and closes its own formatting. Links are atoms: a cut never falls inside `<…>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

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
from bot.plaintext import inline_text

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_MARKERS = (("b", "*"), ("i", "_"))
_SENTENCE_END = re.compile(r"[.!?…][\"'’”)\]]*$")


def escape(text: str) -> str:
    """Text safe to show in mrkdwn: `&`, `<` and `>` become entities, so user text can never
    form a link or a mention such as `<!channel>` or `<@U123>`."""
    return text.translate(_ESCAPES)


def link(url: str, label: str) -> str:
    """`<url|label>`; characters that would end the link early are encoded in the URL and
    replaced in the label (Slack ends the URL at the first `|`). Unsafe schemes stay text."""
    label = escape(label.strip()).replace("|", "\u2223")
    if not url.lower().startswith(_SAFE_SCHEMES):
        shown = escape(url)
        return f"{label} ({shown})" if label and label != shown else shown
    href = escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"))
    return f"<{href}|{label}>" if label else f"<{href}>"


@dataclass(frozen=True, slots=True)
class Token:
    """A word, a run of spaces, an atom (already mrkdwn) or a hard line break."""

    kind: Literal["word", "space", "atom", "break"]
    text: str
    style: frozenset[str] = frozenset()

    def rendered(self) -> str:
        if self.kind in ("word", "space"):
            return escape(self.text)
        return self.text


def tokens(nodes: Iterable[Inline], style: frozenset[str] = frozenset()) -> list[Token]:
    """The tokens of inline nodes, with the bold (`b`) / italic (`i`) style each carries."""
    out: list[Token] = []
    for node in nodes:
        match node:
            case Text(text=text):
                for part in re.findall(r"\s+|\S+", text):
                    kind: Literal["word", "space"] = "space" if part.isspace() else "word"
                    out.append(Token(kind, " " if kind == "space" else part, style))
            case Strong(children=children):
                out.extend(tokens(children, style | {"b"}))
            case Emphasis(children=children):
                out.extend(tokens(children, style | {"i"}))
            case InlineCode(text=text):
                out.append(Token("atom", f"`{escape(text.replace('`', 'ˋ'))}`", style))
            case Link(href=href, children=children):
                out.append(Token("atom", link(href, inline_text(children)), style))
            case FootnoteRef(label=label):
                out.append(Token("atom", f"[{escape(label)}]", style))
            case LineBreak():
                out.append(Token("break", "\n"))
    return out


def render(toks: Sequence[Token]) -> str:
    """mrkdwn for tokens: one formatting span per run of equal style, with the spaces at the
    edges of a span moved outside its markers (Slack ignores `*word *`)."""
    out: list[str] = []
    i = 0
    while i < len(toks):
        style = toks[i].style
        j = i
        while j < len(toks) and toks[j].style == style and toks[j].kind != "break":
            j += 1
        if j == i:  # a line break
            out.append("\n")
            i += 1
            continue
        inner = "".join(t.rendered() for t in toks[i:j])
        core = inner.strip()
        if core and style:
            opening = "".join(m for s, m in _MARKERS if s in style)
            lead = inner[: len(inner) - len(inner.lstrip())]
            trail = inner[len(inner.rstrip()) :]
            out.append(f"{lead}{opening}{core}{opening[::-1]}{trail}")
        else:
            out.append(inner)
        i = j
    return "".join(out).strip(" ")


def inline(nodes: Iterable[Inline], style: frozenset[str] = frozenset()) -> str:
    """mrkdwn for inline nodes."""
    return render(tokens(nodes, style))


def _cost(tok: Token) -> int:
    # An upper bound: the token's text plus the markers of a span it might open and close.
    return len(tok.rendered()) + 2 * len(tok.style)


def split_tokens(toks: Sequence[Token], limit: int) -> list[str]:
    """Render tokens as pieces of at most `limit` characters, cut between words, at the end
    of a sentence when one is in the second half of the piece. A single word longer than
    the limit (a pathological input) is the only thing ever cut inside."""
    pieces: list[str] = []
    start = 0
    while start < len(toks):
        while start < len(toks) and toks[start].kind == "space":
            start += 1
        total, end, last_space, last_sentence = 0, start, -1, -1
        while end < len(toks) and total + _cost(toks[end]) <= limit:
            tok = toks[end]
            if tok.kind == "space" and end > start:
                last_space = end
                if _SENTENCE_END.search(toks[end - 1].text):
                    last_sentence = end
            total += _cost(tok)
            end += 1
        if end >= len(toks):
            cut = end
        elif last_sentence > start and _prefix_cost(toks, start, last_sentence) > limit // 2:
            cut = last_sentence
        elif last_space > start:
            cut = last_space
        elif end > start:
            cut = end
        else:  # one word longer than a whole piece
            word = toks[start]
            room = max(1, limit - 2 * len(word.style) - 8)
            head, tail = _cut_word(word.text, room)
            toks = [
                *toks[:start],
                Token(word.kind, head, word.style),
                Token("space", " "),
                Token(word.kind, tail, word.style),
                *toks[start + 1 :],
            ]
            continue
        piece = render(toks[start:cut]).strip()
        if piece:
            pieces.append(piece)
        start = cut
    return pieces


def _prefix_cost(toks: Sequence[Token], start: int, end: int) -> int:
    return sum(_cost(t) for t in toks[start:end])


def _cut_word(text: str, room: int) -> tuple[str, str]:
    """Cut a long word so the escaped head fits `room`, never inside an `&amp;` entity."""
    head_len = 0
    used = 0
    for char in text:
        width = len(escape(char))
        if used + width > room:
            break
        used += width
        head_len += 1
    head_len = max(1, head_len)
    return text[:head_len], text[head_len:]
