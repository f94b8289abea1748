"""The web channel's small parts on their own: signing, link safety, block rendering, the
platform, the demo and the read model."""

from __future__ import annotations

from adapters.web.blocks import SectionHtml, safe_href
from adapters.web.demo import prepare_demo
from adapters.web.platform import WebPlatform
from adapters.web.signing import Signer
from bot.delivery_progress import MemoryProgress
from bot.domain import (
    CodeBlock,
    FootnoteRef,
    FormSpec,
    Heading,
    Link,
    Paragraph,
    Platform,
    Post,
    PostKind,
    PostState,
    Section,
    Text,
)
from bot.feed import channel_feed
from tests.web.site import Member, Site


def test_signed_value_round_trips_and_rejects_tampering() -> None:
    signer = Signer("secret")
    value = signer.sign("identity", {"u": "w_1"})
    assert signer.unsign("identity", value) == {"u": "w_1"}
    body, _, mac = value.partition(".")
    assert signer.unsign("identity", body + "x." + mac) is None
    assert signer.unsign("identity", value + "x") is None
    assert signer.unsign("identity", "no-dot") is None
    assert signer.unsign("identity", None) is None


def test_signature_for_one_purpose_is_useless_for_another() -> None:
    signer = Signer("secret")
    assert signer.unsign("admin", signer.sign("identity", {"u": "w_1"})) is None
    assert not signer.check_token("admin-form", "w_1", signer.token("member-form", "w_1"))
    assert signer.check_token("member-form", "w_1", signer.token("member-form", "w_1"))


def test_another_secret_cannot_verify() -> None:
    assert Signer("other").unsign("identity", Signer("secret").sign("identity", {"u": 1})) is None


def test_only_http_https_and_mailto_links_are_kept() -> None:
    assert safe_href("https://example.org/a?b=c") == "https://example.org/a?b=c"
    assert safe_href("mailto:team@example.org") == "mailto:team@example.org"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,x",
        "/relative",
        "http://",
        "vbscript:x",
    ):
        assert safe_href(bad) is None, bad


def _section(*blocks: Paragraph | Heading | CodeBlock) -> Section:
    return Section(
        id="s",
        ordinal=1,
        title="T",
        anchor=None,
        blocks=blocks,
        footnotes=(),
        form=FormSpec(fields=()),
        version="v1",
    )


def test_unsafe_link_is_rendered_as_its_text() -> None:
    html = SectionHtml(
        _section(
            Paragraph(children=(Link(href="javascript:alert(1)", children=(Text(text="click"),)),))
        ),
        prefix="section-s",
    ).body()
    assert str(html) == "<p>click</p>"


def test_text_and_code_in_the_paper_are_escaped() -> None:
    html = SectionHtml(
        _section(
            Paragraph(children=(Text(text="<script>x</script>"),)),
            CodeBlock(text="<b>&</b>\n"),
            Heading(level=2, children=(Text(text="H"),), anchor='a" onmouseover="x'),
        ),
        prefix="section-s",
    ).body()
    assert "<script>" not in html
    assert "<pre><code>&lt;b&gt;&amp;&lt;/b&gt;</code></pre>" in html
    assert 'onmouseover="' not in html


def test_reference_to_a_missing_footnote_is_plain_superscript() -> None:
    html = SectionHtml(_section(Paragraph(children=(FootnoteRef(label="9"),))), prefix="p").body()
    assert str(html) == '<p><sup class="fn-missing">[9]</sup></p>'


async def test_web_platform_gives_each_post_a_web_message_id() -> None:
    platform = WebPlatform()
    post = Post(
        id=7, kind=PostKind.SECTION, channel_id=1, idempotency_key="k", state=PostState.SENDING
    )
    assert platform.platform is Platform.WEB
    progress = MemoryProgress()
    delivery = await platform.post_section(
        channel=None,  # type: ignore[arg-type]  # the web needs no channel to show a post
        section=_section(),
        post=post,
        progress=progress,
    )
    assert delivery.message_ids == ("web-7",)
    assert progress.message_ids == ("web-7",)


async def test_demo_posts_the_paper_once_however_often_it_runs(site: Site) -> None:
    assert await prepare_demo(site.services) == "/web/c/general"
    await prepare_demo(site.services)
    posts = list(await site.section_posts())
    assert len(posts) == len(site.services.engagement.paper.sections)
    await site.services.senders[Platform.WEB].drain()
    assert {p.state for p in await site.section_posts()} == {PostState.SENT}
    assert [p.message_ids for p in await site.section_posts()] == [(f"web-{p.id}",) for p in posts]


async def test_reading_a_channel_writes_nothing(site: Site, ann: Member, posts: list[Post]) -> None:
    before = site.counts()
    channel_id = posts[0].channel_id
    items = await channel_feed(
        site.services.store,
        channel_id=channel_id,
        viewer_user_id="w_" + "0" * 32,
    )
    assert [i.post.id for i in items] == [p.id for p in posts]
    assert site.counts() == before  # no participant row for a viewer who has not acted
