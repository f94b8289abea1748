"""Example papers and helpers shared by the storage tests (our own words, not the real paper)."""

from __future__ import annotations

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
    InlineCode,
    LineBreak,
    Link,
    ListBlock,
    Paper,
    Paragraph,
    Quote,
    Section,
    Strong,
    Text,
)

FORM = FormSpec(
    fields=(
        FormField(
            name="nature",
            kind=FieldKind.SELECT,
            label="What kind of feedback is this?",
            options=("I agree", "I am unsure", "Other"),
        ),
        FormField(
            name="summary",
            kind=FieldKind.TEXT,
            label="Summary",
            required=True,
            min_length=5,
            max_length=200,
            placeholder="Brief summary (required)",
        ),
        FormField(name="details", kind=FieldKind.TEXTAREA, label="Details"),
        FormField(name="email", kind=FieldKind.EMAIL, label="Your email"),
    )
)

RICH_BLOCKS: tuple[Block, ...] = (
    Heading(level=2, anchor="why-it-matters", children=(Text(text="Why it matters"),)),
    Paragraph(
        children=(
            Text(text="Councils share "),
            Strong(children=(Text(text="cost "), Emphasis(children=(Text(text="and"),)))),
            Text(text=" risk"),
            FootnoteRef(label="13"),
            LineBreak(),
            Link(href="https://example.org/a?b=1&c=2", children=(InlineCode(text="a <b>"),)),
        )
    ),
    ListBlock(
        ordered=True,
        start=3,
        items=(
            (Paragraph(children=(Text(text="first"),)),),
            (
                Paragraph(children=(Text(text="second, with a quote"),)),
                Quote(
                    children=(
                        Paragraph(children=(Text(text="quoted “words” ✓"),)),
                        ListBlock(ordered=False, items=((Paragraph(children=()),),)),
                    )
                ),
            ),
            (),
        ),
    ),
    CodeBlock(text="select 1;\n", language="sql"),
    CodeBlock(text="plain"),
)

RICH_FOOTNOTES = (
    Footnote(label="13", children=(Text(text="See "), Link(href="#x", children=(Text(text="x"),)))),
    Footnote(label="1", children=()),
)


def section(
    section_id: str, *, ordinal: int, version: str = "v1", title: str | None = None
) -> Section:
    """A section whose body says which version it is."""
    return Section(
        id=section_id,
        ordinal=ordinal,
        title=title or f"Section {section_id}",
        anchor=section_id,
        blocks=(Paragraph(children=(Text(text=f"{section_id} at {version}"),)),),
        footnotes=(),
        form=FORM,
        version=version,
        source=f"{section_id}.md",
    )


def rich_section() -> Section:
    """A section using every kind of node."""
    return Section(
        id="intro",
        ordinal=0,
        title="Introduction",
        anchor=None,
        blocks=RICH_BLOCKS,
        footnotes=RICH_FOOTNOTES,
        form=FORM,
        version="r1",
        source="01-intro.md",
    )


def paper(*sections: Section, version: str = "p1") -> Paper:
    """The example paper with the given sections (a rich one and two plain ones by default)."""
    chosen = sections or (
        rich_section(),
        section("costs", ordinal=1),
        section("people", ordinal=2),
    )
    return Paper(id="example", title="An example paper", sections=chosen, version=version)
