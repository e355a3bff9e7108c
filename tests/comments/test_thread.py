"""One thread for every viewer: each sees their own posts, hugs and forms in it."""

import re
from collections import Counter

import pytest
from django.test import Client

from comments.models import Comment
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


def test_each_member_sees_their_own_posts_and_hugs_in_the_thread(
    member, other, article, make_comment
):
    own = make_comment(article, author=member, body="Written by the first member.")
    theirs = make_comment(article, author=other, body="Written by the second member.")
    first, second = _client(member), _client(other)
    second.post(f"/comments/{own.pk}/hug/")  # the second member hugs the first one's post
    first_page = first.get(article.get_absolute_url()).content.decode()
    second_page = second.get(article.get_absolute_url()).content.decode()

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
    # Each reply form names the member reading.
    posting_as = "Posting as <strong><bdi>{}</bdi>"
    assert posting_as.format("Sample Member") in first_page
    assert posting_as.format("Sample Other") not in first_page
    assert posting_as.format("Sample Other") in second_page


def test_the_hug_form_carries_the_readers_own_csrf_token(member, other, article, make_comment):
    post = make_comment(article, author=member)
    _client(member).get(article.get_absolute_url())  # the post's face is kept for others
    reader = _client(other, csrf_checks=True)
    page = reader.get(article.get_absolute_url()).content.decode()
    form = page[page.index(f'action="/comments/{post.pk}/hug/"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = reader.post(f"/comments/{post.pk}/hug/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    post.refresh_from_db()
    assert post.hug_count == 1


def test_a_new_post_shows_at_once_to_members_reading_the_thread(
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
    assert (
        "Still waiting for review." in mine
        and "Waiting for review: only you see it until a moderator has read it</span>" in mine
    )
    assert "Still waiting for review." not in theirs and "Out in the open." in theirs


def test_closing_comments_takes_the_reply_forms_away(member, other, article, make_comment):
    make_comment(article, author=other)
    reader = _client(member)
    assert "Post reply" in reader.get(article.get_absolute_url()).content.decode()
    article.comments_open = False
    article.save()
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "Post reply" not in page and "Comments are closed on this article." in page


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


def test_with_the_page_cache_off_a_removed_post_leaves_every_members_page(
    settings, member, article, make_comment, monkeypatch
):
    # Without Redis each process has counters of its own, which other processes' changes never
    # move: the page cache is then off (config/settings.py); a member's thread never relied on
    # them.
    settings.PAGE_CACHE_SECONDS = 0
    post = make_comment(article, author=member, body="Regret posting this.")
    reader = _client(member)
    assert "Regret posting this." in reader.get(article.get_absolute_url()).content.decode()
    monkeypatch.setattr(freshness, "_bump", lambda key: None)  # another process removes it
    remove_comment(post)
    assert "Regret posting this." not in reader.get(article.get_absolute_url()).content.decode()


# --- One path for every viewer -----------------------------------------------------------------


@pytest.fixture
def busy_thread(article, member, other, make_comment, make_subscriber):
    """Own, others', a guest's, hugged, deep, removed-with-replies and no-longer-editable posts."""
    from datetime import timedelta

    from django.utils import timezone

    from comments.models import Hug

    guest = make_subscriber(name="Sample Guest")
    posts = {
        "old": make_comment(article, author=member, body="Mine, from two hours ago."),
        "theirs": make_comment(article, author=other, body="Theirs."),
        "guest": make_comment(article, author=guest, body="A guest's.", hug_count=3),
    }
    posts["reply"] = make_comment(article, author=member, parent=posts["theirs"], body="My reply.")
    deep = posts["reply"]
    for n in range(3):
        deep = make_comment(article, author=other, parent=deep, body=f"Deeper {n}.")
    posts["deepest"] = deep
    posts["removed"] = make_comment(article, author=member, body="Taken back.")
    posts["under removed"] = make_comment(
        article, author=other, parent=posts["removed"], body="Under a removed post."
    )
    posts["removed alone"] = make_comment(article, author=other, body="Gone without a trace.")
    Comment.objects.filter(pk__in=[posts["removed"].pk, posts["removed alone"].pk]).update(
        status="removed", body="", body_html=""
    )
    Comment.objects.filter(pk=posts["old"].pk).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    Hug.objects.create(comment=posts["theirs"], user=member)
    Comment.objects.filter(pk=posts["theirs"].pk).update(hug_count=1)
    freshness.thread_changed(article.pk)
    posts["guest's author"] = guest
    return posts


def _item(page, comment):
    """One comment's own part of the page: from its <li> to its replies or its end."""
    start = page.index(f'<li class="comment" id="comment-{comment.pk}"')
    end = min(i for i in (page.find("<ol", start), page.find("</li>", start)) if i != -1)
    return page[start:end]


def test_a_member_may_edit_their_recent_posts_and_hug_and_report_the_others(
    member, article, busy_thread
):
    page = _client(member).get(article.get_absolute_url()).content.decode()
    reply, old = _item(page, busy_thread["reply"]), _item(page, busy_thread["old"])
    assert "Edit<span" in reply and "Delete<span" in reply and "Send a hug" not in reply
    assert "Edit<span" not in old and "Delete<span" in old  # past the edit window
    theirs = _item(page, busy_thread["theirs"])
    assert 'aria-pressed="true"' in theirs and "Report<span" in theirs and "Edit<span" not in theirs
    assert 'aria-pressed="false"' in _item(page, busy_thread["guest"])
    # The removed post stays as a note above its reply; the one without replies is gone.
    assert "This post was removed by its author." in page and "Under a removed post." in page
    assert f'id="comment-{busy_thread["removed alone"].pk}"' not in page
    # The fourth level shows at the third, saying whom it answers.
    assert "replying to <bdi>Sample Other</bdi>" in _item(page, busy_thread["deepest"])
    assert page.count('<details class="comment__reply">') == 8  # under each published post


def test_a_guest_may_report_but_not_hug_and_edits_their_own_posts(
    client, guest_login, article, busy_thread
):
    guest_login(client, busy_thread["guest's author"])
    page = client.get(article.get_absolute_url()).content.decode()
    own = _item(page, busy_thread["guest"])
    assert "Edit<span" in own and "Report<span" not in own
    theirs = _item(page, busy_thread["theirs"])
    assert "Report<span" in theirs and "Send a hug" not in theirs
    assert "Posting as <strong><bdi>Sample Guest</bdi></strong>" in page


def test_staff_read_the_thread_as_the_member_they_are(staff, article, busy_thread):
    page = _client(staff).get(article.get_absolute_url()).content.decode()
    assert "Send a hug" in _item(page, busy_thread["theirs"])
    assert "Edit<span" not in page  # none of these posts is theirs


def test_an_anonymous_reader_gets_the_thread_without_actions_forms_or_tokens(
    client, settings, article, busy_thread
):
    settings.COMMENTS_READ_GATE = False
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Theirs." in page and "replying to <bdi>Sample Other</bdi>" in page
    for mark in ("Send a hug", "Report<span", "Edit<span", 'class="comment__reply"', "started"):
        assert mark not in page
    assert "csrfmiddlewaretoken" not in page.split('id="comments"', 1)[1].split("</section>")[0]


def test_every_form_on_a_members_page_has_ids_of_its_own_that_its_labels_name(
    member, article, busy_thread
):
    page = _client(member).get(article.get_absolute_url()).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [name for name, times in ids.items() if times > 1] == []
    for target in re.findall(r'<label[^>]* for="([^"]+)"', page):
        assert ids[target] == 1, target
    for described in re.findall(r'aria-describedby="([^"]+)"', page):
        assert all(ids[name] == 1 for name in described.split()), described
    theirs = busy_thread["theirs"].pk
    assert f'<label class="form-label" for="reply-{theirs}-body">Your reply</label>' in page
    assert f'name="parent" value="{theirs}" id="reply-{theirs}-parent"' in page


def test_the_links_of_a_post_lead_to_its_own_pages(member, other, article, make_comment):
    from django.urls import resolve

    own = make_comment(article, author=member)
    theirs = make_comment(article, author=other)
    page = _client(member).get(article.get_absolute_url()).content.decode()
    links = re.findall(r'(?:href|action)="(/comments/[^"]+)"', page)
    found = {(resolve(link).url_name, resolve(link).kwargs["pk"]) for link in links}
    assert found == {
        ("edit", own.pk),
        ("delete", own.pk),
        ("hug", theirs.pk),
        ("report", theirs.pk),
    }


def test_each_reader_gets_the_comments_in_their_own_language(member, article, make_comment):
    make_comment(article, author=member, body="Hola a todos.")
    reader = _client(member)
    english = reader.get(article.get_absolute_url()).content.decode()
    member.language = "es"
    member.save(update_fields=["language"])
    spanish = reader.get(article.get_absolute_url()).content.decode()
    assert ">now</time>" in english and "ahora" not in english
    assert ">ahora</time>" in spanish  # its face was not taken from the English page


def test_a_post_made_in_place_comes_as_the_thread_shows_it(member, other, article, make_comment):
    from tests.conftest import started_token_for

    parent = make_comment(article, author=other)
    poster = _client(member)
    answer = poster.post(
        f"/articles/{article.slug}/comments/",
        {"body": "Thank you.", "parent": parent.pk, "started": started_token_for(poster)},
        HTTP_ACCEPT="application/json",
    ).json()
    post = Comment.objects.get(body="Thank you.")
    assert answer["replies_label"] == "Replies to Sample Other"
    html = answer["html"].strip()
    assert html.startswith(f'<li class="comment" id="comment-{post.pk}"')
    assert "Edit<span" in html and "Delete<span" in html
    assert f'id="reply-{post.pk}-body"' in html and "Post reply" in html


# --- Constants with one source -----------------------------------------------------------------


def test_the_thread_says_the_limits_the_settings_give(settings, member, article, make_comment):
    settings.COMMENTS_DISPLAY_DEPTH = 4
    page = _client(member).get(article.get_absolute_url()).content.decode()
    assert 'data-display-depth="4"' in page
    assert f'maxlength="{settings.COMMENTS_MAX_LENGTH}"' in page
    assert f"up to {settings.COMMENTS_MAX_LENGTH} characters" in page


def test_the_edit_window_named_is_the_one_applied(settings, member, article, make_comment):
    from datetime import timedelta

    from django.utils import timezone

    settings.COMMENTS_EDIT_MINUTES = 30
    post = make_comment(article, author=member)
    Comment.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    page = _client(member).get(f"/comments/{post.pk}/edit/").content.decode()
    assert "Posts can be edited for 30 minutes after they are sent" in page


def test_hugging_in_place_gets_the_count_in_the_readers_words(member, other, article, make_comment):
    post = make_comment(article, author=other)
    answer = _client(member).post(f"/comments/{post.pk}/hug/", HTTP_ACCEPT="application/json")
    assert answer.json() == {"hugged": True, "count": 1, "label": "1 hug"}
