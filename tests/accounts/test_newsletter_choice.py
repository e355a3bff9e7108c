"""The read gate keeps the reader in the conversation: sharing name + email returns them to the
thread (or the post they came for) with a note that a confirmation mail is on its way; new
articles by mail are a separate choice, unticked unless the operator says otherwise, started
only when the owner confirms, with its time recorded; the mails say which list they are for."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Subscriber
from articles.newsletter import subscribed

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"/subscribe/confirm/[^/\s\"]+/")


def _share(client, email="reader@example.org", name="Sample Reader", **fields):
    data = {"name": name, "email": email, "source": "comments", **fields}
    return client.post("/subscribe/", data)


def _confirm(client, to):
    message = [m for m in mail.outbox if m.to == [to]][-1]
    link = CONFIRM_LINK.search(message.body).group(0)
    client.post(link)
    return message


def _gets_newsletter(email):
    return subscribed().filter(email__iexact=email).exists()


def test_sharing_name_and_email_returns_to_the_conversation_with_a_note(client, article):
    back = f"{article.get_absolute_url()}#comments"
    response = _share(client, next=back)
    assert response.status_code == 302 and response["Location"] == back
    page = client.get(article.get_absolute_url()).content.decode()
    assert "If your address still needs confirming, a mail with a link is on its way" in page


def test_the_answer_is_the_same_for_a_known_address(client, article, make_subscriber):
    make_subscriber(email="known@example.org")
    back = f"{article.get_absolute_url()}#comments"
    known = _share(Client(), email="known@example.org", next=back)
    unknown = _share(Client(), email="new@example.org", next=back)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == back


def test_only_this_sites_addresses_are_returned_to(client):
    response = _share(client, next="https://evil.example/phish")
    assert response["Location"] == "/subscribe/sent/"
    response = _share(client, next="//evil.example/")
    assert response["Location"] == "/subscribe/sent/"


def test_the_conversation_alone_starts_no_newsletter(client, article):
    _share(client, next=article.get_absolute_url())
    message = _confirm(client, "reader@example.org")
    assert "this sends you no newsletter" in message.body
    assert "subscription" not in message.subject
    subscriber = Subscriber.objects.get(email="reader@example.org")
    assert subscriber.is_confirmed and subscriber.newsletter_at is None
    assert not _gets_newsletter("reader@example.org")


def test_ticking_new_articles_starts_them_on_confirmation_with_its_time(client, article):
    _share(client, newsletter="on", next=article.get_absolute_url())
    assert Subscriber.objects.get().newsletter_at is None  # asked, not yet confirmed
    message = _confirm(client, "reader@example.org")
    assert "asked for new" in message.body and "subscription" in message.subject
    subscriber = Subscriber.objects.get()
    assert subscriber.newsletter_at is not None and subscriber.newsletter_at <= (
        subscriber.confirmed_at
    )
    assert _gets_newsletter("reader@example.org")


def test_a_stranger_cannot_start_the_newsletter_for_a_confirmed_reader(make_subscriber):
    make_subscriber(email="pat@example.org", newsletter=False)
    _share(Client(), email="pat@example.org", name="Attacker", newsletter="on")
    assert not _gets_newsletter("pat@example.org")
    [message] = [m for m in mail.outbox if m.to == ["pat@example.org"]]
    assert "Confirming also starts the new-article mail" in message.body


def test_the_subscribe_page_is_for_new_articles(client):
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    _confirm(client, "reader@example.org")
    assert _gets_newsletter("reader@example.org")


def test_unsubscribing_ends_the_choice(client):
    client.post("/subscribe/", {"name": "Sample Reader", "email": "reader@example.org"})
    _confirm(client, "reader@example.org")
    subscriber = Subscriber.objects.get()
    client.post(f"/unsubscribe/{subscriber.unsubscribe_key}/")
    subscriber.refresh_from_db()
    assert subscriber.newsletter_at is None and not _gets_newsletter("reader@example.org")


def test_the_box_offers_new_articles_unticked_unless_the_operator_says(client, article, settings):
    settings.COMMENTS_READ_GATE = True
    page = client.get(article.get_absolute_url()).content.decode()
    box = re.search(r'<input[^>]+name="newsletter"[^>]*>', page).group(0)
    assert "checked" not in box
    assert f'href="/accounts/login/?next={article.get_absolute_url()}%23comments"' in page
    assert f'href="/accounts/signup/?next={article.get_absolute_url()}%23comments"' in page
    settings.COMMENTS_NEWSLETTER_TICKED = True
    page = Client().get(article.get_absolute_url() + "?order=oldest").content.decode()
    assert "checked" in re.search(r'<input[^>]+name="newsletter"[^>]*>', page).group(0)
