"""A paper of our own with a section far too long for one Slack message, written to disk so
the real paper loader reads it."""

from __future__ import annotations

from pathlib import Path

LONG_ID = "a-very-long-section"
SHORT_ID = "a-short-section"

_SENTENCES = (
    "Teams that meet every month tend to copy good ideas faster than those that never meet.",
    "A shared folder is not a network; people need a reason to open it and someone to ask.",
    "Some of the best session plans were written on the back of a bus timetable.",
    "Managers told us they would trade one meeting a month for **a reliable place to look**.",
    "Young people noticed when a session had been *borrowed and improved* from elsewhere.",
)


def _paragraph(n: int) -> str:
    body = " ".join(_SENTENCES[(n + i) % len(_SENTENCES)] for i in range(6))
    return f"{body} See [note {n}](https://example.org/notes/{n}?a=1&b=2).<sup>1</sup>"


def write_long_paper(folder: Path, *, paragraphs: int = 40) -> Path:
    """A two-page paper: one very long section (lists, a quote, a paragraph of more than
    3000 characters) and one short one. Returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    giant = " ".join(_SENTENCES[i % len(_SENTENCES)] for i in range(45))
    giant += " Read [the long report | part one > summary](https://example.org/report)."
    long_page = [
        "# A very long section",
        "",
        *(p for n in range(paragraphs) for p in (_paragraph(n), "")),
        giant,
        "",
        "- first point to discuss",
        "- second point, with a link to [the form](https://example.org/form)",
        "",
        "> A quoted remark from a practitioner, kept as a quote.",
        "",
        "<!-- footnotes -->",
        "",
        "<sup>1</sup> Our own illustrative note, see https://example.org/notes.",
        "",
    ]
    (folder / "01-long.md").write_text("\n".join(long_page), encoding="utf-8")
    (folder / "02-short.md").write_text(
        "# A short section\n\nOne paragraph is enough here.\n", encoding="utf-8"
    )
    (folder / "paper.toml").write_text(
        'title = "A long paper for tests"\npages = ["01-long.md", "02-short.md"]\n',
        encoding="utf-8",
    )
    return folder
