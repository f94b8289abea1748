"""The real discussion paper in ../shared/paper loads into clean sections, footnotes and forms.

The paper's text is not copied into the project: these tests read it where it lives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain import (
    Block,
    Emphasis,
    FieldKind,
    FootnoteRef,
    Heading,
    Inline,
    Link,
    ListBlock,
    Paper,
    Paragraph,
    Quote,
    Section,
    Strong,
)
from bot.paper import load_paper
from bot.plaintext import section_text

REAL = Path(__file__).resolve().parents[2] / "shared" / "paper"


@pytest.fixture(scope="module")
def paper() -> Paper:
    if not REAL.is_dir():
        pytest.skip(f"the real paper is not checked out at {REAL}")
    return load_paper(REAL)


def by_title(paper: Paper, title: str) -> Section:
    return next(s for s in paper.sections if s.title == title)


def inlines(nodes: tuple[Inline, ...]) -> Iterator[Inline]:
    for node in nodes:
        yield node
        if isinstance(node, Emphasis | Strong | Link):
            yield from inlines(node.children)


def ref_labels(blocks: tuple[Block, ...]) -> Iterator[str]:
    for block in blocks:
        match block:
            case Paragraph(children=kids) | Heading(children=kids):
                yield from (n.label for n in inlines(kids) if isinstance(n, FootnoteRef))
            case Quote(children=children):
                yield from ref_labels(children)
            case ListBlock(items=items):
                for item in items:
                    yield from ref_labels(item)


def test_five_sections_in_page_order(paper: Paper) -> None:
    assert [s.title for s in paper.sections] == [
        "Imagining a Centre of Excellence",
        "How our system works",
        "Status",
        "Advocacy across internal hierarchies",
        "Redefining cross-sector collaboration",
    ]
    assert [s.id for s in paper.sections][1] == "how-our-system-works"
    assert [s.ordinal for s in paper.sections] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("markup", ["<form", "<span", "<sup", "<!--", "**", "original-image"])
def test_no_markup_in_any_sections_plain_text(paper: Paper, markup: str) -> None:
    for section in paper.sections:
        assert markup not in section_text(section), section.title


@pytest.mark.parametrize(
    ("title", "labels"),
    [
        ("Status", ["13", "14"]),
        ("Advocacy across internal hierarchies", ["43", "44", "45", "46"]),
        ("Redefining cross-sector collaboration", ["50", "51", "52", "53", "54", "55"]),
    ],
)
def test_footnotes_are_collected_and_referenced(
    paper: Paper, title: str, labels: list[str]
) -> None:
    section = by_title(paper, title)
    assert [f.label for f in section.footnotes] == labels
    assert set(labels) <= set(ref_labels(section.blocks))


@pytest.mark.parametrize(
    ("title", "label"),
    [
        ("Status", "14"),
        ("Advocacy across internal hierarchies", "43"),
        ("Advocacy across internal hierarchies", "45"),
        ("Redefining cross-sector collaboration", "52"),
    ],
)
def test_footnotes_keep_their_links(paper: Paper, title: str, label: str) -> None:
    note = next(f for f in by_title(paper, title).footnotes if f.label == label)
    links = [n for n in inlines(note.children) if isinstance(n, Link)]
    assert links
    assert all(link.href.startswith("https://") for link in links)


def test_references_without_definitions_stay_references(paper: Paper) -> None:
    first, second = paper.sections[0], paper.sections[1]
    assert list(ref_labels(first.blocks)) == ["1", "2"]
    assert list(ref_labels(second.blocks)) == ["3", "4"]
    assert first.footnotes == () == second.footnotes


def test_subheading_anchors_are_kept(paper: Paper) -> None:
    headings = [b for b in paper.sections[0].blocks if isinstance(b, Heading)]
    assert [h.anchor for h in headings] == [
        "a-case-for-change",
        "our-invitation",
        "clear-opportunities",
    ]


def test_every_section_has_the_six_field_feedback_form(paper: Paper) -> None:
    for section in paper.sections:
        form = section.form
        assert [f.name for f in form.fields] == [
            "nature",
            "summary",
            "details",
            "role",
            "org",
            "email",
        ], section.title
        f = {field.name: field for field in form.fields}
        assert (len(f["nature"].options), f["nature"].required) == (6, False)
        assert (f["summary"].required, f["summary"].min_length) == (True, 5)
        assert (f["role"].kind, f["role"].required, len(f["role"].options)) == (
            FieldKind.SELECT,
            True,
            14,
        )
        assert (f["email"].kind, f["email"].required) == (FieldKind.EMAIL, False)


def test_versions_differ_between_sections(paper: Paper) -> None:
    assert len({s.version for s in paper.sections}) == 5
