"""Bots and floods: honeypot, minimum fill time, rate limits, CSRF."""

import re

import pytest

from comments.models import Comment
from tests.conftest import started_token_for

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
    response = post_comment(poster, article, body="Fast fingers", started=started_token_for(poster))
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


def test_a_sent_form_cannot_be_sent_again(poster, article, post_comment):
    from tests.conftest import started_token_for

    token = started_token_for(poster)
    assert post_comment(poster, article, body="Once", started=token).status_code == 302
    response = post_comment(poster, article, body="Twice with one form", started=token)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This form was already sent once" in page and "Twice with one form" in page
    fresh = re.search(r'name="started" value="([^"]+)"', page).group(1)
    assert (
        post_comment(poster, article, body="Twice with one form", started=fresh).status_code == 302
    )
    assert Comment.objects.count() == 2


def test_a_form_shown_to_somebody_else_is_refused(
    poster, client, article, post_comment, django_user_model
):
    from tests.conftest import started_token_for

    other = django_user_model.objects.create_user(
        email="other@example.org", password="x" * 20, display_name="Sample Other"
    )
    bot = type(client)()
    bot.force_login(other)
    response = post_comment(bot, article, body="Borrowed form", started=started_token_for(poster))
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_a_form_left_open_too_long_is_sent_again_with_the_text_kept(
    poster, article, post_comment, monkeypatch, settings
):
    import time

    from tests.conftest import started_token_for

    settings.COMMENTS_FORM_MAX_SECONDS = 2 * 3600
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 2 * 3600 - 60)
    old = started_token_for(poster)  # shown two hours and a minute ago
    monkeypatch.setattr(time, "time", real_time)
    response = post_comment(poster, article, body="Written slowly", started=old)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please send it again" in page and "Written slowly" in page
    assert not Comment.objects.exists()


def test_the_cached_page_of_anonymous_readers_carries_no_form_token(client, article, settings):
    settings.COMMENTS_READ_GATE = False
    first = client.get(article.get_absolute_url()).content.decode()
    assert 'name="started"' not in first
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"


def test_a_flood_is_refused_before_the_personal_details_scan(
    poster, article, post_comment, settings, monkeypatch
):
    from comments import forms

    scans = []
    real_scan = forms.find_personal_details
    monkeypatch.setattr(
        forms, "find_personal_details", lambda text: scans.append(1) or real_scan(text)
    )
    settings.COMMENTS_RATE_LIMITS = [(1, 60)]
    assert post_comment(poster, article, body="First").status_code == 302
    for n in range(5):
        response = post_comment(poster, article, body=f"Call 555 123 456{n}")
        assert response.status_code == 429
    assert len(scans) == 1  # only the post within the limit was scanned


def test_javascript_posting_hands_the_page_a_fresh_token(poster, article):
    from tests.conftest import started_token_for

    url = f"/articles/{article.slug}/comments/"
    first = poster.post(
        url, {"body": "One", "started": started_token_for(poster)}, HTTP_ACCEPT="application/json"
    ).json()
    second = poster.post(
        url, {"body": "Two", "started": first["started"]}, HTTP_ACCEPT="application/json"
    )
    assert second.json()["ok"] is True
    assert Comment.objects.count() == 2


def test_hugging_in_a_loop_is_limited(client, member, article, make_comment, settings):
    settings.COMMENTS_HUG_RATE_LIMIT = (4, 60)
    post = make_comment(article, body="Hang in there")
    client.force_login(member)
    for _ in range(4):
        assert client.post(f"/comments/{post.pk}/hug/").status_code == 302
    refused = client.post(f"/comments/{post.pk}/hug/")
    assert refused.status_code == 429
    assert "You are hugging very fast" in refused.content.decode()
    as_json = client.post(f"/comments/{post.pk}/hug/", HTTP_ACCEPT="application/json")
    assert as_json.status_code == 429 and as_json.json()["count"] == 0
    post.refresh_from_db()
    assert post.hug_count == 0  # four toggles: hugged, unhugged, hugged, unhugged


def test_a_refused_send_is_not_called_a_post_that_needs_a_change(
    client, member, article, post_comment, settings
):
    """Too fast or too many: nothing is wrong with the words, and the page says so."""
    settings.COMMENTS_RATE_LIMITS = [(1, 60)]
    client.force_login(member)
    post_comment(client, article, body="First")
    page = post_comment(client, article, body="Second").content.decode()
    assert "Your post is not sent yet" in page and "needs a change" not in page
    assert "You are posting very fast" in page and "Second" in page
