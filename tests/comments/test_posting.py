"""Posting: members straight away, guests after confirming; text or picture; replies."""

import re

import pytest
from django.core import mail

from comments.models import Comment

pytestmark = pytest.mark.django_db


def test_member_post_is_published_and_shown(client, member, article, post_comment):
    client.force_login(member)
    response = post_comment(client, article, body="Physical therapy helped me a lot.")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/c/{comment.pk}/"  # the post's own address
    shown = client.get(response["Location"])
    assert shown["Location"] == f"/articles/{article.slug}/#comment-{comment.pk}"
    assert comment.status == Comment.Status.PUBLISHED
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Physical therapy helped me a lot." in page
    assert f'id="comment-{comment.pk}"' in page
    assert "Sample Member" in page and "member@example.org" not in page
    assert 'Comments <span class="conversation__count">(1)</span>' in page


def test_empty_post_is_refused_with_the_rule(client, member, article, post_comment):
    client.force_login(member)
    response = post_comment(client, article, body="   \n  ")
    assert response.status_code == 400
    assert "Every post needs text or a picture." in response.content.decode()
    assert not Comment.objects.exists()


def test_guest_post_waits_until_email_confirmed(client, article, post_comment):
    client.post("/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"})
    post_comment(client, article, body="Hello from a guest.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.AWAITING_EMAIL
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Hello from a guest." in page and "Awaiting email confirmation" in page
    assert (
        "Hello from a guest." not in type(client)().get(article.get_absolute_url()).content.decode()
    )

    confirm = re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group(0)
    client.post(confirm)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_a_post_rejected_while_its_address_is_confirmed_stays_rejected(
    client, settings, article, post_comment, moderator, monkeypatch
):
    """A moderator rejects a guest's waiting post at the moment the guest confirms the
    address: the release must not put it back online."""
    from django.test import Client

    from comments import moderator_actions, posting

    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread itself
    client.post("/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"})
    post_comment(client, article, body="Rejected at the last moment")
    post = Comment.objects.get()
    decide = posting.decide_for

    def a_moderator_rejects_it_meanwhile(*args, **kwargs):
        moderator_actions.reject(Comment.objects.get(pk=post.pk), moderator, "off_topic")
        return decide(*args, **kwargs)

    monkeypatch.setattr(posting, "decide_for", a_moderator_rejects_it_meanwhile)
    client.post(re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group(0))
    post.refresh_from_db()
    assert post.status == Comment.Status.REJECTED
    assert (
        "Rejected at the last moment"
        not in Client().get(article.get_absolute_url()).content.decode()
    )


def test_someone_else_typing_a_confirmed_address_cannot_post_as_its_owner(
    client, article, make_subscriber, post_comment
):
    owner = make_subscriber(email="owner@example.org", name="Sample Owner")
    client.post("/subscribe/", {"name": "Impostor", "email": "owner@example.org"})
    post_comment(client, article, body="Pretending.")
    assert Comment.objects.get().status == Comment.Status.AWAITING_EMAIL
    owner.refresh_from_db()
    assert owner.name == "Sample Owner"
    assert mail.outbox[-1].to == ["owner@example.org"]  # only the owner can release it


def test_proven_guest_posts_at_once(client, article, make_subscriber, guest_login, post_comment):
    guest_login(client, make_subscriber())
    post_comment(client, article, body="Thanks for this.")
    assert Comment.objects.get().status == Comment.Status.PUBLISHED


def test_anonymous_visitor_sees_count_and_the_name_and_email_box(client, article, make_comment):
    make_comment(article, body="Only for those who shared.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<span class="conversation__count">(1)</span>' in page
    assert "Only for those who shared." not in page
    assert 'id="comments-subscribe-email"' in page


def test_without_the_read_gate_anyone_can_read(client, article, make_comment, settings):
    settings.COMMENTS_READ_GATE = False
    make_comment(article, body="Open to all.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Open to all." in page
    assert "comment-form" not in page  # posting still needs name + email


def test_anonymous_post_is_sent_to_the_name_and_email_box(client, article, post_comment):
    response = post_comment(client, article, body="Who am I?")
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    assert not Comment.objects.exists()


def test_replies_at_every_depth_nest_up_to_three_levels(
    client, member, article, make_comment, make_subscriber
):
    alice, bea, cai, dee = (make_subscriber(name=n) for n in ["Alice", "Bea", "Cai", "Dee"])
    root = make_comment(article, alice, body="Level one")
    second = make_comment(article, bea, parent=root, body="Level two")
    third = make_comment(article, cai, parent=second, body="Level three")
    fourth = make_comment(article, dee, parent=third, body="Level four")
    client.force_login(member)
    page = client.get(article.get_absolute_url()).content.decode()
    thread = page[page.index("data-thread") :]
    # Nested lists: each level is an <ol> labelled with whose post it answers.
    assert 'aria-label="Replies to Alice"' in thread and 'aria-label="Replies to Bea"' in thread
    assert 'aria-label="Replies to Cai"' not in thread  # the fourth level shows at the third
    level_three = thread.index(f'id="comment-{third.pk}"')
    level_four = thread.index(f'id="comment-{fourth.pk}"')
    assert level_three < level_four
    assert "replying to <bdi>Cai</bdi>" in thread[level_four:]
    assert fourth.depth == 3


def test_member_replies_through_the_form(client, member, article, make_comment, post_comment):
    parent = make_comment(article, body="Anyone else?")
    client.force_login(member)
    post_comment(client, article, body="Yes, me.", parent=parent.pk)
    reply = Comment.objects.get(body="Yes, me.")
    assert reply.parent == parent and reply.root == parent and reply.depth == 1


def test_reply_to_a_missing_post_is_refused_and_kept(client, member, article, post_comment):
    client.force_login(member)
    response = post_comment(client, article, body="My words", parent=999999)
    assert response.status_code == 400
    page = response.content.decode()
    assert "no longer there" in page and "My words" in page


def test_reading_order_is_the_readers_choice_and_remembered(client, member, article, make_comment):
    import datetime

    from django.utils import timezone

    old = make_comment(article, body="The older post")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    make_comment(article, body="The newer post")
    client.force_login(member)
    page = client.get(article.get_absolute_url()).content.decode()
    assert page.index("The newer post") < page.index("The older post")
    client.get(f"/articles/{article.slug}/comments/order/?order=oldest")
    page = client.get(article.get_absolute_url()).content.decode()
    assert page.index("The older post") < page.index("The newer post")


def test_top_level_is_paginated(client, member, article, make_comment, settings):
    settings.COMMENTS_PER_PAGE = 5
    for n in range(12):
        make_comment(article, body=f"Post number {n:02d}")
    client.force_login(member)
    first = client.get(article.get_absolute_url()).content.decode()
    third = client.get(article.get_absolute_url() + "?cpage=3").content.decode()
    assert first.count('class="comment"') == 5
    assert third.count('class="comment"') == 2
    assert "More comments" in first


def test_javascript_posting_gets_the_new_comment_back_as_html(client, member, article):
    from tests.conftest import started_token_for

    client.force_login(member)
    response = client.post(
        f"/articles/{article.slug}/comments/",
        {"body": "In place", "started": started_token_for(client)},
        HTTP_ACCEPT="application/json",
    )
    data = response.json()
    assert data["ok"] is True
    assert f'id="comment-{data["id"]}"' in data["html"] and "In place" in data["html"]
    # The author can edit, delete and reply to it at once, as on the reloaded page.
    assert f'href="/comments/{data["id"]}/edit/"' in data["html"]
    assert f'href="/comments/{data["id"]}/delete/"' in data["html"]
    assert f'name="parent" value="{data["id"]}"' in data["html"]
    refused = client.post(
        f"/articles/{article.slug}/comments/",
        {"body": "", "started": data["started"]},  # the page's forms took the fresh token
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 400
    assert "Every post needs text or a picture." in refused.json()["html"]


def test_typing_a_guests_address_gives_no_power_over_their_posts(
    client, article, make_subscriber, make_comment, post_comment
):
    owner = make_subscriber(email="owner@example.org", name="Sample Owner")
    posted = make_comment(article, owner, body="My published post")
    waiting = make_comment(article, owner, body="My waiting post", status="awaiting")
    client.post("/subscribe/", {"name": "Impostor", "email": "owner@example.org"})
    assert client.post(f"/comments/{posted.pk}/delete/").status_code == 404
    assert client.post(f"/comments/{posted.pk}/edit/", {"body": "Hacked"}).status_code == 404
    assert "My waiting post" not in client.get(article.get_absolute_url()).content.decode()
    posted.refresh_from_db()
    assert posted.is_published and posted.body == "My published post"
    assert waiting.status == "awaiting"


def test_confirming_releases_only_the_posts_of_the_browser_that_asked(
    client, article, make_subscriber, post_comment
):
    guest = make_subscriber(email="guest@example.org", confirmed=False)
    other_browser = type(client)()
    other_browser.post("/subscribe/", {"name": "Someone", "email": "guest@example.org"})
    post_comment(other_browser, article, body="From the other browser")
    client.post("/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"})
    guest.confirmation_sent_at = None
    guest.save()
    client.post("/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"})
    post_comment(client, article, body="From my browser")
    client.post(re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group(0))
    assert Comment.objects.get(body="From my browser").status == Comment.Status.PUBLISHED
    assert (
        Comment.objects.get(body="From the other browser").status == Comment.Status.AWAITING_EMAIL
    )


def test_a_post_sent_again_after_back_is_there_once(client, member, article, post_comment):
    """Back, then Post again: the browser put the text back in a freshly loaded form."""
    client.force_login(member)
    post_comment(client, article, body="Our first week at home went well.")
    response = post_comment(client, article, body="Our first week at home went well.")
    only = Comment.objects.get()
    assert response["Location"] == f"/c/{only.pk}/"
    page = client.get(response["Location"], follow=True).content.decode()
    assert "You had already posted this. Here it is." in page
    post_comment(client, article, body="And the second week too.")
    assert Comment.objects.count() == 2  # other words are a new post


# --- What an attack review found -------------------------------------------------------------


def _picture():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("view.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_bare_web_addresses_count_toward_the_link_limit(
    client, member, article, make_comment, post_comment
):
    make_comment(article, member, body="An approved post")
    client.force_login(member)
    post_comment(client, article, body="see cheap-pills.com and cheap-pills.net and pharma.org/buy")
    post = Comment.objects.get(body__startswith="see")
    assert post.status == Comment.Status.PENDING
    assert post.moderation_reasons == ["3 links (more than 2)"]


SPAM_ALT = "call 555-019-9222 viagra http://spam.example/buy idiot"


def test_the_picture_description_is_nudged_refused_and_masked_like_the_text(
    client, member, article, make_comment, post_comment
):
    from comments.models import WatchedWord

    for n in range(3):
        make_comment(article, member, body=f"Earlier post {n}")
    WatchedWord.objects.create(phrase="viagra", action="reject")
    WatchedWord.objects.create(phrase="idiot", action="mask")
    client.force_login(member)
    body = "Nice view from my window"

    nudged = post_comment(client, article, body=body, image=_picture(), image_alt=SPAM_ALT)
    page = nudged.content.decode()
    assert nudged.status_code == 200
    assert "Others will see this." in page and "a phone number in the picture description" in page
    assert SPAM_ALT in page  # kept in the form
    assert "Please choose your picture again" in page  # a browser cannot keep a chosen file
    assert not Comment.objects.filter(body=body).exists()

    refused = post_comment(
        client, article, body=body, image=_picture(), image_alt=SPAM_ALT, confirm_details="on"
    )
    assert refused.status_code == 403
    assert "Your post could not be published." in refused.content.decode()
    assert not Comment.objects.filter(body=body).exists()

    alt = SPAM_ALT.replace("viagra ", "")
    post_comment(client, article, body=body, image=_picture(), image_alt=alt, confirm_details="on")
    post = Comment.objects.get(body=body)
    assert post.image_alt == "call 555-019-9222 http://spam.example/buy *****"
    page = client.get(article.get_absolute_url()).content.decode()
    assert "idiot" not in page


def test_links_in_the_picture_description_count_toward_the_limit(
    client, member, article, make_comment, post_comment
):
    make_comment(article, member, body="An approved post")
    client.force_login(member)
    post_comment(
        client,
        article,
        body="My garden, see garden.example.com",
        image=_picture(),
        image_alt="A rose from roses.com, seeds at www.seeds.example",
    )
    post = Comment.objects.get(body__startswith="My garden")
    assert post.status == Comment.Status.PENDING
    assert post.moderation_reasons == ["3 links (more than 2)"]


def test_a_blocked_address_is_refused_under_another_spelling(
    client, article, make_subscriber, guest_login, post_comment
):
    from comments.models import BlockedAddress

    BlockedAddress.objects.create(kind="email", value="Spam.Bot@gmail.com")
    guest_login(client, make_subscriber(email="spambot+7@gmail.com"))
    response = post_comment(client, article, body="Cheap deals")
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_words_sent_to_a_post_that_is_gone_may_be_posted_as_a_post_of_their_own(
    client, member, article, make_comment, post_comment
):
    gone = make_comment(article, body="Soon gone.")
    gone_id = gone.pk
    client.force_login(member)
    gone.delete()
    page = post_comment(client, article, body="My answer", parent=gone_id).content.decode()
    assert "no longer there" in page and "My answer" in page
    assert 'name="parent"' not in page  # the form shown again is a new post's
    assert "Post reply" not in page


def test_an_edit_flood_is_refused_before_the_personal_details_scan(
    client, member, article, make_comment, settings, monkeypatch
):
    from comments import forms

    post = make_comment(article, author=member, body="Rest helps.")
    client.force_login(member)
    scans = []
    real_scan = forms.find_personal_details
    monkeypatch.setattr(
        forms, "find_personal_details", lambda text: scans.append(1) or real_scan(text)
    )
    settings.COMMENTS_RATE_LIMITS = [(1, 60)]
    edit = f"/comments/{post.pk}/edit/"
    assert client.post(edit, {"body": "Rest helps a lot."}).status_code == 302
    for n in range(3):
        refused = client.post(edit, {"body": f"Call 555 123 456{n}"})
        assert refused.status_code == 429
        assert "You are posting very fast" in refused.content.decode()
    assert len(scans) == 1
