"""The comment feeds hold what an anonymous reader of the thread sees, and follow it at once."""

import xml.etree.ElementTree as ET

import pytest

from articles import publishing
from comments import moderator_actions
from comments.models import Comment
from tests.articles.test_translations import SPANISH, translate

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _thread_visible(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread, so feeds exist
    settings.SITE_URL = "https://kindred.example"


def _entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def _texts(entries):
    return [entry.findtext(f"{ATOM}summary") for entry in entries]


def _feed_url(article):
    return f"/articles/{article.slug}/comments/feed/"


def test_article_feed_lists_published_posts_with_their_address_and_display_name(
    client, article, member, make_comment
):
    post = make_comment(article, member, body="Walking helps me")
    entries = _entries(client, _feed_url(article))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.find(f"{ATOM}link").get("href") == f"https://kindred.example/c/{post.pk}/"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Sample Member"
    assert entry.find(f"{ATOM}author/{ATOM}email") is None
    assert "member@example.org" not in client.get(_feed_url(article)).content.decode()
    assert "Walking helps me" in entry.findtext(f"{ATOM}summary")


def test_feeds_leave_out_every_post_an_anonymous_reader_does_not_see(
    client, make_article, member, make_subscriber, make_comment
):
    article = make_article()
    draft = make_article(status="draft", published_at=None)
    guest = make_subscriber(name="Sample Guest")
    make_comment(article, member, body="shown top")
    make_comment(article, member, body="members only", members_only=True)
    for status in ("pending", "awaiting", "rejected", "spam", "removed"):
        make_comment(article, guest, body=f"status {status}", status=status)
    make_comment(draft, member, body="on a draft")
    waiting_root = make_comment(article, member, body="root waiting", status="pending")
    make_comment(article, guest, parent=waiting_root, body="reply under a waiting root")
    private_root = make_comment(article, member, body="root private", members_only=True)
    make_comment(article, guest, parent=private_root, body="reply under a private root")
    shown_root = make_comment(article, member, body="root shown")
    make_comment(article, guest, parent=shown_root, body="reply shown")

    for url in (_feed_url(article), "/comments/feed/"):
        texts = "".join(_texts(_entries(client, url)))
        assert "shown top" in texts and "root shown" in texts and "reply shown" in texts
        for hidden in ("members only", "status ", "on a draft", "waiting", "private"):
            assert hidden not in texts, (url, hidden)


def test_a_draft_article_has_no_comment_feed(client, make_article):
    draft = make_article(status="draft", published_at=None)
    assert client.get(_feed_url(draft)).status_code == 404


def test_no_feeds_while_the_read_gate_keeps_the_thread_from_anonymous_readers(
    client, settings, article, member, make_comment
):
    settings.COMMENTS_READ_GATE = True
    make_comment(article, member, body="Behind the gate")
    assert client.get(_feed_url(article)).status_code == 404
    assert client.get("/comments/feed/").status_code == 404
    page = client.get(article.get_absolute_url()).content.decode()
    assert "application/atom+xml" not in page


def test_post_text_is_escaped_and_a_sensitive_picture_is_not_shown(
    client, article, member, make_comment
):
    make_comment(article, member, body='<script>alert("x")</script> & <b>bold</b>')
    make_comment(
        article,
        member,
        body="My scar",
        image="comments/2024/01/scar.webp",
        image_thumb="comments/2024/01/scar-thumb.webp",
        image_alt="A healing scar",
        is_picture_sensitive=True,
    )
    make_comment(
        article,
        member,
        body="My garden",
        image="comments/2024/01/garden.webp",
        image_thumb="comments/2024/01/garden-thumb.webp",
        image_alt="Tomatoes",
    )
    body = client.get(_feed_url(article)).content.decode()
    assert "<script>" not in body and "&lt;script&gt;" not in body  # escaped twice: text
    summaries = _texts(_entries(client, _feed_url(article)))
    garden, scar, script = summaries  # newest first
    assert "&lt;script&gt;" in script and "<b>" not in script
    assert "scar-thumb.webp" not in body and "scar.webp" not in body
    assert "sensitive picture" in scar
    assert '<img src="https://kindred.example/media/comments/2024/01/garden-thumb.webp"' in garden


def test_feeds_are_linked_from_the_article_page_and_the_footer(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    assert (
        f'<link rel="alternate" type="application/atom+xml" '
        f'title="Comments on “{article.title}”" href="{_feed_url(article)}">'
    ) in page
    assert 'href="/comments/feed/"' in page


def test_feeds_follow_new_approved_and_hidden_posts_at_once(
    client, article, member, make_subscriber, make_comment, moderator
):
    guest = make_subscriber()
    waiting = make_comment(article, guest, body="Waiting words", status="pending")
    for url in (_feed_url(article), "/comments/feed/"):
        assert _entries(client, url) == []
        assert client.get(url)["X-Page-Cache"] == "hit"  # kept for the next reader

    moderator_actions.approve(waiting, moderator)
    for url in (_feed_url(article), "/comments/feed/"):
        assert "Waiting words" in "".join(_texts(_entries(client, url)))

    waiting.refresh_from_db()
    moderator_actions.reject(waiting, moderator, "off_topic")
    for url in (_feed_url(article), "/comments/feed/"):
        assert _entries(client, url) == []

    make_comment(article, member, body="Brand new")
    for url in (_feed_url(article), "/comments/feed/"):
        assert "Brand new" in "".join(_texts(_entries(client, url)))

    article.status = "draft"
    publishing.save_article(article)
    assert client.get(_feed_url(article)).status_code == 404
    assert _entries(client, "/comments/feed/") == []


@pytest.mark.parametrize("count", [5, 50])
def test_feed_queries_do_not_grow_with_posts(
    client, make_article, member, make_subscriber, count, django_assert_num_queries
):
    article = make_article()
    guest = make_subscriber()
    Comment.objects.bulk_create(
        Comment(
            article=article,
            body=f"Post {n}",
            status="published",
            **({"author_user": member} if n % 2 else {"author_subscriber": guest}),
        )
        for n in range(count)
    )
    # 1 the article's id (what the feed's cached copy depends on), 2 the article, 3 its posts
    # with their authors, 4 the next scheduled article (how long the copy may be kept).
    with django_assert_num_queries(4):
        assert client.get(_feed_url(article)).status_code == 200
    # 1 the posts with their articles and authors, 2 the next scheduled article.
    with django_assert_num_queries(2):
        assert client.get("/comments/feed/").status_code == 200


def test_the_comments_feed_names_a_translated_article_in_the_readers_language(
    client, settings, article, make_comment, member
):
    settings.COMMENTS_READ_GATE = False
    translate(article)
    make_comment(article, member, body="Gracias por el artículo.")
    spanish = client.get("/comments/feed/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get("/comments/feed/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SPANISH["title_es"] in spanish and article.title_en not in spanish
    assert article.title_en in english
