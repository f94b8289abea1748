"""Load a discussion paper from markdown pages into a `Paper` of `Section`s.

A paper is a folder of markdown pages in file-name order, or in the order a `paper.toml` in the
folder lists (`pages = [...]`, optional `title = "..."`), or one markdown file. Every `# ` heading
starts a section, so a folder page normally holds one section and a single file holds them all.
Loading is all-or-nothing: any problem raises `PaperError` naming the file (and line where known).
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import json
import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path

from bot.domain import (
    Emphasis,
    FormSpec,
    Inline,
    InlineCode,
    LineBreak,
    Link,
    Paper,
    Section,
    Strong,
    Text,
)
from bot.errors import PaperError
from bot.forms import DEFAULT_FORM, extract_form
from bot.paper_html import FeedbackBlock, cut_feedback
from bot.paper_markdown import Chunk, parse_page

logger = logging.getLogger(__name__)

MAX_PAGE_BYTES = 2_000_000
TOML_NAME = "paper.toml"


def slugify(text: str) -> str:
    """A stable id for `text`: lower-case ASCII words joined by hyphens ("how-our-system-works").

    Text with no ASCII letters or digits gets "section-" and a short hash of the text.
    """
    text = re.sub(r"['\u2018\u2019`]", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "section-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, **fields}
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def content_hash(value: object) -> str:
    """The first 16 hex digits of the SHA-256 of a canonical JSON form of `value`."""
    text = json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain(nodes: Iterable[Inline]) -> str:
    parts: list[str] = []
    for node in nodes:
        match node:
            case Text(text=text) | InlineCode(text=text):
                parts.append(text)
            case Emphasis(children=kids) | Strong(children=kids) | Link(children=kids):
                parts.append(_plain(kids))
            case LineBreak():
                parts.append(" ")
    return " ".join("".join(parts).split())


# --- Reading files ------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """A page's text with `\\n` line ends; PaperError for unreadable, binary or non-UTF-8 files."""
    try:
        if path.stat().st_size > MAX_PAGE_BYTES:
            raise PaperError(
                f"the file is larger than {MAX_PAGE_BYTES:,} bytes: is it really a paper page?",
                path=str(path),
            )
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PaperError(f"cannot read the file ({reason})", path=str(path)) from exc
    if (nul := data.find(b"\0")) >= 0:
        raise PaperError(
            "this is a binary file (it contains NUL bytes), not markdown text",
            path=str(path),
            line=data.count(b"\n", 0, nul) + 1,
        )
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PaperError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}): save it as UTF-8",
            path=str(path),
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _folder_pages(folder: Path) -> list[Path]:
    pages = sorted(
        (p for p in folder.iterdir() if p.suffix.lower() == ".md" and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    pages = [p for p in pages if p.is_file()]
    if not pages:
        raise PaperError(
            "the folder has no markdown pages (*.md): add at least one", path=str(folder)
        )
    return pages


def _toml_pages(folder: Path, toml: Path, listed: object) -> list[Path]:
    where = str(toml)
    if not isinstance(listed, list) or not listed:
        raise PaperError('"pages" must be a non-empty list of file names', path=where)
    pages: list[Path] = []
    for name in listed:
        if not isinstance(name, str) or not name.strip():
            raise PaperError(f'"pages" holds {name!r}, which is not a file name', path=where)
        page = folder / name
        if not page.resolve().is_relative_to(folder.resolve()):
            raise PaperError(f'"pages" lists {name!r}, which is outside the folder', path=where)
        if not page.is_file():
            raise PaperError(f'"pages" lists {name!r}, which does not exist', path=where)
        if page in pages:
            raise PaperError(f'"pages" lists {name!r} twice', path=where)
        pages.append(page)
    return pages


def _toml(folder: Path, toml: Path) -> tuple[list[Path], str | None]:
    try:
        data = tomllib.loads(read_text(toml))
    except tomllib.TOMLDecodeError as exc:
        raise PaperError(f"not valid TOML: {exc}", path=str(toml)) from exc
    for key in sorted(set(data) - {"title", "pages"}):
        logger.warning("%s: ignoring unknown key %r (known: title, pages)", toml, key)
    title = data.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise PaperError('"title" must be a non-empty string', path=str(toml))
    listed = data.get("pages")
    pages = _folder_pages(folder) if listed is None else _toml_pages(folder, toml, listed)
    return pages, title.strip() if title else None


def _sources(path: Path) -> tuple[list[Path], str | None]:
    """The pages of the paper at `path` in reading order, and a title if paper.toml gives one."""
    if path.is_dir():
        toml = path / TOML_NAME
        return _toml(path, toml) if toml.is_file() else (_folder_pages(path), None)
    if path.is_file():
        return [path], None
    raise PaperError("no such file or folder: check the path to the paper", path=str(path))


# --- Building sections --------------------------------------------------------------------------


def _forms(
    blocks: Sequence[FeedbackBlock], chunks: Sequence[Chunk], *, path: str
) -> list[FormSpec]:
    """Each chunk's form: the `<form>` below its heading, else the default form."""
    forms: list[FormSpec | None] = [None] * len(chunks)
    for block in blocks:
        spec = extract_form(block.html, path=path, line=block.line)
        if spec is None:
            continue
        index = max((i for i, c in enumerate(chunks) if c.line <= block.line), default=0)
        if forms[index] is not None:
            raise PaperError(
                f"section '{_plain(chunks[index].title)}' has a second feedback <form>: keep one",
                path=path,
                line=block.line,
            )
        forms[index] = spec
    return [form or DEFAULT_FORM for form in forms]


def _section(chunk: Chunk, *, ordinal: int, form: FormSpec, source: str) -> Section:
    title = _plain(chunk.title)
    version = content_hash(
        {"title": title, "blocks": chunk.blocks, "footnotes": chunk.footnotes, "form": form}
    )
    return Section(
        id=slugify(title),
        ordinal=ordinal,
        title=title,
        anchor=chunk.anchor,
        blocks=chunk.blocks,
        footnotes=chunk.footnotes,
        form=form,
        version=version,
        source=source,
    )


def _page_sections(page: Path, *, first_ordinal: int) -> list[tuple[Section, int]]:
    """The sections of one page, each with the line of its title."""
    where = str(page)
    text = read_text(page)
    if not text.strip():
        raise PaperError(
            "the page is empty: write a '# Title' and some text, or delete it", path=where
        )
    body, feedback = cut_feedback(text, path=where)
    chunks = parse_page(body, path=where)
    forms = _forms(feedback, chunks, path=where)
    return [
        (_section(chunk, ordinal=first_ordinal + i, form=form, source=where), chunk.line)
        for i, (chunk, form) in enumerate(zip(chunks, forms, strict=True))
    ]


def _check_unique(sections: Sequence[tuple[Section, int]]) -> None:
    seen: dict[str, Section] = {}
    for section, line in sections:
        first = seen.setdefault(section.id, section)
        if first is not section:
            raise PaperError(
                f"two sections have the id '{section.id}': '{first.title}' in {first.source} and "
                f"'{section.title}' here; rename one of the titles",
                path=section.source,
                line=line,
            )


def load_paper(path: Path) -> Paper:
    """Load the paper at `path` (a folder of pages or one markdown file).

    Raises PaperError, naming the file and line where known, for a missing path, a folder with no
    pages, an empty, binary or non-UTF-8 page, a page without a `# ` heading, two sections with
    the same id, or a `<form>` without usable fields.
    """
    pages, title = _sources(path)
    found: list[tuple[Section, int]] = []
    for page in pages:
        found.extend(_page_sections(page, first_ordinal=len(found) + 1))
    _check_unique(found)
    sections = tuple(section for section, _ in found)
    # Without paper.toml the first section's title names the paper: a folder name ("paper",
    # "pages") rarely does.
    title = title or sections[0].title
    version = content_hash({"title": title, "sections": [(s.id, s.version) for s in sections]})
    return Paper(id=slugify(title), title=title, sections=sections, version=version)
