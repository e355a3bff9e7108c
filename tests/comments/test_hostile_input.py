"""Whatever people type, the page shows it as text and nothing runs."""

import pytest

from comments.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def poster(client, member):
    client.force_login(member)
    return client


def _thread_html(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    return page[page.index("data-thread") :]


@pytest.mark.parametrize(
    "body, must_not, must",
    [
        ("<script>alert(1)</script>", "<script>alert", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("javascript:alert(1)", 'href="javascript', "javascript:alert(1)"),
        ('<a href="javascript:alert(1)">x</a>', '<a href="javascript', "&lt;a href="),
        ('<img src=x onerror="alert(1)">', "<img src=x", "&lt;img src=x onerror="),
        ("Fish &amp; chips &lt;b&gt;", "<b>", "Fish &amp;amp; chips &amp;lt;b&amp;gt;"),
    ],
)
def test_markup_is_shown_as_text(poster, article, post_comment, body, must_not, must):
    post_comment(poster, article, body=body)
    thread = _thread_html(poster, article)
    assert must_not not in thread
    assert must in thread


def test_links_are_clickable_and_marked_user_generated(poster, article, post_comment):
    post_comment(poster, article, body="See https://example.org/page for more.\nSecond line")
    thread = _thread_html(poster, article)
    assert '<a href="https://example.org/page" rel="nofollow ugc noopener">' in thread
    assert "for more.<br>Second line" in thread


def test_right_to_left_override_is_removed(poster, article, post_comment):
    post_comment(poster, article, body="invoice\u202egnp.exe")
    assert Comment.objects.get().body == "invoicegnp.exe"
    assert "\u202e" not in _thread_html(poster, article)


def test_5001_characters_are_refused_with_a_clear_message(poster, article, post_comment):
    response = post_comment(poster, article, body="x" * 5001)
    assert response.status_code == 400
    assert "Please keep your post under 5000 characters (it has 5001)." in response.content.decode()
    assert not Comment.objects.exists()
    assert post_comment(poster, article, body="y" * 5000).status_code == 302


def test_null_bytes_are_refused(poster, article, post_comment):
    response = post_comment(poster, article, body="hello\x00world")
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert not Comment.objects.exists()
