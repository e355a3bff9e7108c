"""Shared test data: small factories for articles, reviewers and members."""

import datetime
import importlib
import itertools
import time

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.utils import timezone

from articles import publishing
from articles.models import Article, Reviewer
from kindred import freshness
from kindred.ports import free_port

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty caches (Redis in CI keeps data between tests)."""
    from django.core.cache import caches

    for alias in ("default", "fragments"):
        caches[alias].clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_reviewer(db):
    def make(**fields):
        n = next(_counter)
        fields.setdefault("name", f"Sample Reviewer {n}")
        fields.setdefault("slug", f"sample-reviewer-{n}")
        fields.setdefault("credentials", "M.D.")
        fields.setdefault("headline", "is a sample neurologist")
        fields.setdefault("is_sample", True)
        reviewer = Reviewer(**fields)
        publishing.save_reviewer(reviewer)
        return reviewer

    return make


@pytest.fixture
def make_article(db):
    def make(reviewers=(), authors=(), **fields):
        n = next(_counter)
        fields.setdefault("title", f"Article number {n}")
        fields.setdefault("slug", f"article-number-{n}")
        fields.setdefault("summary", f"What article {n} is about, in one sentence.")
        fields.setdefault(
            "body", f"Opening paragraph of article {n}.\n\n## A heading\n\n- one\n- two"
        )
        fields.setdefault("status", Article.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - datetime.timedelta(days=n))
        fields.setdefault("last_reviewed_at", timezone.localdate() - datetime.timedelta(days=30))
        article = Article(**fields)
        publishing.save_article(article)
        if reviewers or authors:
            publishing.set_people(article, reviewers=reviewers, authors=authors)
        return article

    return make


@pytest.fixture
def article(make_article, make_reviewer):
    return make_article(
        title="Living well with a sample condition",
        slug="living-well",
        reviewers=[make_reviewer(name="Sample Avery Lin", slug="sample-avery-lin")],
    )


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(
        email="member@example.org", password="a-long-test-password", display_name="Sample Member"
    )


def add_totp(user):
    """Give a staff member an authenticator app, as the admin requires (accounts/staff.py), and
    a verified address, as allauth's log-in requires. The secret is kept on `user.totp_secret`."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


def totp_code(secret, valid_for=3):
    """The code an authenticator app shows now, from allauth.mfa's own TOTP functions; waits
    for the next one if this one expires within `valid_for` seconds (the test still uses it)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < valid_for:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.fixture(autouse=True)
def _test_log_ins_give_the_code():
    """`client.force_login(staff)` stands for a whole sign-in. On the site, a staff member with
    an authenticator always gives a code at log-in, and only a session that did has staff
    powers (accounts/staff.py); the test client's log-ins skip allauth, so they are recorded
    as having given it. A sign-in through /accounts/login/ is left as allauth records it, so
    the tests of the code step (tests/accounts/test_staff.py) sign in that way."""
    from allauth.account.authentication import get_authentication_records
    from allauth.account.internal.flows.login import record_authentication
    from django.contrib.auth.signals import user_logged_in

    from accounts import staff

    def gave_the_code(sender, request, user, **kwargs):
        if not get_authentication_records(request, user) and staff.has_second_factor(user):
            from allauth.mfa.models import Authenticator

            totp = Authenticator.objects.filter(user=user, type="totp").first()
            record_authentication(request, user, "mfa", id=totp and totp.pk, type="totp")

    user_logged_in.connect(gave_the_code, dispatch_uid="tests-log-ins-give-the-code")
    yield
    user_logged_in.disconnect(dispatch_uid="tests-log-ins-give-the-code")


@pytest.fixture
def staff(django_user_model):
    return add_totp(
        django_user_model.objects.create_user(
            email="staff@example.org",
            password="a-long-test-password",
            display_name="Sample Editor",
            is_staff=True,
            is_superuser=True,
        )
    )


def _groups_and_lists_from_migrations():
    """The Moderators and Medical reviewers groups and the rejection reasons come from
    migrations; after a transactional test's flush they are made again here, with the same
    permissions and rows, so every test sees what the migrations define."""
    from django.apps import apps as installed
    from django.contrib.auth.models import Group, Permission

    def permissions(pairs):
        return [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in pairs
        ]

    first = importlib.import_module("comments.migrations.0003_moderators_group")
    later = importlib.import_module("comments.migrations.0015_rejection_reason_is_a_key")
    seeded = importlib.import_module(
        "comments.migrations.0014_rejection_reasons_appeals_notes_pins"
    )
    moderators, created = Group.objects.get_or_create(name="Moderators")
    if created:
        moderators.permissions.set(permissions(first.PERMISSIONS + later.MODERATORS))
    reviewers, created = Group.objects.get_or_create(name="Medical reviewers")
    if created:
        reviewers.permissions.set(permissions(later.REVIEWERS))
    seeded.seed_reasons(installed, None)
    return moderators, reviewers


@pytest.fixture
def site_pages():
    """The contact, privacy, guidelines and terms pages as their migration seeds them (gone
    after a transactional test's flush, so made again here)."""
    from django.apps import apps as installed

    from articles.models import SitePage

    importlib.import_module("articles.migrations.0007_site_pages").seed_pages(installed, None)
    importlib.import_module("articles.migrations.0012_site_page_translations").seed_spanish(
        installed, None
    )
    return {page.kind: page for page in SitePage.objects.all()}


def _make_moderator(django_user_model, email, name):
    moderators, _ = _groups_and_lists_from_migrations()
    user = django_user_model.objects.create_user(
        email=email, password="a-long-test-password", display_name=name, is_staff=True
    )
    user.groups.add(moderators)
    return add_totp(user)


@pytest.fixture
def moderator(django_user_model):
    """A staff member in the Moderators group."""
    return _make_moderator(django_user_model, "mod@example.org", "Sample Moderator")


@pytest.fixture
def second_moderator(django_user_model):
    """Another moderator: the one who decides an appeal of the first one's decision."""
    return _make_moderator(django_user_model, "mod2@example.org", "Sample Second Moderator")


@pytest.fixture
def medical_reviewer(django_user_model, make_reviewer):
    """A staff account in the Medical reviewers group, named on a reviewer's profile."""
    _, reviewers = _groups_and_lists_from_migrations()
    user = django_user_model.objects.create_user(
        email="reviewer@example.org",
        password="a-long-test-password",
        display_name="Sample Reviewer Account",
        is_staff=True,
    )
    user.groups.add(reviewers)
    make_reviewer(name="Dr. Sample Reviewer", slug="dr-sample-reviewer", user=user)
    return add_totp(user)


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """People take seconds to write; tests do not. Tests of the minimum set it themselves."""
    settings.COMMENTS_MIN_FILL_SECONDS = 0


@pytest.fixture
def make_subscriber(db):
    from accounts.models import Subscriber

    def make(email=None, name="Sample Guest", confirmed=True, newsletter=None, **fields):
        """A subscriber; `newsletter` (by default: when confirmed) also chose new articles."""
        n = next(_counter)
        now = timezone.now()
        return Subscriber.objects.create(
            email=email or f"guest{n}@example.org",
            name=name,
            confirmed_at=now if confirmed else None,
            newsletter_at=now if (confirmed if newsletter is None else newsletter) else None,
            unsubscribe_key=f"key-{n}",
            **fields,
        )

    return make


def guest_key_of(subscriber):
    """The browser key test guests post with (a real browser gets a random one)."""
    return f"test-browser-of-{subscriber.pk}"


@pytest.fixture
def guest_login():
    """Put a guest's session in a test client, as sharing name + email would."""
    from accounts.subscriptions import GUEST_KEY_SESSION_KEY, GUEST_SESSION_KEY, PROVEN_SESSION_KEY

    def login(client, subscriber, proven=True):
        session = client.session
        session[GUEST_SESSION_KEY] = subscriber.pk
        session[PROVEN_SESSION_KEY] = proven
        session[GUEST_KEY_SESSION_KEY] = guest_key_of(subscriber)
        session.save()
        return client

    return login


@pytest.fixture
def make_comment(db):
    from comments.models import Comment
    from comments.text import render_comment_text

    def make(article, author=None, parent=None, body="A kind word.", **fields):
        """A post as the domain functions (comments/posting.py) store one."""
        fields.setdefault("status", Comment.Status.PUBLISHED)
        if fields["status"] == Comment.Status.PENDING:
            fields.setdefault("held_at", timezone.now())
        comment = Comment(article=article, body=body, body_html=render_comment_text(body), **fields)
        if author is not None:
            if hasattr(author, "display_name"):
                comment.author_user = author
            else:
                comment.author_subscriber = author
                comment.guest_key = guest_key_of(author)
        if parent is not None:
            comment.parent = parent
            comment.root_id = parent.root_id or parent.pk
            comment.depth = parent.depth + 1
        comment.save()
        freshness.thread_changed(article.pk)
        return comment

    return make


def started_token_for(client):
    """A fresh 'started' token for whoever the test client's session is (as the page shows)."""
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    from comments.forms import form_started_token
    from comments.posting import author_for

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = get_user(request)
    return form_started_token(author_for(request))


@pytest.fixture
def post_comment():
    """POST to the thread's form the way a browser would, with a valid 'started' token."""

    def post(client, article, **data):
        data.setdefault("body", "")
        data.setdefault("started", started_token_for(client))
        return client.post(f"/articles/{article.slug}/comments/", data)

    return post


@pytest.fixture(autouse=True)
def _moderation_rules(request):
    """Tests of the thread post as trusted authors; tests of moderation use the site defaults.

    The site's default holds a new author's first post for review; tests marked
    `default_moderation` keep that, every other test starts with no new-author hold.
    """
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not uses_db or request.node.get_closest_marker("default_moderation"):
        return
    request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
    from comments.models import ModerationRules

    ModerationRules.objects.update_or_create(pk=1, defaults={"new_author_held_posts": 0})


def _is_transactional(request):
    marker = request.node.get_closest_marker("django_db")
    return (
        bool(marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames
    )


def cached_page(article):
    """The article page as an anonymous reader gets it, making sure it came from the page cache
    (tests of what cached pages show after a change)."""
    from django.test import Client

    Client().get(article.get_absolute_url())
    response = Client().get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "hit"
    return response.content.decode()


def signed_in(user):
    """A fresh test client logged in as `user`."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def post_account_settings(client, member, **changes):
    """Send the account page's settings form as `member` has it, with `changes`."""
    data = {
        "display_name": member.display_name,
        "role": member.role,
        "living_with": member.living_with,
        "bio": member.bio,
        "notify_replies": "on",
        **changes,
    }
    return client.post("/account/", data)


# --- A real SMTP server -----------------------------------------------------------------------


class SMTPInbox:
    """An SMTP server's handler that takes every message and keeps its envelope."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def addresses(self):
        """Whom each message was for, in the order they came."""
        return [address for envelope in self.messages for address in envelope.rcpt_tos]


@pytest.fixture
def inbox():
    """A real SMTP server on a free port (`inbox.port`) that keeps every message."""
    inbox = SMTPInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()
