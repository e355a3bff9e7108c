"""What the site says about moderation matches what happens: a guest's post and a new
member's first post may wait for a moderator, and the site says so."""

import pytest
from django.core import mail
from django.test import Client

from comments.models import Comment
from tests.comments.test_guest_identity import CONFIRM_LINK

pytestmark = [pytest.mark.django_db, pytest.mark.default_moderation]


def test_a_guest_is_not_promised_their_post_will_simply_appear(article, post_comment):
    guest = Client()
    guest.post("/subscribe/", {"name": "Sample Newcomer", "email": "newcomer@example.org"})
    response = post_comment(guest, article, body="My first words here")
    page = guest.get(article.get_absolute_url()).content.decode()
    assert response.status_code in (200, 302)
    assert "may then wait for a moderator" in page  # under the form, and in the notice
    assert "will appear once" not in page


def test_a_new_members_first_post_says_why_it_waits_and_who_sees_it(
    client, member, article, post_comment
):
    client.force_login(member)
    post_comment(client, article, body="Hello from a new member")
    assert Comment.objects.get().status == Comment.Status.PENDING  # the site's default rule
    page = client.get(article.get_absolute_url()).content.decode()
    assert "only you see it until a moderator has read it" in page


def test_the_thanks_page_says_a_moderator_reads_a_new_members_first_post(client):
    client.post("/subscribe/", {"name": "Sample Subscriber", "email": "sub@example.org"})
    link = CONFIRM_LINK.search(mail.outbox[-1].body).group(0)
    page = client.post(link, follow=True).content.decode()
    assert "Members choose a display name" in page  # the thanks page
    assert "straight away" not in page
    assert "A moderator reads a new member's first post before it appears." in page


def test_the_account_page_says_where_the_bio_shows(client, member):
    # The bio shows on the profile page only, when the member shows it: the help says so.
    client.force_login(member)
    page = client.get("/account/").content.decode()
    assert "shown on your posts" not in page
    assert "Shown on your profile page, if you choose to show it." in page
