"""Reports cannot be used to silence people: who counts, how many, from where."""

import pytest
from django.core import mail

from comments.models import Comment, ModerationRules, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(article, make_subscriber, make_comment):
    return make_comment(article, make_subscriber(name="Sample Target"), body="My honest view")


@pytest.fixture
def reader(client, make_subscriber, guest_login):
    """A fresh browser for each reader: a confirmed guest proven there, or an unconfirmed one."""

    def make(confirmed=True):
        browser = type(client)()
        guest_login(browser, make_subscriber(confirmed=confirmed), proven=confirmed)
        return browser

    return make


def _report(browser, post, ip="203.0.113.1", reason="abuse"):
    return browser.post(f"/comments/{post.pk}/report/", {"reason": reason}, REMOTE_ADDR=ip)


def test_throwaway_unconfirmed_guests_cannot_hide_a_post(client, reader, post, settings):
    settings.COMMENTS_READ_GATE = False
    for n in range(3):
        response = _report(reader(confirmed=False), post, ip=f"203.0.113.{n}")
        assert "your reports do not hide posts" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED
    assert "My honest view" in client.get(post.article.get_absolute_url()).content.decode()
    # Still recorded for the moderators.
    assert Report.objects.filter(comment=post, counts=False).count() == 3
    assert post.report_count == 3


def test_confirmed_readers_on_one_address_do_not_hide_a_post(reader, post):
    for _ in range(3):
        _report(reader(), post, ip="203.0.113.7")
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED


def test_one_ipv6_network_is_one_address(reader, post):
    for n in range(3):
        _report(reader(), post, ip=f"2001:db8:1:2::{n + 1}")
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED


def test_distinct_confirmed_readers_on_distinct_addresses_hide_it(client, reader, post, moderator):
    for ip in ("203.0.113.1", "198.51.100.1"):
        response = _report(reader(), post, ip=ip)
        assert "stays up until a moderator looks" in response.content.decode()
    response = _report(reader(), post, ip="192.0.2.1")
    assert "it is hidden until a moderator looks" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Comment.Status.PENDING
    assert post.moderation_reasons == ["reported by 3 readers"]


def _reader_with(client, make_subscriber, guest_login, email):
    browser = type(client)()
    guest_login(browser, make_subscriber(email=email))
    return browser


def test_one_inbox_under_many_spellings_is_one_person(client, make_subscriber, guest_login, post):
    """mallory+0@, +1@, +2@ all reach Mallory's inbox: confirmed three times, one person."""
    for n, ip in enumerate(["198.51.100.7", "203.0.113.7", "192.0.2.7"]):
        _report(
            _reader_with(client, make_subscriber, guest_login, f"mallory+{n}@example.org"),
            post,
            ip=ip,
        )
    for n, address in enumerate(["m.a.llory@gmail.com", "Mallory@googlemail.com"]):
        _report(
            _reader_with(client, make_subscriber, guest_login, address), post, ip=f"2001:db8:{n}::1"
        )
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED
    assert post.report_count == 5


def test_one_ipv4_network_is_one_address(reader, post):
    """198.51.100.7, .8 and .9 are one /24: one place, as an IPv6 /64 is."""
    for ip in ("198.51.100.7", "198.51.100.8", "::ffff:198.51.100.9"):
        _report(reader(), post, ip=ip)
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED


def test_the_reviewed_attack_one_inbox_from_one_network_hides_nothing(
    client, make_subscriber, guest_login, post
):
    for n in range(3):
        browser = _reader_with(client, make_subscriber, guest_login, f"mallory+{n}@example.org")
        _report(browser, post, ip=f"198.51.100.{7 + n}")
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED


def test_a_member_and_their_guest_identity_are_one_person(
    client, member, make_subscriber, guest_login, post
):
    ModerationRules.objects.update_or_create(pk=1, defaults={"report_threshold": 2})
    as_member = type(client)()
    as_member.force_login(member)
    _report(as_member, post, ip="203.0.113.1")
    as_guest = type(client)()
    guest_login(as_guest, make_subscriber(email="MEMBER@example.org"))
    _report(as_guest, post, ip="203.0.113.2")
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED


def test_a_reported_post_below_the_threshold_is_queued_and_moderators_told(
    client, reader, post, moderator
):
    _report(reader(), post, reason="misinformation")
    post.refresh_from_db()
    assert post.status == Comment.Status.PUBLISHED
    assert mail.outbox[-1].to == ["mod@example.org"]
    assert "still public, reported by 1 reader" in mail.outbox[-1].body
    client.force_login(moderator)
    queue_page = client.get("/admin/comments/comment/?queue=reported").content.decode()
    assert "My honest view" in queue_page


def test_reports_are_rate_limited_per_person(reader, article, make_comment, settings):
    settings.COMMENTS_REPORT_RATE_LIMITS = [(2, 600)]
    posts = [make_comment(article, body=f"Post {n}") for n in range(3)]
    browser = reader()
    assert _report(browser, posts[0], ip="203.0.113.1").status_code == 200
    assert _report(browser, posts[1], ip="203.0.113.2").status_code == 200
    refused = _report(browser, posts[2], ip="203.0.113.3")
    assert refused.status_code == 429
    assert "many reports in a short time" in refused.content.decode()
    assert Report.objects.count() == 2


def test_reports_are_rate_limited_per_address(reader, post, settings):
    settings.COMMENTS_REPORT_RATE_LIMITS = [(2, 600)]
    for _ in range(2):
        assert _report(reader(), post, ip="203.0.113.5").status_code == 200
    assert _report(reader(), post, ip="203.0.113.5").status_code == 429
    assert Report.objects.count() == 2


def test_reporting_your_own_post_is_refused(client, make_subscriber, guest_login, post):
    guest_login(client, post.author_subscriber)
    response = _report(client, post)
    assert response.status_code == 403
    assert "You cannot report your own post" in response.content.decode()
    assert not Report.objects.exists()


def test_report_keeps_the_reporters_address_for_a_purge(reader, post):
    _report(reader(), post, ip="203.0.113.44")
    assert Report.objects.get().ip_address == "203.0.113.44"
    Report.objects.update(ip_address=None)  # what a purge of old addresses does
    assert Report.objects.get().ip_address is None
