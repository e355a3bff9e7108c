"""Reply mails: to the parent's author, not for one's own replies, batched per thread an hour."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from comments.models import ReplyNotice

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(article, member, make_comment):
    return make_comment(article, member, body="Has anyone tried aquatic therapy?")


@pytest.fixture
def replier(client, django_user_model):
    other = django_user_model.objects.create_user(
        email="other@example.org", password="a-long-test-password", display_name="Sample Other"
    )
    client.force_login(other)
    return client


def _reply(client, article, parent, body, post_comment):
    return post_comment(client, article, body=body, parent=parent.pk)


def test_author_gets_a_mail_when_someone_replies(replier, article, thread, post_comment):
    _reply(replier, article, thread, "Yes, it helped my back.", post_comment)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["member@example.org"]
    assert "Sample Other replied to you" in message.subject
    assert "Yes, it helped my back." in message.body
    assert re.search(r"/comments/replies-off/[^/\s]+/", message.body)


def test_no_mail_for_ones_own_reply(client, member, article, thread, post_comment):
    client.force_login(member)
    _reply(client, article, thread, "Adding to my own post.", post_comment)
    assert mail.outbox == []


def test_no_mail_when_replies_are_turned_off(replier, member, article, thread, post_comment):
    member.notify_replies = False
    member.save()
    _reply(replier, article, thread, "Hello", post_comment)
    assert mail.outbox == []


def test_at_most_one_mail_per_thread_an_hour_then_a_batch(replier, article, thread, post_comment):
    _reply(replier, article, thread, "First reply", post_comment)
    _reply(replier, article, thread, "Second reply", post_comment)
    _reply(replier, article, thread, "Third reply", post_comment)
    assert len(mail.outbox) == 1
    call_command("send_reply_mail")  # still within the hour: nothing
    assert len(mail.outbox) == 1
    ReplyNotice.objects.exclude(sent_at=None).update(
        sent_at=timezone.now() - datetime.timedelta(hours=2)
    )
    call_command("send_reply_mail")
    assert len(mail.outbox) == 2
    assert "2 new replies" in mail.outbox[1].subject
    assert "Second reply" in mail.outbox[1].body and "Third reply" in mail.outbox[1].body
    call_command("send_reply_mail")
    assert len(mail.outbox) == 2


def test_unsubscribe_from_replies_link(replier, client, member, article, thread, post_comment):
    _reply(replier, article, thread, "Hi", post_comment)
    path = re.search(r"/comments/replies-off/[^/\s]+/", mail.outbox[0].body).group(0)
    anonymous = type(client)()
    assert "Stop emails about replies?" in anonymous.get(path).content.decode()
    member.refresh_from_db()
    assert member.notify_replies  # a mail scanner's GET changes nothing
    anonymous.post(path)
    member.refresh_from_db()
    assert not member.notify_replies


def test_guest_author_is_mailed_with_list_unsubscribe(
    replier, article, make_comment, make_subscriber, post_comment
):
    guest = make_subscriber(email="guest@example.org", name="Sample Guest")
    parent = make_comment(article, guest, body="My question")
    _reply(replier, article, parent, "My answer", post_comment)
    assert mail.outbox[0].to == ["guest@example.org"]
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_waiting_guest_reply_mails_only_once_published(
    client, article, thread, make_subscriber, guest_login, post_comment
):
    guest = make_subscriber(confirmed=False)
    guest_login(client, guest, proven=False)
    _reply(client, article, thread, "Unconfirmed reply", post_comment)
    assert all(m.to != ["member@example.org"] for m in mail.outbox)
