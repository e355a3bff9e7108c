"""A guest downloads or deletes their data through the key in any mail we sent them."""

import json
import re

import pytest
from django.core import mail

from accounts import subscriptions
from accounts.models import Delivery, Subscriber
from comments.models import Ban, Comment, Report

pytestmark = pytest.mark.django_db


def _data_url(subscriber):
    return f"/unsubscribe/{subscriber.unsubscribe_key}/your-data/"


def _delete_url(subscriber):
    return f"/unsubscribe/{subscriber.unsubscribe_key}/delete-my-data/"


@pytest.fixture
def guest(make_subscriber, article, make_comment):
    """A subscribed guest who posted twice (one post has a reply) and reported a post."""
    guest = make_subscriber(email="guest@example.org", name="Sample Guest Name")
    lonely = make_comment(article, guest, body="My guest story")
    answered = make_comment(article, guest, body="Answered story", ip_address="203.0.113.5")
    make_comment(article, make_subscriber(name="Sample Friend"), parent=answered, body="Reply")
    other = make_comment(article, make_subscriber(), body="Somebody else's post")
    Report.objects.create(comment=other, reporter_subscriber=guest, reason="other", note="My note")
    subscriptions.send_confirmation(guest)  # a mail on record
    guest.lonely, guest.answered = lonely, answered
    return guest


def test_every_mail_to_a_guest_links_to_their_data(client):
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    subscriber = Subscriber.objects.get()
    message = mail.outbox[-1]
    assert f"{subscriptions.unsubscribe_url(subscriber)}your-data/" in message.body
    html = message.alternatives[0][0]
    assert f'href="{subscriptions.unsubscribe_url(subscriber)}your-data/"' in html


def test_the_unsubscribe_page_links_to_the_data_pages(client, guest):
    page = client.get(f"/unsubscribe/{guest.unsubscribe_key}/").content.decode()
    assert _data_url(guest) in page and _delete_url(guest) in page


def test_a_guest_downloads_everything_held_on_their_address(client, guest):
    page = client.get(_data_url(guest))
    assert page.status_code == 200
    assert "Download my data" in page.content.decode()
    assert 'name="robots" content="noindex' in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]

    response = client.post(_data_url(guest))
    assert response["Content-Disposition"] == 'attachment; filename="kindred-my-data.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["subscription"]["email"] == "guest@example.org"
    assert data["subscription"]["name"] == "Sample Guest Name"
    assert sorted(c["text"] for c in data["comments"]["comments"]) == [
        "Answered story",
        "My guest story",
    ]
    assert [r["note"] for r in data["comments"]["reports"]] == ["My note"]
    assert [m["subject"] for m in data["mail"]] == [Delivery.objects.get().subject]


def test_a_guest_deletes_everything_and_the_key_stops_working(client, guest, article):
    page = client.get(_delete_url(guest))
    assert page.status_code == 200 and "Delete my data" in page.content.decode()
    assert Subscriber.objects.filter(pk=guest.pk).exists()  # a GET (a mail scanner) changes nothing

    done = client.post(_delete_url(guest))
    assert "Your data is deleted" in done.content.decode()

    assert not Subscriber.objects.filter(email__iexact="guest@example.org").exists()
    assert not Comment.objects.filter(pk=guest.lonely.pk).exists()
    placeholder = Comment.objects.get(pk=guest.answered.pk)
    assert placeholder.is_removed and placeholder.body == "" and placeholder.ip_address is None
    assert placeholder.author_subscriber is None and placeholder.guest_key == ""
    assert Comment.objects.filter(body="Reply").exists()
    report = Report.objects.get()
    assert report.note == "" and report.reporter_subscriber is None
    assert not Delivery.objects.filter(to__iexact="guest@example.org").exists()
    assert "Sample Guest Name" not in client.get(article.get_absolute_url()).content.decode()

    for url in (_data_url(guest), _delete_url(guest), f"/unsubscribe/{guest.unsubscribe_key}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(_data_url(guest)).status_code == 404


def test_both_delete_pages_say_that_reports_stay_without_their_author(client, guest):
    """The confirm page said only the reports' notes go, the done page that the reports went;
    in truth they stay (they still count for moderators) but lose who made them and the note."""
    confirm = " ".join(client.get(_delete_url(guest)).content.decode().split())
    assert (
        "The posts you reported stay reported, so moderators can still act on them, but the "
        "reports will no longer say who made them or what you wrote in them." in confirm
    )
    assert "the notes of your reports" not in confirm

    done = " ".join(client.post(_delete_url(guest)).content.decode().split())
    assert (
        "The posts you reported stay reported, so moderators can still act on them, but the "
        "reports no longer say who made them or what you wrote in them." in done
    )
    assert "your posts or your reports" not in done
    report = Report.objects.get()
    assert report.reporter_subscriber is None and report.note == ""


def test_another_guests_key_gives_nothing_of_the_first(client, guest, make_subscriber):
    other = make_subscriber(email="other@example.org", name="Sample Other")
    data = json.loads(client.post(_data_url(other)).content)
    text = json.dumps(data)
    assert "guest@example.org" not in text and "Sample Guest Name" not in text
    assert "My guest story" not in text and "My note" not in text
    assert data["comments"] == {"comments": [], "reports": []}

    client.post(_delete_url(other))
    assert Subscriber.objects.filter(pk=guest.pk).exists()
    assert Comment.objects.filter(pk=guest.lonely.pk).exists()
    assert Report.objects.get().note == "My note"


def test_a_made_up_key_finds_nothing(client, guest):
    for url in ("/unsubscribe/not-a-key/your-data/", "/unsubscribe/not-a-key/delete-my-data/"):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert Subscriber.objects.filter(pk=guest.pk).exists()


def test_a_members_subscription_key_leads_to_the_account_pages(client, member, make_subscriber):
    subscriber = make_subscriber(email=member.email, user=member)
    page = client.get(_data_url(subscriber)).content.decode()
    assert "This address belongs to a member" in page
    client.post(_delete_url(subscriber))
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert type(member).objects.filter(pk=member.pk).exists()


def test_a_banned_guest_who_deletes_their_data_stays_banned(client, guest, moderator):
    from comments.posting import active_ban

    Ban.objects.create(email="guest@example.org", reason="Spam run", created_by=moderator)
    client.post(_delete_url(guest))
    assert not Ban.objects.filter(email__iexact="guest@example.org").exists()
    assert active_ban(email="Guest@example.org").reason == "Spam run"


def test_data_pages_are_not_for_search_engines(client):
    robots = client.get("/robots.txt").content.decode()
    assert re.search(r"^Disallow: /unsubscribe/$", robots, re.MULTILINE)


def test_deleting_a_guests_data_erases_every_spelling_of_the_inbox(
    client, make_subscriber, article, make_comment
):
    """The key proves the inbox, so every address reaching it goes: Gmail dots, +tags, case."""
    from accounts.models import AddressClaim

    gwen = make_subscriber(email="gwen.qxyzzy@gmail.com", name="Gwen Q")
    other = make_subscriber(email="GwenQxyzzy+health@googlemail.com", name="Gwen Otherspelling")
    make_comment(article, other, body="Posted under another spelling", ip_address="203.0.113.9")
    AddressClaim.objects.create(
        subscriber=other, guest_key="k", name="Gwen", updated_at=other.created_at
    )
    subscriptions.send_confirmation(other)
    Delivery.objects.create(key="reset", to="gwenqxyzzy@gmail.com", subject="s", text_body="t")
    unrelated = make_subscriber(email="gwen@example.org")
    Delivery.objects.create(key="unrelated", to="gwen@example.org", subject="s", text_body="t")

    client.post(_delete_url(gwen))
    assert list(Subscriber.objects.all()) == [unrelated]
    assert not Comment.objects.filter(body="Posted under another spelling").exists()
    assert not AddressClaim.objects.exists()
    assert list(Delivery.objects.values_list("to", flat=True)) == ["gwen@example.org"]
