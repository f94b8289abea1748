"""Loading papers: the example paper, the layouts a paper may take, and odd or bad input."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain import (
    Block,
    CodeBlock,
    Emphasis,
    FieldKind,
    Footnote,
    FootnoteRef,
    Heading,
    Inline,
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
from bot.errors import PaperError
from bot.forms import DEFAULT_FORM
from bot.paper import load_paper, slugify
from bot.plaintext import section_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "paper"

FORM = """
<div class="feedback-section" id="sheets">
  <h2>Page feedback</h2>
  <form id="gs-form">
    <label for="gs-summary">Summary</label>
    <input type="text" id="gs-summary" name="summary" required minlength="3">
  </form>
</div>
"""


@pytest.fixture(scope="module")
def example() -> Paper:
    return load_paper(EXAMPLE)


def write(folder: Path, pages: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in pages.items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder


def one_section(tmp_path: Path, markdown: str) -> Section:
    paper = load_paper(write(tmp_path / "paper", {"page.md": markdown}))
    assert len(paper.sections) == 1
    return paper.sections[0]


def walk_inlines(nodes: tuple[Inline, ...]) -> Iterator[Inline]:
    for node in nodes:
        yield node
        if isinstance(node, Emphasis | Strong | Link):
            yield from walk_inlines(node.children)


def walk(blocks: tuple[Block, ...]) -> Iterator[Block | Inline]:
    for block in blocks:
        yield block
        match block:
            case Paragraph(children=kids) | Heading(children=kids):
                yield from walk_inlines(kids)
            case Quote(children=children):
                yield from walk(children)
            case ListBlock(items=items):
                for item in items:
                    yield from walk(item)


def refs(section: Section) -> list[str]:
    return [n.label for n in walk(section.blocks) if isinstance(n, FootnoteRef)]


def footnote(section: Section, label: str) -> Footnote:
    return next(f for f in section.footnotes if f.label == label)


# --- The example paper ----------------------------------------------------------------------


def test_example_sections_follow_the_order_paper_toml_lists(example: Paper) -> None:
    assert [(s.ordinal, s.id) for s in example.sections] == [
        (1, "why-a-shared-practice-network"),
        (2, "how-practice-travels-today"),
        (3, "what-the-network-could-offer"),
        (4, "questions-for-you"),
    ]


def test_paper_title_and_id_come_from_paper_toml(example: Paper) -> None:
    assert example.title == "A Shared Practice Network for Youth Services"
    assert example.id == "a-shared-practice-network-for-youth-services"


def test_title_wrapped_in_a_styled_span_is_reduced_to_its_words(example: Paper) -> None:
    assert example.sections[1].title == "How practice travels today"


def test_anchor_on_the_title_becomes_the_section_anchor(example: Paper) -> None:
    assert example.sections[3].anchor == "questions"
    assert example.sections[3].title == "Questions for you"
    assert example.sections[0].anchor is None


def test_subheading_anchor_is_kept_and_removed_from_the_words(example: Paper) -> None:
    headings = [b for b in example.sections[0].blocks if isinstance(b, Heading)]
    assert headings[0] == Heading(
        level=2, children=(Text(text="The problem we want to solve"),), anchor="the-problem"
    )


def test_sup_references_point_to_footnotes_listed_after_the_marker(example: Paper) -> None:
    travels = example.sections[1]
    assert refs(travels) == ["3", "5", "4"]
    assert [f.label for f in travels.footnotes] == ["3", "4", "5"]


def test_caret_reference_without_definition_stays_a_reference_and_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write(tmp_path / "p", {"a.md": "# Page\n\nA claim.<sup>[^2]</sup>\n"})
    (section,) = load_paper(folder).sections
    assert refs(section) == ["2"]
    assert section.footnotes == ()
    assert "footnote [2] is referenced but has no text" in caplog.text


def test_footnote_list_leaves_the_body(example: Paper) -> None:
    assert "From notes taken at three regional" not in section_text(example.sections[0])


def test_bare_url_in_a_footnote_becomes_a_link_to_itself(example: Paper) -> None:
    note = footnote(example.sections[0], "1")
    url = "https://example.org/forums/2024-notes"
    assert Link(href=url, children=(Text(text=url),)) in note.children
    assert note.children[-1] == Text(text=".")


def test_markdown_link_in_a_footnote_keeps_its_href(example: Paper) -> None:
    note = footnote(example.sections[2], "6")
    assert Link(href="https://example.org/method", children=(Text(text="our method note"),)) in (
        note.children
    )


def test_bold_with_a_space_before_the_closing_stars_shows_the_words(example: Paper) -> None:
    travels = example.sections[1]
    assert Strong(children=(Text(text="street-based football"),)) in list(walk(travels.blocks))
    assert "*" not in section_text(travels)


def test_italic_with_trailing_spaces_and_a_hard_break(example: Paper) -> None:
    caption = example.sections[1].blocks[-1]
    assert caption == Paragraph(
        children=(
            Emphasis(
                children=(Text(text="A simplified picture, drawn from interviews, not a full map"),)
            ),
            LineBreak(),
            Emphasis(children=(Text(text="of every route an idea can take"),)),
        )
    )


def test_list_items_hold_block_quotes(example: Paper) -> None:
    listing = next(b for b in example.sections[0].blocks if isinstance(b, ListBlock))
    assert not listing.ordered
    first = listing.items[0]
    assert first == (
        Quote(
            children=(
                Paragraph(
                    children=(
                        Strong(children=(Text(text="Practitioners"),)),
                        Text(text=" who run sessions every week"),
                    )
                ),
            )
        ),
    )


def test_image_placeholder_becomes_its_title_and_an_untitled_one_is_dropped(
    example: Paper,
) -> None:
    text = section_text(example.sections[1])
    assert "Diagram: how a session idea moves between teams" in text
    assert "photo2" not in text
    assert "original-image" not in text


def test_escaped_brackets_become_plain_text(example: Paper) -> None:
    assert "open session: [LINK]" in section_text(example.sections[0])


def test_html_comments_and_styling_spans_are_dropped(example: Paper) -> None:
    offer = section_text(example.sections[2])
    assert "costings" not in offer
    assert "- Swapping session plans" in offer


def test_feedback_block_is_not_part_of_the_text(example: Paper) -> None:
    for section in example.sections:
        text = section_text(section)
        assert "Page feedback" not in text
        assert "Send feedback" not in text
        assert not re.search(r"<|-->|\*\*", text)


def test_form_with_only_ids_takes_names_from_the_ids(example: Paper) -> None:
    form = example.sections[0].form
    assert [f.name for f in form.fields] == ["nature", "summary", "details", "role", "org", "email"]
    kinds = {f.name: f.kind for f in form.fields}
    assert (kinds["role"], kinds["email"]) == (FieldKind.SELECT, FieldKind.EMAIL)


def test_forms_with_names_and_with_ids_read_the_same(example: Paper) -> None:
    assert example.sections[0].form == example.sections[1].form


def test_page_without_a_form_gets_the_default_form(example: Paper) -> None:
    assert example.sections[2].form is DEFAULT_FORM


def test_page_form_with_its_own_fields_is_used_as_written(example: Paper) -> None:
    form = example.sections[3].form
    assert [f.name for f in form.fields] == ["priority", "answer", "email"]
    answer = form.field("answer")
    assert answer is not None
    assert (answer.kind, answer.required, answer.min_length, answer.max_length) == (
        FieldKind.TEXTAREA,
        True,
        10,
        2000,
    )


def test_section_source_names_its_page(example: Paper) -> None:
    assert example.sections[0].source.endswith("01-why-a-network.md")


def test_versions_are_short_hex_digests_stable_across_loads(example: Paper) -> None:
    again = load_paper(EXAMPLE)
    assert again == example
    assert all(re.fullmatch(r"[0-9a-f]{16}", s.version) for s in example.sections)
    assert re.fullmatch(r"[0-9a-f]{16}", example.version)


def test_editing_one_page_changes_only_that_sections_version(
    example: Paper, tmp_path: Path
) -> None:
    copy = Path(shutil.copytree(EXAMPLE, tmp_path / "paper"))
    page = copy / "03-what-the-network-could-offer.md"
    page.write_text(page.read_text(encoding="utf-8").replace("wet Tuesday", "wet Thursday"))
    edited = load_paper(copy)
    pairs = zip(example.sections, edited.sections, strict=True)
    changed = [a.id for a, b in pairs if a.version != b.version]
    assert [s.id for s in edited.sections] == [s.id for s in example.sections]
    assert changed == ["what-the-network-could-offer"]
    assert edited.version != example.version


# --- Layouts --------------------------------------------------------------------------------


def test_folder_without_toml_reads_pages_in_order_and_takes_the_first_title(tmp_path: Path) -> None:
    folder = write(tmp_path / "youth-work_review", {"b.md": "# Second\n", "a.md": "# First\n"})
    paper = load_paper(folder)
    assert [s.title for s in paper.sections] == ["First", "Second"]
    assert paper.title == "First"
    assert paper.id == "first"


def test_only_markdown_pages_are_read(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "p",
        {"a.md": "# Kept\n", "notes.txt": "# Not a page\n", ".draft.md": "# Hidden\n"},
    )
    assert [s.title for s in load_paper(folder).sections] == ["Kept"]


def test_toml_without_pages_keeps_file_name_order_and_sets_the_title(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"2.md": "# Two\n", "1.md": "# One\n"})
    (folder / "paper.toml").write_text('title = "Numbers"\n')
    paper = load_paper(folder)
    assert paper.title == "Numbers"
    assert [s.title for s in paper.sections] == ["One", "Two"]


def test_single_file_is_split_at_its_top_level_headings(tmp_path: Path) -> None:
    text = "# Opening\n\nHello.\n" + FORM + "\n# Middle\n\nNo form here.\n\nClosing words\n=====\n"
    write(tmp_path, {"paper.md": text})
    paper = load_paper(tmp_path / "paper.md")
    assert [(s.ordinal, s.title) for s in paper.sections] == [
        (1, "Opening"),
        (2, "Middle"),
        (3, "Closing words"),
    ]
    assert paper.title == "Opening"
    assert [f.name for f in paper.sections[0].form.fields] == ["summary"]
    assert paper.sections[1].form is DEFAULT_FORM


def test_feedback_block_without_a_form_is_dropped_and_the_default_form_used(
    tmp_path: Path,
) -> None:
    page = (
        '# T\n\nBody.\n\n<div class="feedback-section">\n<h2>Page feedback</h2>\n\n'
        "Write to us.\n</div>\n"
    )
    section = one_section(tmp_path, page)
    assert section_text(section) == "Body."
    assert section.form is DEFAULT_FORM


def test_unknown_paper_toml_keys_are_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write(tmp_path / "p", {"a.md": "# A\n", "paper.toml": 'titel = "typo"\n'})
    load_paper(folder)
    assert "ignoring unknown key 'titel'" in caplog.text


def test_markdown_footnote_definitions_become_footnotes(tmp_path: Path) -> None:
    section = one_section(
        tmp_path, "# T\n\nA claim.[^src]\n\n[^src]: See [the report](https://r.example).\n"
    )
    assert refs(section) == ["src"]
    assert section.footnotes == (
        Footnote(
            label="src",
            children=(
                Text(text="See "),
                Link(href="https://r.example", children=(Text(text="the report"),)),
                Text(text="."),
            ),
        ),
    )
    assert section_text(section) == "A claim.[src]"


def test_inline_html_keeps_words_links_and_emphasis(tmp_path: Path) -> None:
    section = one_section(
        tmp_path,
        '# T\n\n<font color="red">Red</font> <a href="https://a.example">site</a> '
        "<b>bold</b><br>next <i>it</i> <abbr>ABC</abbr>\n",
    )
    assert section.blocks == (
        Paragraph(
            children=(
                Text(text="Red "),
                Link(href="https://a.example", children=(Text(text="site"),)),
                Text(text=" "),
                Strong(children=(Text(text="bold"),)),
                LineBreak(),
                Text(text="next "),
                Emphasis(children=(Text(text="it"),)),
                Text(text=" ABC"),
            )
        ),
    )


def test_html_anchor_without_a_safe_href_keeps_only_its_words(tmp_path: Path) -> None:
    section = one_section(
        tmp_path, '# T\n\n<a href="javascript:alert(1)">click</a> and <a name="x">here</a>\n'
    )
    assert section.blocks == (Paragraph(children=(Text(text="click and here"),)),)


def test_bare_url_in_body_text_becomes_a_link_without_trailing_punctuation(
    tmp_path: Path,
) -> None:
    section = one_section(tmp_path, "# T\n\nSee (https://x.example/a_(b)/c).\n")
    url = "https://x.example/a_(b)/c"
    assert section.blocks == (
        Paragraph(
            children=(
                Text(text="See ("),
                Link(href=url, children=(Text(text=url),)),
                Text(text=")."),
            )
        ),
    )


def test_unclosed_inline_html_keeps_its_words(tmp_path: Path) -> None:
    section = one_section(tmp_path, "# T\n\n<em>never closed and </strong> stray\n")
    assert section_text(section) == "never closed and stray"


def test_raw_html_block_keeps_only_its_text(tmp_path: Path) -> None:
    section = one_section(
        tmp_path, '# T\n\n<div class="note">\n<p>Boxed <b>words</b></p>\n</div>\n'
    )
    assert section_text(section) == "Boxed words"


def test_superscript_that_is_not_a_number_is_just_text(tmp_path: Path) -> None:
    section = one_section(tmp_path, "# T\n\nThe 1<sup>st</sup> time.\n")
    assert section_text(section) == "The 1st time."
    assert refs(section) == []


def test_asterisks_in_code_are_left_alone(tmp_path: Path) -> None:
    section = one_section(tmp_path, "# T\n\nUse `**x **` here.\n\n```py\nprint(*a *)\n```\n")
    assert section.blocks == (
        Paragraph(children=(Text(text="Use "), InlineCode(text="**x **"), Text(text=" here."))),
        CodeBlock(text="print(*a *)\n", language="py"),
    )


def test_ordered_list_keeps_its_start_number(tmp_path: Path) -> None:
    section = one_section(tmp_path, "# T\n\n3. three\n4. four\n")
    assert section_text(section) == "3. three\n4. four"


def test_leading_comment_before_the_title_is_allowed(tmp_path: Path) -> None:
    section = one_section(tmp_path, "<!-- exported 2025-01-01 -->\n\n# T\n\nBody.\n")
    assert section.title == "T"


def test_windows_line_ends_and_byte_order_mark_are_accepted(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "\ufeff# Title\r\n\r\nBody  \r\nmore\r\n".encode()})
    section = load_paper(folder).sections[0]
    assert section.title == "Title"
    assert section_text(section) == "Body\nmore"


def test_slugs_are_lower_case_ascii_words() -> None:
    assert slugify("How our system works") == "how-our-system-works"
    assert slugify("Children’s services: café  “data”!") == "childrens-services-cafe-data"
    assert re.fullmatch(r"section-[0-9a-f]{8}", slugify("数据"))


# --- Bad input: every rule raises PaperError naming the file ------------------------------------


def raises_naming(path: Path, *, match: str) -> pytest.RaisesExc[PaperError]:
    return pytest.raises(PaperError, match=re.escape(str(path)) + r".*" + match)


def test_missing_path_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with raises_naming(missing, match="no such file or folder"):
        load_paper(missing)


def test_folder_without_pages_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"readme.txt": "hello"})
    with raises_naming(folder, match=r"no markdown pages"):
        load_paper(folder)


def test_empty_page_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# Fine\n", "b.md": "  \n\n"})
    with raises_naming(folder / "b.md", match="empty"):
        load_paper(folder)


def test_non_utf8_page_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": b"# Title\n\ncaf\xe9\n"})
    with pytest.raises(PaperError, match=re.escape(f"{folder / 'a.md'}:3") + ".*not UTF-8") as err:
        load_paper(folder)
    assert err.value.line == 3


def test_binary_page_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": b"# Title\n\x00\x01\x02"})
    with raises_naming(folder / "a.md", match="binary"):
        load_paper(folder)


def test_page_without_a_top_level_heading_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "## Only a subheading\n\nText.\n"})
    with raises_naming(folder / "a.md", match="no '# ' heading"):
        load_paper(folder)


def test_text_before_the_first_heading_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "\n\nStray words.\n\n# Title\n"})
    with raises_naming(folder / "a.md", match="text before the first"):
        load_paper(folder)


def test_heading_without_words_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": '# <span style="color:red"></span>\n\nBody.\n'})
    with raises_naming(folder / "a.md", match="no text"):
        load_paper(folder)


def test_two_sections_with_the_same_id_are_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# Our plan\n", "b.md": "# Our plan!\n"})
    with raises_naming(folder / "b.md", match="two sections have the id 'our-plan'"):
        load_paper(folder)


def test_form_without_usable_fields_is_refused(tmp_path: Path) -> None:
    form = (
        '<form>\n<input type="hidden" name="page">\n'
        '<input type="text" name="hp_field" style="display:none">\n'
        "<button>Send</button>\n</form>\n"
    )
    folder = write(tmp_path / "p", {"a.md": "# Title\n\nBody.\n\n" + form})
    with raises_naming(folder / "a.md", match="no fields"):
        load_paper(folder)


def test_unclosed_form_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": '# Title\n\n<form>\n<input name="x">\n'})
    with raises_naming(folder / "a.md", match="never closed"):
        load_paper(folder)


def test_footnote_defined_twice_is_refused(tmp_path: Path) -> None:
    page = "# T\n\nA<sup>1</sup>\n\n<!-- footnotes -->\n\n<sup>1</sup> one\n\n<sup>1</sup> again\n"
    folder = write(tmp_path / "p", {"a.md": page})
    with raises_naming(folder / "a.md", match="footnote 1 is defined twice"):
        load_paper(folder)


def test_two_forms_under_one_heading_are_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# Title\n" + FORM + "\nMore.\n" + FORM})
    with raises_naming(folder / "a.md", match="second feedback <form>"):
        load_paper(folder)


def test_oversized_page_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# Big\n\n" + "word " * 500_000})
    with raises_naming(folder / "a.md", match="larger than"):
        load_paper(folder)


def test_invalid_paper_toml_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# A\n", "paper.toml": "pages = [\n"})
    with raises_naming(folder / "paper.toml", match="not valid TOML"):
        load_paper(folder)


def test_paper_toml_listing_a_missing_page_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# A\n", "paper.toml": 'pages = ["a.md", "b.md"]\n'})
    with raises_naming(folder / "paper.toml", match="'b.md', which does not exist"):
        load_paper(folder)


def test_paper_toml_listing_a_page_outside_the_folder_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"outside.md": "# Out\n"})
    folder = write(tmp_path / "p", {"paper.toml": 'pages = ["../outside.md"]\n'})
    with raises_naming(folder / "paper.toml", match="outside the folder"):
        load_paper(folder)


def test_paper_toml_with_a_non_text_title_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# A\n", "paper.toml": "title = 3\n"})
    with raises_naming(folder / "paper.toml", match='"title"'):
        load_paper(folder)


def test_one_bad_page_fails_the_whole_load(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"a.md": "# Good\n\nFine.\n", "b.md": "No heading.\n"})
    with raises_naming(folder / "b.md", match="no '# ' heading"):
        load_paper(folder)
