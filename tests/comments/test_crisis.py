"""Crisis first: a post that may come from someone in crisis reaches a person at once, and
everyone on the staff when nobody acts in time."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from comments import crisis, moderator_actions
from comments.models import Comment, CrisisResource, ModerationAction, ModeratorDigest, WatchedWord

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(article, make_subscriber, make_comment):
    writer = make_subscriber(name="Sample Writer")
    return make_comment(article, writer, body="Everything feels too heavy today")


@pytest.fixture
def reporter(member):
    browser = Client()
    browser.force_login(member)
    return browser


def _report_crisis(browser, post, capture, note="They sound like they are saying goodbye"):
    with capture(execute=True):
        response = browser.post(
            f"/comments/{post.pk}/report/", {"reason": "self_harm", "note": note}
        )
    assert response.status_code in (200, 302)


def _alerts_to(address):
    """The crisis alerts mailed to `address` (a report also sends the ordinary digest)."""
    return [
        message
        for message in mail.outbox
        if message.to == [address] and message.subject.startswith("Urgent:")
    ]


def test_a_crisis_report_mails_the_moderators_at_once_even_right_after_a_digest(
    reporter, post, moderator, django_capture_on_commit_callbacks
):
    ModeratorDigest.objects.create(pk=1, last_sent_at=timezone.now())  # the digest waits now
    _report_crisis(reporter, post, django_capture_on_commit_callbacks)

    [alert] = _alerts_to(moderator.email)
    assert "They sound like they are saying goodbye" in alert.body  # the reporter's note
    assert "Everything feels too heavy today" in alert.body
    assert f"/admin/comments/comment/{post.pk}/change/" in alert.body
    post.refresh_from_db()
    assert post.is_urgent and post.urgent_at is not None


def test_the_on_call_setting_names_who_hears_first(
    reporter, post, moderator, staff, settings, django_capture_on_commit_callbacks
):
    settings.MODERATION_ON_CALL = ["STAFF@example.org"]
    _report_crisis(reporter, post, django_capture_on_commit_callbacks)
    assert len(_alerts_to(staff.email)) == 1
    assert _alerts_to(moderator.email) == []


def test_an_on_call_address_that_is_no_staff_account_falls_back_to_the_moderators(
    reporter, post, moderator, member, settings, django_capture_on_commit_callbacks
):
    settings.MODERATION_ON_CALL = [member.email]  # a plain member is never on call
    _report_crisis(reporter, post, django_capture_on_commit_callbacks)
    assert len(_alerts_to(moderator.email)) == 1
    assert _alerts_to(member.email) == []


def test_a_second_crisis_report_of_the_same_post_does_not_mail_again(
    reporter, post, moderator, django_user_model, django_capture_on_commit_callbacks
):
    _report_crisis(reporter, post, django_capture_on_commit_callbacks)
    other = django_user_model.objects.create_user(
        email="other@example.org", password="a-long-test-password", display_name="Sample Other"
    )
    second = Client()
    second.force_login(other)
    _report_crisis(second, post, django_capture_on_commit_callbacks, note="Worried too")
    assert len(_alerts_to(moderator.email)) == 1


def test_nobody_acting_in_time_alerts_every_staff_member_once(
    reporter, post, moderator, staff, django_capture_on_commit_callbacks
):
    _report_crisis(reporter, post, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    soon = timezone.now() + datetime.timedelta(minutes=29)
    assert crisis.escalate_unanswered(now=soon) == 0
    late = timezone.now() + datetime.timedelta(minutes=31)
    assert crisis.escalate_unanswered(now=late) == 1
    assert {message.to[0] for message in mail.outbox} == {moderator.email, staff.email}
    assert all(message.subject.startswith("Still unanswered") for message in mail.outbox)
    assert crisis.escalate_unanswered(now=late + datetime.timedelta(minutes=5)) == 0


def test_a_moderator_acting_in_time_means_no_second_alert(
    reporter, post, moderator, staff, django_capture_on_commit_callbacks
):
    _report_crisis(reporter, post, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    moderator_actions.approve(post, moderator)
    mail.outbox.clear()
    call_command("escalate_crisis")
    assert crisis.escalate_unanswered(now=timezone.now() + datetime.timedelta(hours=2)) == 0
    assert mail.outbox == []
    post.refresh_from_db()
    assert not post.is_urgent


def test_a_crisis_phrase_holds_the_post_and_alerts_at_once(
    client, member, article, moderator, post_comment, django_capture_on_commit_callbacks
):
    WatchedWord.objects.create(phrase="end it all", action=WatchedWord.Action.CRISIS)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, article, body="Some days I want to end it all")
    comment = Comment.objects.get(body="Some days I want to end it all")
    assert comment.status == Comment.Status.PENDING and comment.is_urgent
    [alert] = _alerts_to(moderator.email)
    assert "crisis phrase" in alert.body


def test_urgent_posts_top_the_queue_with_the_reporters_note_and_count_on_the_index(
    client, reporter, post, moderator, django_capture_on_commit_callbacks
):
    _report_crisis(reporter, post, django_capture_on_commit_callbacks)  # still public
    client.force_login(moderator)
    queue = client.get("/admin/comments/comment/?queue=pending").content.decode()
    assert "URGENT" in queue and "Everything feels too heavy today" in queue
    change = client.get(f"/admin/comments/comment/{post.pk}/change/").content.decode()
    assert "They sound like they are saying goodbye" in change
    index = client.get("/admin/").content.decode()
    assert "Urgent: a possible crisis" in index
    assert "<strong>1</strong>" in index.split("Urgent: a possible crisis")[1][:200]


# --- The moderator's answer: members only, or hidden; the support message ---------------------


@pytest.fixture
def resources():
    CrisisResource.objects.create(
        name="Sample Line", how_to_reach="Sample: call 000", language="en", position=1
    )
    CrisisResource.objects.create(name="Sample Anywhere Line", how_to_reach="Sample: text 111")
    CrisisResource.objects.create(
        name="Sample Línea", how_to_reach="Muestra: llame al 000", language="es"
    )


def _act(client, moderator, post, action):
    client.force_login(moderator)
    return client.post(
        "/admin/comments/comment/", {"action": action, "_selected_action": [post.pk]}, follow=True
    )


def _thread_of(browser, article):
    return browser.get(article.get_absolute_url()).content.decode()


def test_members_only_hides_the_post_from_visitors_and_guests_but_not_members(
    client, settings, article, post, member, moderator, make_subscriber, guest_login, resources
):
    settings.COMMENTS_READ_GATE = False  # so that visitors would see the thread
    _act(client, moderator, post, "crisis_members_only")
    # Visitors and search engines:
    assert "Everything feels too heavy today" not in _thread_of(Client(), article)
    guest = Client()
    guest_login(guest, make_subscriber(name="Sample Guest Reader"))
    assert "Everything feels too heavy today" not in _thread_of(guest, article)
    reader = Client()
    reader.force_login(member)
    assert "Everything feels too heavy today" in _thread_of(reader, article)
    writer = Client()
    guest_login(writer, post.author_subscriber)  # its author still sees it
    assert "Everything feels too heavy today" in _thread_of(writer, article)


def test_the_author_gets_the_support_message_with_the_resources_for_their_language(
    client, settings, post, moderator, resources
):
    settings.MODERATION_REPLY_TO = "moderators@example.org"
    page = _act(client, moderator, post, "crisis_members_only").content.decode()
    assert "The support message went to 1 of 1 author(s)." in page
    [support] = [m for m in mail.outbox if m.to == [post.author_subscriber.email]]
    assert "Sample Line" in support.body and "Sample Anywhere Line" in support.body
    assert "Sample Línea" not in support.body  # another language's
    assert "still there for signed-in members" in support.body
    assert "local emergency number" in support.body
    assert support.extra_headers["Reply-To"] == "moderators@example.org"
    assert "moderators@example.org" in support.body
    post.refresh_from_db()
    assert post.members_only and not post.is_urgent and post.is_published
    assert ModerationAction.objects.filter(comment=post, action="crisis: members only").exists()


def test_hiding_fully_keeps_the_post_out_of_sight_without_rejecting_it(
    client, settings, article, post, member, moderator
):
    settings.COMMENTS_READ_GATE = False
    _act(client, moderator, post, "crisis_hide")
    post.refresh_from_db()
    assert post.status == Comment.Status.PENDING and post.body == "Everything feels too heavy today"
    assert "a possible crisis" in "; ".join(post.moderation_reasons)
    reader = Client()
    reader.force_login(member)
    assert "Everything feels too heavy today" not in _thread_of(reader, article)
    [support] = [m for m in mail.outbox if m.to == [post.author_subscriber.email]]
    assert "It is not deleted" in support.body
    assert "Reply-To" not in support.extra_headers  # no inbox set: no reply is invited
    assert "reply to this mail" not in support.body
    assert not any("decided not to publish" in m.body for m in mail.outbox)


def test_a_guest_cannot_open_report_or_answer_a_members_only_post_by_its_number(
    client, article, post, moderator, make_subscriber, guest_login, post_comment
):
    _act(client, moderator, post, "crisis_members_only")
    guest = Client()
    guest_login(guest, make_subscriber(name="Sample Curious Guest"))
    assert guest.get(f"/comments/{post.pk}/report/").status_code == 404
    response = post_comment(guest, article, body="Answering a post I cannot see", parent=post.pk)
    assert "no longer there" in response.content.decode()
    assert not Comment.objects.filter(body="Answering a post I cannot see").exists()


def test_the_help_pages_show_the_crisis_resources_staff_keep_in_the_admin(client, reporter, post):
    CrisisResource.objects.all().delete()  # the line a migration seeded
    CrisisResource.objects.create(name="Sample Helpline", how_to_reach="Sample: call 123")
    CrisisResource.objects.create(name="Sample Línea", how_to_reach="Muestra", language="es")
    done = reporter.post(f"/comments/{post.pk}/report/", {"reason": "self_harm"}).content.decode()
    help_page = client.get("/resources/").content.decode()
    for page in (done, help_page):
        assert "Sample Helpline" in page and "Sample: call 123" in page
        assert "Sample Línea" not in page  # another language's
        assert "local emergency number" in page


def test_the_digest_names_urgent_posts_wherever_they_wait_once(
    article, make_comment, make_subscriber, moderator
):
    from comments.notifications import tell_moderators

    guest = make_subscriber(name="Sample Unconfirmed", confirmed=False)
    post = make_comment(article, guest, body="Sample words of despair", status="awaiting")
    crisis.flag(post, "crisis phrase")
    assert tell_moderators() is True
    [digest] = [m for m in mail.outbox if "waiting for review" in m.subject]
    assert "URGENT (a possible crisis)" in digest.body and "Sample words of despair" in digest.body
    later = timezone.now() + datetime.timedelta(minutes=31)
    assert tell_moderators(now=later) is False  # named once


def test_a_crisis_phrase_caught_on_a_spanish_page_is_named_in_each_moderators_language(
    post, moderator, second_moderator, django_capture_on_commit_callbacks
):
    """The alert is queued in the request that caught the phrase (a Spanish one, say): its
    "Why:" line is translated as each moderator's mail is written, not in that request."""
    from django.utils import translation

    from comments import reasons

    moderator.language, second_moderator.language = "en", "es"
    moderator.save(update_fields=["language"])
    second_moderator.save(update_fields=["language"])
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        crisis.flag(post, reasons.crisis_phrase("sample phrase"))
    [english] = _alerts_to(moderator.email)
    assert "crisis phrase: contains the watched phrase “sample phrase”" in english.body
    assert "frase de crisis" not in english.body
    [spanish] = [m for m in mail.outbox if m.to == [second_moderator.email]]
    assert "frase de crisis: contiene la frase vigilada “sample phrase”" in spanish.body
