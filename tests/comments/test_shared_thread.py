"""Members share one rendering of the thread; each still sees their own posts, hugs and forms."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles import publishing
from comments import thread
from comments.models import Comment, Hug
from comments.posting import remove_comment
from kindred import freshness

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(
        email="other@example.org", password="a-long-test-password", display_name="Sample Other"
    )


def _client(user, csrf_checks=False):
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)
    return client


def _actions(page, comment):
    """The actions bar of one comment on a page."""
    start = page.index(f'id="comment-{comment.pk}"')
    return page[page.index('<div class="comment__actions">', start) :].split("</div>", 1)[0]


def test_each_member_sees_their_own_posts_and_hugs_on_the_shared_thread(
    member, other, article, make_comment
):
    own = make_comment(article, author=member, body="Written by the first member.")
    theirs = make_comment(article, author=other, body="Written by the second member.")
    first, second = _client(member), _client(other)
    second.post(f"/comments/{own.pk}/hug/")  # the second member hugs the first one's post
    first_page = first.get(article.get_absolute_url()).content.decode()
    second_page = second.get(article.get_absolute_url()).content.decode()
    assert thread._shared, "the second page should come from the shared rendering"

    # The first member: edit and delete on their post, hug and report on the other's.
    mine = _actions(first_page, own)
    assert "Edit<span" in mine and "Delete<span" in mine and "Send a hug" not in mine
    assert "1 hug</span>" in mine
    assert "Report<span" in _actions(first_page, theirs)
    assert 'aria-pressed="false"' in _actions(first_page, theirs)
    # The second member: the reverse, and the hug they sent shows as pressed.
    assert "Edit<span" in _actions(second_page, theirs)
    hugged = _actions(second_page, own)
    assert 'aria-pressed="true"' in hugged and "Edit<span" not in hugged
    # Each reply form names the member reading, and no mark of the shared rendering is left.
    posting_as = "Posting as <strong><bdi>{}</bdi>"
    assert posting_as.format("Sample Member") in first_page
    assert posting_as.format("Sample Other") not in first_page
    assert posting_as.format("Sample Other") in second_page
    for page in (first_page, second_page):
        assert thread.SLOT not in page and thread.CSRF_MARK not in page
        assert thread.REPLY_MARK not in page


def test_the_hug_form_on_a_shared_thread_carries_the_readers_own_csrf_token(
    member, other, article, make_comment
):
    post = make_comment(article, author=member)
    _client(member).get(article.get_absolute_url())  # the shared rendering is made
    reader = _client(other, csrf_checks=True)
    page = reader.get(article.get_absolute_url()).content.decode()
    form = page[page.index(f'action="/comments/{post.pk}/hug/"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = reader.post(f"/comments/{post.pk}/hug/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    post.refresh_from_db()
    assert post.hug_count == 1


def test_a_new_post_shows_at_once_to_members_reading_the_shared_thread(
    member, other, article, make_comment, post_comment
):
    make_comment(article, author=member, body="The first post.")
    reader = _client(member)
    assert "The first post." in reader.get(article.get_absolute_url()).content.decode()
    response = post_comment(_client(other), article, body="A reply that just came in.")
    assert response.status_code == 302
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "A reply that just came in." in page
    assert 'Comments <span class="conversation__count">(2)</span>' in page


def test_a_members_waiting_post_shows_to_them_alone(member, other, article, make_comment):
    make_comment(article, author=member, body="Out in the open.")
    make_comment(article, author=member, body="Still waiting for review.", status="pending")
    mine = _client(member).get(article.get_absolute_url()).content.decode()
    theirs = _client(other).get(article.get_absolute_url()).content.decode()
    assert "Still waiting for review." in mine and "Waiting for review</span>" in mine
    assert "Still waiting for review." not in theirs and "Out in the open." in theirs


def test_closing_comments_takes_the_reply_forms_away_from_the_shared_thread(
    member, other, article, make_comment
):
    make_comment(article, author=other)
    reader = _client(member)
    assert "Post reply" in reader.get(article.get_absolute_url()).content.decode()
    article.comments_open = False
    publishing.save_article(article)
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "Post reply" not in page and "Comments are closed on this article." in page


def test_without_the_shared_cache_members_get_the_thread_rendered_for_them(
    member, other, article, make_comment, monkeypatch
):
    monkeypatch.setattr(thread.freshness, "current", lambda keys: None)  # Redis is down
    post = make_comment(article, author=other, body="Still readable.")
    page = _client(member).get(article.get_absolute_url()).content.decode()
    assert "Still readable." in page and "Report<span" in _actions(page, post)
    assert not thread._shared


def _without_tokens(html):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'name="started" value="[^"]+"', "STARTED", html)


def _rendered_for_them_alone(client, url, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(thread.freshness, "current", lambda keys: None)
        return client.get(url).content.decode()


@pytest.fixture
def busy_thread(article, member, other, make_comment, make_subscriber):
    """Own, others', a guest's, hugged, deep, removed-with-replies and no-longer-editable posts."""
    mine = make_comment(article, author=member, body="Mine, with <b>markup</b>.")
    theirs = make_comment(article, author=other, body="Theirs.")
    make_comment(article, author=make_subscriber(), body="A guest's.", hug_count=3)
    reply = make_comment(article, author=member, parent=theirs, body="My reply.")
    deep = reply
    for n in range(3):
        deep = make_comment(article, author=other, parent=deep, body=f"Deeper {n}.")
    removed = make_comment(article, author=member, body="Taken back.")
    make_comment(article, author=other, parent=removed, body="Under a removed post.")
    Comment.objects.filter(pk=removed.pk).update(status="removed", body="", body_html="")
    Comment.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(hours=2))
    Hug.objects.create(comment=theirs, user=member)
    Comment.objects.filter(pk=theirs.pk).update(hug_count=1)
    freshness.thread_changed(article.pk)


@pytest.mark.usefixtures("busy_thread")
@pytest.mark.parametrize("query", ["", "?order=oldest"])
def test_the_shared_thread_is_the_page_each_member_would_get_rendered_alone(
    member, other, article, monkeypatch, query
):
    url = article.get_absolute_url() + query
    for reader, first_reader in ((member, other), (other, member)):
        thread._shared.clear()
        _client(first_reader).get(url)  # the shared rendering is made for somebody else
        shared = _client(reader).get(url).content.decode()
        alone = _rendered_for_them_alone(_client(reader), url, monkeypatch)
        assert _without_tokens(shared) == _without_tokens(alone)


@pytest.mark.parametrize("query", ["?cpage=2", "?cpage=1&order=oldest", "?cpage=x"])
def test_every_page_of_a_long_shared_thread_is_the_page_rendered_alone(
    member, other, article, make_comment, monkeypatch, query
):
    for n in range(23):
        post = make_comment(article, author=other if n % 3 else member, body=f"Post {n}.")
        if n % 4 == 0:
            make_comment(article, author=member, parent=post, body=f"Reply {n}.")
    url = article.get_absolute_url() + query
    _client(other).get(url)
    shared = _client(member).get(url).content.decode()
    assert _without_tokens(shared) == _without_tokens(
        _rendered_for_them_alone(_client(member), url, monkeypatch)
    )


def test_a_made_up_comment_page_number_gets_its_own_page(member, other, article, make_comment):
    for n in range(25):  # two pages of 20
        make_comment(article, author=other, body=f"Post number {n:02d}.")
    url = article.get_absolute_url()
    _client(other).get(url + "?cpage=00000000012")  # past the end: the last page
    page = _client(member).get(url + "?cpage=0000000001").content.decode()
    assert "Page 1 of 2" in page


def test_a_moderators_approval_reaches_members_at_once(
    member, other, article, make_comment, moderator
):
    waiting = make_comment(article, author=other, body="Waiting for a moderator.", status="pending")
    reader = _client(member)
    assert "Waiting for a moderator." not in reader.get(article.get_absolute_url()).content.decode()
    _client(moderator).post(
        "/admin/comments/comment/", {"action": "approve", "_selected_action": [waiting.pk]}
    )
    assert "Waiting for a moderator." in reader.get(article.get_absolute_url()).content.decode()


def test_with_the_page_cache_off_members_never_get_a_shared_rendering(
    settings, member, article, make_comment, monkeypatch
):
    # Without Redis each process has counters of its own, which other processes' changes never
    # move: the page cache is then off (config/settings.py), and so is the shared thread.
    settings.PAGE_CACHE_SECONDS = 0
    post = make_comment(article, author=member, body="Regret posting this.")
    reader = _client(member)
    assert "Regret posting this." in reader.get(article.get_absolute_url()).content.decode()
    monkeypatch.setattr(freshness, "_bump", lambda key: None)  # another process removes it
    remove_comment(post)
    assert "Regret posting this." not in reader.get(article.get_absolute_url()).content.decode()
    assert not thread._shared


def test_shared_renderings_stay_within_their_memory_budget():
    renderings = thread._Renderings(budget=100)
    for n in range(5):
        renderings.put(("page", n), "now", {"size": 40, "pieces": []})
    assert len(renderings) == 2  # 80 of 100: the oldest three went
    assert renderings.get(("page", 0), "now") is None
    assert renderings.get(("page", 4), "now") is not None
    assert renderings.get(("page", 4), "a stamp ago") is None  # changed since: not current
    renderings.get(("page", 3), "now")  # used lately: kept over page 4 when room is needed
    renderings.put(("page", 5), "now", {"size": 40, "pieces": []})
    assert renderings.get(("page", 3), "now") is not None
    assert renderings.get(("page", 4), "now") is None
