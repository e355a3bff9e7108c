"""An author's edit is decided exactly as a new post is: refused, held, masked or nudged."""

import re

import pytest
from django.core import mail

from comments import moderator_actions
from comments.models import Ban, Comment, WatchedWord

pytestmark = [pytest.mark.django_db, pytest.mark.default_moderation]

SPAM = (
    "Cheap pills https://a.example https://b.example https://c.example https://d.example "
    "call 555 123 4567"
)


@pytest.fixture
def author(client, member):
    client.force_login(member)
    return client


def _edit(client, comment, **data):
    data.setdefault("image_alt", "")
    return client.post(f"/comments/{comment.pk}/edit/", data)


def _others_page(client_class, article):
    return client_class().get(article.get_absolute_url()).content.decode()


@pytest.fixture(autouse=True)
def _comments_readable(settings):
    settings.COMMENTS_READ_GATE = False  # anonymous readers see the thread


def test_kind_post_edited_into_spam_is_nudged_then_held_and_leaves_the_thread(
    author, client, member, article, make_comment, moderator
):
    kind = make_comment(article, member, body="Gentle walks helped me.")
    response = _edit(author, kind, body=SPAM)
    # First the privacy nudge, as for a new post: nothing changed yet, the text is kept.
    assert response.status_code == 200
    page = response.content.decode()
    assert "Others will see this" in page and "a phone number" in page and "Cheap pills" in page
    kind.refresh_from_db()
    assert kind.body == "Gentle walks helped me."

    response = _edit(author, kind, body=SPAM, confirm_details="on")
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.status == Comment.Status.PENDING
    assert "4 links (more than 2)" in kind.moderation_reasons
    assert "Cheap pills" not in _others_page(type(client), article)
    own_page = author.get(article.get_absolute_url()).content.decode()
    assert "Cheap pills" in own_page and "Waiting for review" in own_page
    assert mail.outbox[-1].to == ["mod@example.org"]  # the moderators hear of it


def test_edit_with_a_refused_word_changes_nothing_and_keeps_the_text(
    author, member, article, make_comment
):
    for n in range(3):
        make_comment(article, member, body=f"Earlier post {n}")
    post = make_comment(article, member, body="Rest helps.")
    WatchedWord.objects.create(phrase="miracle cure", action="reject")
    response = _edit(author, post, body="Rest and a MIRACLE cure")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your post could not be published." in page and "Rest and a MIRACLE cure" in page
    post.refresh_from_db()
    assert (post.body, post.status, post.edited_at) == ("Rest helps.", "published", None)


def test_edit_is_masked_like_a_new_post(author, member, article, make_comment):
    for n in range(3):
        make_comment(article, member, body=f"Earlier post {n}")
    post = make_comment(article, member, body="Rest helps.")
    WatchedWord.objects.create(phrase="darn", action="mask")
    _edit(author, post, body="Darn this weather")
    post.refresh_from_db()
    assert (post.body, post.status) == ("**** this weather", "published")
    assert "Darn" not in post.body_html


def test_trusted_author_keeps_posting_links_in_an_edit(author, member, article, make_comment):
    # Three approved posts besides this one: trusted, as they would be for a new post.
    for n in range(3):
        make_comment(article, member, body=f"Earlier post {n}")
    post = make_comment(article, member, body="Some links later.")
    _edit(author, post, body="Links https://a.example https://b.example https://c.example")
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED


def test_a_new_authors_typo_fix_keeps_their_approved_post_up(
    author, member, article, post_comment, moderator, client
):
    """A new post from this author would be published now (one approved post), so the edit is."""
    post_comment(author, article, body="Hello, I am new here, and glad to find you all.")
    first = Comment.objects.get()
    assert first.status == Comment.Status.PENDING  # new author: first posts are reviewed
    assert (
        "Your post waits for a moderator" in author.get(article.get_absolute_url()).content.decode()
    )
    moderator_actions.approve(first, moderator)
    response = _edit(author, first, body="Hello: I am new here, and glad to find you all.")
    first.refresh_from_db()
    assert first.status == Comment.Status.PUBLISHED
    assert "Hello: I am new here" in _others_page(type(client), article)
    assert "waits for a moderator" not in author.get(response.url).content.decode()


def test_a_new_authors_approved_post_edited_into_links_is_held(
    author, member, article, post_comment, moderator, client
):
    post_comment(author, article, body="Hello, I am new here.")
    first = Comment.objects.get()
    moderator_actions.approve(first, moderator)
    response = _edit(
        author, first, body="Buy now https://a.example https://b.example https://c.example"
    )
    first.refresh_from_db()
    assert first.status == Comment.Status.PENDING
    assert "3 links (more than 2)" in first.moderation_reasons
    assert "Buy now" not in _others_page(type(client), article)
    # The author is told what happened and why, not left to find a badge.
    page = author.get(response.url, follow=True).content.decode()
    assert "Your post waits for a moderator" in page and "many links" in page


def test_an_edit_from_a_browser_that_never_proved_the_address_waits_for_its_owner(
    client, article, make_subscriber, guest_login, make_comment
):
    """The post went live when its owner confirmed it from another browser, after reading it in
    the mail. The browser that wrote it proved nothing: its edit (perhaps a stranger's, as the
    owner) waits until the owner confirms the new words too."""
    gia = make_subscriber(name="Sample Gia")
    for n in range(3):
        make_comment(article, gia, body=f"Earlier post {n}")
    post = make_comment(article, gia, body="Thank you al")
    laptop = guest_login(client, gia, proven=False)
    _edit(laptop, post, body="Thank you all, and call me on 0161 496 0000", confirm_details="on")
    post.refresh_from_db()
    assert post.status == Comment.Status.AWAITING_EMAIL
    assert "Thank you all" not in _others_page(type(client), article)
    assert mail.outbox[-1].to == [gia.email] and "Thank you all" in mail.outbox[-1].body


def test_an_author_with_other_approved_posts_is_not_held_as_new(
    author, member, article, make_comment
):
    make_comment(article, member, body="An earlier post")
    post = make_comment(article, member, body="Helo")
    _edit(author, post, body="Hello")
    post.refresh_from_db()
    assert (post.body, post.status) == ("Hello", "published")


def test_a_held_post_stays_held_when_its_edit_would_pass(author, member, article, make_comment):
    for n in range(3):
        make_comment(article, member, body=f"Earlier post {n}")
    reported = make_comment(
        article, member, body="Stop your medicine", status="pending", moderation_reasons=["r"]
    )
    _edit(author, reported, body="Talk to your doctor first")
    reported.refresh_from_db()
    assert reported.status == Comment.Status.PENDING
    assert reported.body == "Talk to your doctor first"


def test_a_rejected_post_cannot_be_edited_back(author, member, article, make_comment):
    rejected = make_comment(article, member, body="Spam", status="rejected")
    response = _edit(author, rejected, body="Now kind")
    assert response.status_code == 403
    rejected.refresh_from_db()
    assert (rejected.body, rejected.status) == ("Spam", "rejected")


def test_an_edit_after_approval_in_advance_faces_the_policy_at_confirmation(
    client, article, moderator, post_comment
):
    client.post("/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"})
    post_comment(client, article, body="Early bird")
    comment = Comment.objects.get()
    moderator_actions.approve(comment, moderator)  # approved before the address is confirmed
    _edit(client, comment, body="Deals https://a.example https://b.example https://c.example")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.AWAITING_EMAIL and not comment.is_approved
    confirm = re.search(r"/subscribe/confirm/[^/\s]+/", mail.outbox[0].body).group(0)
    client.post(confirm)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING  # the approval was for other words


def test_a_banned_author_cannot_edit(author, member, article, make_comment):
    post = make_comment(article, member, body="Before the ban")
    Ban.objects.create(user=member, reason="abuse")
    response = _edit(author, post, body="After the ban")
    assert response.status_code == 403
    assert "You can no longer post comments" in response.content.decode()
    post.refresh_from_db()
    assert post.body == "Before the ban"


def test_edits_count_toward_the_posting_rate_limit(
    author, member, article, make_comment, settings, post_comment
):
    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    for n in range(3):
        make_comment(article, member, body=f"Earlier post {n}")
    post = make_comment(article, member, body="Typo")
    assert _edit(author, post, body="Edit one").status_code == 302
    assert _edit(author, post, body="Edit two").status_code == 302
    response = _edit(author, post, body="Edit three")
    assert response.status_code == 429
    page = response.content.decode()
    assert "You are posting very fast" in page and "Edit three" in page
    assert post_comment(author, article, body="A new post").status_code == 429
    post.refresh_from_db()
    assert post.body == "Edit two"


def test_an_edit_into_bare_web_addresses_is_held(author, member, article, make_comment, client):
    make_comment(article, member, body="An approved post")
    post = make_comment(article, member, body="Gentle walks helped me.")
    spam = "a-pills.com b-pills.com c-pills.net pharma.org/buy meds.org"
    _edit(author, post, body=spam)
    post.refresh_from_db()
    assert post.status == Comment.Status.PENDING
    assert "5 links (more than 2)" in post.moderation_reasons
    assert "pharma.org" not in _others_page(type(client), article)


def _with_picture(comment, alt="My window"):
    from django.core.files.base import ContentFile

    from comments import pictures

    pictures.attach(comment, ContentFile(b"display"), ContentFile(b"thumb"))
    comment.image_alt = alt
    comment.save()
    return comment


def test_an_edit_of_the_picture_description_is_nudged_refused_and_masked(
    author, member, article, make_comment, client
):
    for n in range(3):
        make_comment(article, member, body=f"Earlier post {n}")
    post = _with_picture(make_comment(article, member, body="Nice view from my window"))
    WatchedWord.objects.create(phrase="viagra", action="reject")
    WatchedWord.objects.create(phrase="idiot", action="mask")
    spam_alt = "call 555-019-9222 viagra http://spam.example/buy idiot"
    body = "Nice view from my window"

    nudged = _edit(author, post, body=body, image_alt=spam_alt)
    assert nudged.status_code == 200
    page = nudged.content.decode()
    assert "a phone number in the picture description" in page and spam_alt in page
    refused = _edit(author, post, body=body, image_alt=spam_alt, confirm_details="on")
    assert refused.status_code == 403
    post.refresh_from_db()
    assert (post.image_alt, post.edited_at) == ("My window", None)

    _edit(author, post, body=body, image_alt="my idiot neighbour's wall", confirm_details="on")
    post.refresh_from_db()
    assert (post.image_alt, post.status) == ("my ***** neighbour's wall", "published")
    assert "idiot" not in _others_page(type(client), article)


def test_an_edit_of_the_text_is_judged_with_the_picture_description_it_keeps(
    author, member, article, make_comment
):
    """The description stays shown: an edit is decided on everything the post will show."""
    make_comment(article, member, body="An approved post")
    post = _with_picture(
        make_comment(article, member, body="My garden"), alt="roses.com and www.seeds.example"
    )
    # The form sends the description back as it was.
    _edit(author, post, body="My garden, see garden.example.com", image_alt=post.image_alt)
    post.refresh_from_db()
    assert post.status == Comment.Status.PENDING
    assert "3 links (more than 2)" in post.moderation_reasons
