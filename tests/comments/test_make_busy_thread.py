"""`manage.py make_busy_thread`: signed-in members and a long published thread, made once."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User
from comments.models import Comment

pytestmark = pytest.mark.django_db


def _make(*args):
    out = io.StringIO()
    call_command("make_busy_thread", *args, stdout=out)
    return out.getvalue()


def test_it_makes_members_and_a_published_thread_by_them(article):
    said = _make(article.slug, "--members", "4", "--comments", "20")

    url = article.get_absolute_url()
    assert said.strip() == f"Made 4 signed-in members and 20 published comments by them on {url}."
    members = User.objects.filter(email__endswith="@bench.example")
    assert members.count() == 4
    assert all(m.emailaddress_set.get().verified for m in members)
    assert not any(m.has_usable_password() for m in members)  # nobody can sign in as them
    thread = Comment.objects.filter(article=article)
    assert thread.count() == 20
    assert set(thread.values_list("status", flat=True)) == {Comment.Status.PUBLISHED}
    assert set(thread.values_list("author_user", flat=True)) == set(
        members.values_list("pk", flat=True)
    )
    assert thread.filter(parent=None).count() == 5  # a quarter top level, the rest replies
    assert all(
        reply.root_id == (reply.parent.root_id or reply.parent_id)
        for reply in thread.exclude(parent=None)
    )


def test_its_sessions_are_signed_in_and_their_new_posts_are_published_at_once(
    client, article, post_comment
):
    made = json.loads(_make(article.slug, "--members", "2", "--comments", "6", "--json"))

    assert len(made["sessions"]) == 2
    assert made["comments"] == list(Comment.objects.order_by("pk").values_list("pk", flat=True))
    assert made["last_comment"] == made["comments"][-1]
    client.cookies[settings.SESSION_COOKIE_NAME] = made["sessions"][0]
    page = client.get(article.get_absolute_url())
    assert "Posting as <strong><bdi>Bench reader 0</bdi></strong>" in page.content.decode()
    response = post_comment(client, article, body="A new post under load.")
    assert response.status_code == 302
    assert Comment.objects.get(body="A new post under load.").status == Comment.Status.PUBLISHED


@pytest.mark.default_moderation
def test_new_posts_are_not_held_as_a_new_authors_with_the_sites_default_rules(
    client, article, post_comment
):
    made = json.loads(_make(article.slug, "--members", "2", "--comments", "4", "--json"))

    client.cookies[settings.SESSION_COOKIE_NAME] = made["sessions"][1]
    post_comment(client, article, body="Held or not?")

    assert Comment.objects.get(body="Held or not?").status == Comment.Status.PUBLISHED


def test_a_second_run_refuses_and_changes_nothing(article):
    _make(article.slug, "--members", "2", "--comments", "3")

    with pytest.raises(CommandError, match="exist already"):
        _make(article.slug, "--members", "2", "--comments", "3")
    assert User.objects.count() == 2
    assert Comment.objects.count() == 3


def test_an_unknown_article_is_refused(db):
    with pytest.raises(CommandError, match="No article with the slug 'no-such-article'"):
        _make("no-such-article")
    assert not User.objects.exists()


def test_a_reader_who_saw_the_page_before_sees_the_thread_it_made(client, settings, article):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread
    before = client.get(article.get_absolute_url())
    assert before["X-Page-Cache"] == "miss"

    _make(article.slug, "--members", "2", "--comments", "3")

    after = client.get(article.get_absolute_url())
    assert after["X-Page-Cache"] == "miss"  # the stored copy was stale
    assert after.content.count(b'class="comment"') == 3
