"""Bots and floods: honeypot, minimum fill time, rate limits, CSRF."""

import pytest

from comments.forms import form_started_token
from comments.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def poster(client, member):
    client.force_login(member)
    return client


def test_honeypot_filled_means_no_post(poster, article, post_comment):
    response = post_comment(poster, article, body="Cheap pills", website="http://spam.example")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_form_sent_too_fast_is_refused_and_kept(poster, article, post_comment, settings):
    settings.COMMENTS_MIN_FILL_SECONDS = 3
    response = post_comment(poster, article, body="Fast fingers", started=form_started_token())
    assert response.status_code == 400
    page = response.content.decode()
    assert "That was very quick" in page and "Fast fingers" in page
    assert not Comment.objects.exists()


def test_forged_start_time_is_refused(poster, article, post_comment):
    response = post_comment(poster, article, body="Bot", started="12345")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_posting_is_rate_limited_with_a_clear_message(poster, article, post_comment, settings):
    settings.COMMENTS_RATE_LIMITS = [(5, 60), (30, 3600)]
    for n in range(5):
        assert post_comment(poster, article, body=f"Post {n}").status_code == 302
    response = post_comment(poster, article, body="One too many")
    assert response.status_code == 429
    page = response.content.decode()
    assert "You are posting very fast" in page and "One too many" in page
    assert Comment.objects.count() == 5


def test_every_comment_action_needs_a_csrf_token(member, article, make_comment, post_comment):
    from django.test import Client

    comment = make_comment(article, body="Hello")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert post_comment(strict, article, body="No token").status_code == 403
    for action in ["hug", "report", "delete", "edit"]:
        assert strict.post(f"/comments/{comment.pk}/{action}/").status_code == 403
    assert not Comment.objects.filter(body="No token").exists()
