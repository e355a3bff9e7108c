"""Members share one rendering of the thread; each still sees their own posts, hugs and forms."""

import re

import pytest
from django.test import Client

from comments import thread

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
    article.save()
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "Post reply" not in page and "Comments are closed on this article." in page


def test_without_the_shared_cache_members_get_the_thread_rendered_for_them(
    member, other, article, make_comment, monkeypatch
):
    monkeypatch.setattr(thread.page_cache, "current_stamp", lambda path: None)  # Redis is down
    post = make_comment(article, author=other, body="Still readable.")
    page = _client(member).get(article.get_absolute_url()).content.decode()
    assert "Still readable." in page and "Report<span" in _actions(page, post)
    assert not thread._shared
