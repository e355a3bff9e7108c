"""Typing somebody's address in the name + email box gives a stranger nothing of theirs: not
their name, not their report slot or rate limits, and never their voice without their knowing
consent (the confirmation mail shows what it would publish)."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Subscriber
from comments.models import Ban, Comment, Report

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"/subscribe/confirm/[^/\s\"]+/")


@pytest.fixture
def pat(make_subscriber):
    """A real guest who shared her name and address and confirmed them."""
    return make_subscriber(email="pat@example.org", name="Patricia Q. Realname")


def _stranger(email="pat@example.org", name="Attacker", ip="203.0.113.66"):
    browser = Client(REMOTE_ADDR=ip)
    browser.post("/subscribe/", {"name": name, "email": email})
    return browser


def _normalized(html):
    """The page without what differs on every rendering (CSRF and one-time form tokens)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'name="started" value="[^"]+"', "", html)
    return re.sub(r'data-started="[^"]+"', "", html)


def _last_link(to):
    message = [m for m in mail.outbox if m.to == [to]][-1]
    return CONFIRM_LINK.search(message.body).group(0)


@pytest.mark.parametrize("state", ["confirmed", "waiting", "banned", "a member's"])
def test_a_known_address_shows_exactly_what_an_unknown_one_shows(pat, article, member, state):
    if state == "waiting":
        Subscriber.objects.filter(pk=pat.pk).update(confirmed_at=None)
    elif state == "banned":
        Ban.objects.create(email=pat.email, reason="spam")
    elif state == "a member's":
        Subscriber.objects.filter(pk=pat.pk).update(user=member, email=member.email)
    address = member.email if state == "a member's" else pat.email
    known = _stranger(address).get(article.get_absolute_url()).content.decode()
    unknown = _stranger("nobody@example.org").get(article.get_absolute_url()).content.decode()
    assert "Posting as <strong><bdi>Attacker</bdi></strong>" in known
    assert "Patricia" not in known
    assert _normalized(known) == _normalized(unknown)


def test_a_strangers_waiting_post_shows_the_name_they_typed(pat, article, post_comment):
    stranger = _stranger()
    post_comment(stranger, article, body="Hello, it is me.")
    page = stranger.get(article.get_absolute_url()).content.decode()
    assert "Hello, it is me." in page
    assert '<bdi>Attacker</bdi></strong> <span class="comment__role">(guest)' in page
    assert "Patricia" not in page


def test_a_stranger_reporting_leaves_the_owners_report_slot_free(
    pat, article, make_comment, make_subscriber, client, guest_login
):
    post = make_comment(article, make_subscriber(name="Sample Poster"), body="Doubtful advice")
    stranger = _stranger()
    answer = stranger.post(f"/comments/{post.pk}/report/", {"reason": "spam"})
    assert "Thank you for your report" in answer.content.decode()
    noted = Report.objects.get()
    assert noted.reporter_subscriber is None and not noted.counts

    guest_login(client, pat)  # Pat herself, in the browser where she confirmed
    page = client.post(f"/comments/{post.pk}/report/", {"reason": "misinformation"})
    assert "You have already reported this post" not in page.content.decode()
    mine = Report.objects.get(reporter_subscriber=pat)
    assert mine.counts and mine.reason == "misinformation"


def test_a_stranger_is_not_told_the_owner_reported_a_post(
    pat, article, make_comment, make_subscriber, client, guest_login
):
    post = make_comment(article, make_subscriber(name="Sample Poster"), body="Doubtful advice")
    guest_login(client, pat)
    client.post(f"/comments/{post.pk}/report/", {"reason": "spam"})
    form = _stranger().get(f"/comments/{post.pk}/report/").content.decode()
    assert "You have already reported this post" not in form
    assert "Medical misinformation" in form  # the report form, as for anyone


def test_a_stranger_is_not_told_which_posts_are_the_owners(pat, article, make_comment):
    hers = make_comment(article, pat, body="Pat's own story")
    answer = _stranger().get(f"/comments/{hers.pk}/report/")
    assert answer.status_code == 200
    assert "Medical misinformation" in answer.content.decode()


def test_a_strangers_posts_do_not_use_up_the_owners_rate_limit(
    pat, article, settings, client, guest_login, post_comment
):
    settings.COMMENTS_RATE_LIMITS = [(2, 60)]
    stranger = _stranger()
    for n in range(3):
        post_comment(stranger, article, body=f"Noise number {n}")
    guest_login(client, pat)  # another network, another browser: Pat's own
    answer = post_comment(client, article, body="My own words")
    assert answer.status_code == 302
    assert Comment.objects.get(body="My own words").is_published


def test_a_strangers_words_are_not_passed_off_as_a_duplicate_of_the_owners(
    pat, article, client, guest_login, post_comment
):
    guest_login(client, pat)
    post_comment(client, article, body="Thank you for this article.")
    stranger = _stranger()
    answer = post_comment(stranger, article, body="Thank you for this article.")
    theirs = Comment.objects.exclude(guest_key=client.session["guest_key"]).get()
    assert answer["Location"] == f"/c/{theirs.pk}/"  # the post's own address
    assert theirs.status == Comment.Status.AWAITING_EMAIL


def test_a_banned_address_typed_by_a_stranger_looks_like_any_other(pat, article, post_comment):
    Ban.objects.create(email="pat@example.org", reason="spam")
    answer = post_comment(_stranger(), article, body="Am I banned?")
    assert answer.status_code == 302  # waits like any post from an unproven address
    post = Comment.objects.get()
    assert post.status == Comment.Status.AWAITING_EMAIL
    Client().post(_last_link("pat@example.org"))  # the ban holds when its owner releases it
    post.refresh_from_db()
    assert post.status == Comment.Status.REJECTED


def test_the_confirmation_mail_shows_what_it_would_publish(pat, article, post_comment):
    post_comment(_stranger(), article, body="Cheap pills at example.com, trust me.")
    message = [m for m in mail.outbox if m.to == ["pat@example.org"]][-1]
    html = message.alternatives[0][0]
    for part in (message.body, html):
        assert "Cheap pills at example[.]com, trust me." in part  # shown, not clickable
        assert "example.com" not in part
        assert "If you did not write this, do not" in part
        assert "Attacker" in part and article.title in part
    page = Client().get(CONFIRM_LINK.search(message.body).group(0)).content.decode()
    assert "Cheap pills at example.com, trust me." in page
    assert "If you did not write this, do not press the button." in page


def test_a_link_mailed_before_a_post_does_not_publish_it_elsewhere(article, post_comment):
    stranger = _stranger("newcomer@example.org")  # mail 1: nothing waiting yet
    post_comment(stranger, article, body="Written after the mail went out")
    first = _last_link("newcomer@example.org")
    assert len(mail.outbox) == 1  # no second mail within the resend interval
    Client().post(first)  # the owner, in her own browser
    post = Comment.objects.get()
    assert post.status == Comment.Status.AWAITING_EMAIL
    again = mail.outbox[-1]  # she is shown what is still waiting, in a mail of its own
    assert again.to == ["newcomer@example.org"]
    assert "Written after the mail went out" in again.body


def test_an_edit_made_after_the_mail_is_not_published_by_it(pat, article, post_comment):
    stranger = _stranger()
    post_comment(stranger, article, body="Such a kind community.")
    link = _last_link("pat@example.org")
    post = Comment.objects.get()
    stranger.post(f"/comments/{post.pk}/edit/", {"body": "Buy my pills now."})
    post.refresh_from_db()
    assert post.body == "Buy my pills now."
    Client().post(link)
    post.refresh_from_db()
    assert post.status == Comment.Status.AWAITING_EMAIL
    assert "Buy my pills now." in mail.outbox[-1].body


def test_confirming_what_the_mail_showed_publishes_it_under_the_typed_name(
    pat, article, post_comment
):
    """The decision: the owner who presses the button in a mail that showed the name and the
    words takes both; her posts show the name typed in the browser that asked."""
    post_comment(_stranger(name="Pat on her phone"), article, body="Written on my phone")
    Client().post(_last_link("pat@example.org"))
    post = Comment.objects.get()
    assert post.is_published
    pat.refresh_from_db()
    assert pat.name == "Pat on her phone"


def test_the_guest_who_asked_confirms_in_the_same_browser_and_goes_by_their_name(
    article, post_comment
):
    guest = _stranger("sam@example.org", name="Sam")
    post_comment(guest, article, body="First post")
    post_comment(guest, article, body="Second post, after the mail")
    guest.post(_last_link("sam@example.org"))
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.PUBLISHED}
    assert Subscriber.objects.get().name == "Sam"
    page = guest.get(article.get_absolute_url()).content.decode()
    assert "Posting as <strong><bdi>Sam</bdi></strong>" in page
    assert "Your post is sent on once you open the link" not in page


def _picture():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_picture_confirmed_from_another_browser_goes_to_the_moderators(
    pat, article, post_comment
):
    """The owner cannot see a stranger's private picture, only its description: pressing the
    button in her own browser sends it to a moderator instead of publishing it as hers."""
    post_comment(_stranger(), article, body="Look", image=_picture(), image_alt="a sunset")
    message = [m for m in mail.outbox if m.to == ["pat@example.org"]][-1]
    assert "posts with a picture are checked by a moderator first" in message.body
    link = CONFIRM_LINK.search(message.body).group(0)
    owner = Client()
    page = owner.get(link).content.decode()
    assert "posts with a picture are checked by a moderator first" in page
    owner.post(link)
    post = Comment.objects.get()
    assert post.status == Comment.Status.PENDING
    assert "picture confirmed from another browser" in post.moderation_reasons


def test_a_picture_confirmed_in_the_browser_that_wrote_it_follows_the_policy(article, post_comment):
    guest = _stranger("sam@example.org", name="Sam")
    post_comment(guest, article, body="Look", image=_picture(), image_alt="a sunset")
    link = _last_link("sam@example.org")
    page = guest.get(link).content.decode()
    assert "checked by a moderator first" not in page
    guest.post(link)
    assert Comment.objects.get().status == Comment.Status.PUBLISHED


def _ten_minutes_later():
    from datetime import timedelta

    from accounts.models import AddressClaim

    for model in (Subscriber, AddressClaim):
        for row in model.objects.exclude(confirmation_sent_at=None):
            row.confirmation_sent_at -= timedelta(minutes=11)
            row.save(update_fields=["confirmation_sent_at"])


def test_a_strangers_mails_neither_delay_nor_cancel_the_owners_link(article, post_comment):
    stranger = _stranger("gwen@example.org")
    post_comment(stranger, article, body="Noise from a stranger")
    owner = _stranger("gwen@example.org", name="Gwen", ip="198.51.100.7")
    mine = _last_link("gwen@example.org")  # her own browser's mail, not held back by theirs
    assert "Hello Gwen," in mail.outbox[-1].body
    _ten_minutes_later()
    post_comment(stranger, article, body="More noise")  # their next mail, in their own slot
    assert "Hello Attacker," in mail.outbox[-1].body
    assert len(mail.outbox) == 3

    owner.post(mine)  # her link still works: the stranger's mails did not replace it
    assert Subscriber.objects.get().name == "Gwen"
    page = owner.get(article.get_absolute_url()).content.decode()
    assert "Posting as <strong><bdi>Gwen</bdi></strong>" in page
    # Her link publishes nothing of theirs: it showed none of it.
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.AWAITING_EMAIL}
    # Used once only.
    assert "Confirm my email address" not in owner.get(mine).content.decode()
    owner.post(mine)
    assert Subscriber.objects.get().name == "Gwen"


def test_each_browsers_link_works_once_and_expires(article, post_comment, settings):
    stranger = _stranger("gwen@example.org")
    post_comment(stranger, article, body="Words they wrote")
    theirs = _last_link("gwen@example.org")
    owner = _stranger("gwen@example.org", name="Gwen", ip="198.51.100.7")
    mine = _last_link("gwen@example.org")
    owner.post(mine)
    assert Comment.objects.get().status == Comment.Status.AWAITING_EMAIL
    settings.CONFIRMATION_MAX_AGE_SECONDS = -1  # both links are now past their lifetime
    answer = Client().post(theirs)
    assert answer.status_code == 400
    assert Comment.objects.get().status == Comment.Status.AWAITING_EMAIL
    assert Subscriber.objects.get().name == "Gwen"


def test_a_blocked_address_typed_by_a_stranger_looks_like_any_other(article, post_comment):
    from comments.models import BlockedAddress

    BlockedAddress.objects.create(kind=BlockedAddress.Kind.EMAIL, value="blocked@example.com")
    guest = _stranger("blocked+x@example.com")
    answer = post_comment(guest, article, body="Am I blocked?")
    assert answer.status_code == 302  # waits like any post from an unproven address
    post = Comment.objects.get()
    assert post.status == Comment.Status.AWAITING_EMAIL
    guest.post(_last_link("blocked+x@example.com"))  # the block holds once the inbox is proven
    post.refresh_from_db()
    assert post.status == Comment.Status.REJECTED
    assert "could not be published" in post_comment(guest, article, body="Again").content.decode()


def test_a_blocked_network_is_refused_at_once(article, post_comment):
    from comments.models import BlockedAddress

    BlockedAddress.objects.create(kind=BlockedAddress.Kind.NETWORK, value="203.0.113.0/24")
    answer = post_comment(_stranger("someone@example.com"), article, body="From a bad network")
    assert answer.status_code == 403
    assert not Comment.objects.exists()


# The worker closes database connections between tasks, so this test needs real commits.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("address", ["pat@example.org", "nobody@example.org"])
def test_a_first_post_leaves_its_mail_to_the_worker_for_any_address(
    address, make_subscriber, make_article, settings, post_comment
):
    """Rendering and sealing a mail inside the request made a known address's first post slower
    than an unknown one's (its mail had gone out with the subscribe task)."""
    from django.core.management import call_command

    from accounts.models import Delivery

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_subscriber(email="pat@example.org", name="Patricia Q. Realname")
    article = make_article()
    stranger = _stranger(address)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)  # the subscribe task
    mails_before = Delivery.objects.count()

    post_comment(stranger, article, body="Hello, it is me.")

    assert Delivery.objects.count() == mails_before  # nothing rendered while the visitor waits
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    # One confirmation mail either way: sent with the subscribe task for a new address, after
    # the post (showing it) for a known one.
    assert len([m for m in mail.outbox if m.to == [address]]) == 1


def test_a_name_typed_after_the_mail_is_not_what_its_link_confirms(
    article, post_comment, make_comment, make_subscriber
):
    """The mail told the owner which name her posts would show; a browser that types another
    name afterwards makes that link stop working (a new mail would show the new name)."""
    pat = make_subscriber(email="pat@example.org", name="Pat Realname")
    make_comment(article, pat, body="My old post")
    stranger = _stranger(name="Pat Realname")
    post_comment(stranger, article, body="Thanks, this helped.")
    link = _last_link("pat@example.org")
    stranger.post("/subscribe/", {"name": "Pat Is A Fraud", "email": "pat@example.org"})

    Client().post(link)

    pat.refresh_from_db()
    assert pat.name == "Pat Realname"
    assert Comment.objects.get(body="Thanks, this helped.").status == Comment.Status.AWAITING_EMAIL
