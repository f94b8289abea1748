"""Slack mrkdwn from the neutral inline nodes: escaping, links, and splitting long paragraphs.

Inline content is first flattened into tokens (words, spaces, atoms such as links, line
breaks), each carrying its bold/italic style. Rendering groups tokens of one style into a
`*bold*` or `_italic_` span, so a paragraph can be cut between any two words and each piece
still opens and closes its own formatting. Links are atoms: a cut never falls inside `<…>`, and a
link too long for a whole piece is shown as plain text instead (see `split_tokens`).

Lengths are `width`s, UTF-16 code units, so a piece of `limit` width is within Slack's limit however
Slack counts characters, and takes at most 6 bytes a unit once JSON-escaped for sending.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
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
from bot.plaintext import inline_text

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_MARKERS = (("b", "*"), ("i", "_"))
_SENTENCE_END = re.compile(r"[.!?…][\"'’”)\]]*$")

log = logging.getLogger(__name__)


def width(text: str) -> int:
    """The length Slack's text limits are held to here: UTF-16 code units, so an emoji (outside
    the Basic Multilingual Plane) counts two. Never less than Slack's count, whether it counts
    code points or UTF-16 units, and never less than a sixth of the text's JSON-escaped size."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Text safe to show in mrkdwn: `&`, `<` and `>` become entities, so user text can never
    form a link or a mention such as `<!channel>` or `<@U123>`."""
    return text.translate(_ESCAPES)


def link(url: str, label: str) -> str:
    """`<url|label>`; characters that would end the link early are encoded in the URL and
    replaced in the label (Slack ends the URL at the first `|`). Line breaks in the label become
    spaces: quotes and lists prefix every line, which would put a `>` inside the link and end it.
    Unsafe schemes stay text."""
    label = escape(" ".join(label.split())).replace("|", "\u2223")
    if not url.lower().startswith(_SAFE_SCHEMES):
        shown = escape(url)
        return f"{label} ({shown})" if label and label != shown else shown
    href = _href(url)
    return f"<{href}|{label}>" if label else f"<{href}>"


def _href(url: str) -> str:
    return escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"))


@dataclass(frozen=True, slots=True)
class Token:
    """A word, a run of spaces, an atom (already mrkdwn), a link (an atom that keeps its URL
    and label, to be shown as text if it is too long) or a hard line break."""

    kind: Literal["word", "space", "atom", "link", "break"]
    text: str
    style: frozenset[str] = frozenset()
    url: str = ""
    label: str = ""

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
                out.extend(_words(text, style))
            case Strong(children=children):
                out.extend(tokens(children, style | {"b"}))
            case Emphasis(children=children):
                out.extend(tokens(children, style | {"i"}))
            case InlineCode(text=text):
                out.append(Token("atom", f"`{escape(text.replace('`', 'ˋ'))}`", style))
            case Link(href=href, children=children):
                label = " ".join(inline_text(children).split())
                if href.lower().startswith(_SAFE_SCHEMES):
                    out.append(Token("link", link(href, label), style, url=href, label=label))
                else:  # shown as text (see `link`), so as words that may be cut like any
                    out.extend(
                        _words(f"{label} ({href})" if label not in ("", href) else href, style)
                    )
            case FootnoteRef(label=label):
                out.append(Token("atom", f"[{escape(label)}]", style))
            case LineBreak():
                out.append(Token("break", "\n"))
    return out


def _words(text: str, style: frozenset[str]) -> list[Token]:
    out: list[Token] = []
    for part in re.findall(r"\s+|\S+", text):
        kind: Literal["word", "space"] = "space" if part.isspace() else "word"
        out.append(Token(kind, " " if kind == "space" else part, style))
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
    return width(tok.rendered()) + 2 * len(tok.style)


def split_tokens(toks: Sequence[Token], limit: int) -> list[str]:
    """Render tokens as pieces of at most `limit` width, cut between words, at the end of a
    sentence when one is in the second half of the piece. A single word longer than the limit
    (a pathological input, or a run of CJK text) is the only thing ever cut inside; a link
    longer than the limit is never cut but shown as text (`_unlinked`), with a warning."""
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
        elif toks[start].kind == "link":  # cutting it would leave `<…` open: show it as text
            toks = [*toks[:start], *_unlinked(toks[start], limit), *toks[start + 1 :]]
            continue
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


def _unlinked(tok: Token, limit: int) -> list[Token]:
    """A link too long for a whole piece, as tokens that can be cut: its label as plain words,
    then the bare address while that still fits a piece, else no address at all."""
    bare = Token("link", f"<{_href(tok.url)}>", tok.style, url=tok.url)
    keep_address = bool(tok.label) and _cost(bare) <= limit
    if not tok.label:
        out = _words(f"(a link to {_host(tok.url)}, too long for Slack)", tok.style)
        shown = "only its host name is shown"
    elif keep_address:
        out = [*_words(tok.label, tok.style), Token("space", " "), bare]
        shown = "its text is shown as plain text, followed by the bare address"
    else:
        out = _words(tok.label, tok.style)
        shown = "its text is shown as plain text, without the address (too long on its own)"
    log.warning(
        "A link to %s is %d characters, more than one Slack block holds (%d), so %s. "
        "Shorten the link in the paper (its address or its text) to keep it whole and clickable.",
        _shortened(tok.url),
        width(tok.text),
        limit,
        shown,
    )
    return out


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "a web page"
    except ValueError:  # a malformed address, such as an unclosed `[` in an IPv6 host
        return "a web page"


def _shortened(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "..."


def _cut_word(text: str, room: int) -> tuple[str, str]:
    """Cut a long word so the escaped head fits `room`, never inside an `&amp;` entity."""
    head_len = 0
    used = 0
    for char in text:
        size = width(escape(char))
        if used + size > room:
            break
        used += size
        head_len += 1
    head_len = max(1, head_len)
    return text[:head_len], text[head_len:]
