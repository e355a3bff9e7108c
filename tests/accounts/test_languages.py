"""A person's language: a member's (from the page they signed up on, then their settings), a
guest's (the page they shared their address on), and the mails written in the recipient's."""

import json
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import default_task_backend

from accounts import mail as kindred_mail
from accounts import subscriptions
from accounts.models import Delivery, Subscriber, User
from tests.conftest import post_account_settings

pytestmark = pytest.mark.django_db

# Mail templates that say which language is active while they are rendered (a test of our own
# catalog's words would need its translations, which are compiled elsewhere), and a text
# footer that says it too.
PROBES = Path(__file__).resolve().parent / "language_templates"

SPANISH_PAGE = {"HTTP_ACCEPT_LANGUAGE": "es"}
ENGLISH_PAGE = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def probe_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [PROBES, *settings.TEMPLATES[0]["DIRS"]]},
    ]


@pytest.fixture
def queued_tasks(settings):
    """Tasks are kept, not run, as with the database backend before the worker picks them up."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend.results


def in_spanish(msgid):
    with translation.override("es"):
        translated = gettext(msgid)
    assert translated != msgid  # the catalog (allauth's, Django's) has it
    return translated


def language_options(page):
    """The settings page's language choices: (value, lang, selected, name) for each."""
    select = re.search(r'<select name="language".*?</select>', page, re.S).group()
    return [
        (
            re.search(r'value="(\w*)"', attrs).group(1),
            re.search(r'lang="(\w*)"', attrs).group(1),
            " selected" in attrs,
            name,
        )
        for attrs, name in re.findall(r"<option([^>]*)>([^<]*)</option>", select)
    ]


def _probe(to, key="probe:1"):
    return kindred_mail.send_template("language_probe", to, {}, key=key)


# --- A member's language ---------------------------------------------------------------------

SIGNUP = {
    "email": "newcomer@example.org",
    "display_name": "Sample Newcomer",
    "password1": "correct-horse-battery",
    "password2": "correct-horse-battery",
    "agrees_to_terms": "on",
}


def test_a_member_who_signs_up_on_the_spanish_site_gets_spanish_pages_and_mail(client):
    response = client.post("/accounts/signup/", SIGNUP, **SPANISH_PAGE)
    assert response.status_code == 302
    member = User.objects.get(email="newcomer@example.org")
    assert member.language == "es"
    (confirmation,) = mail.outbox
    assert in_spanish("Please Confirm Your Email Address") in confirmation.subject
    assert confirmation.extra_headers["Content-Language"] == "es"


def test_a_member_who_signs_up_on_the_english_site_is_english(client):
    client.post("/accounts/signup/", SIGNUP, **ENGLISH_PAGE)
    assert User.objects.get(email="newcomer@example.org").language == "en"
    assert "Please Confirm Your Email Address" in mail.outbox[0].subject


def test_the_settings_page_offers_each_language_named_in_itself(client, member):
    client.force_login(member)
    page = client.get("/account/").content.decode()
    # Never chosen: the page's own language is the one shown as chosen.
    assert language_options(page) == [
        ("en", "en", True, "English"),
        ("es", "es", False, "español"),
    ]
    assert "The language of the pages you see here and of the emails we send you." in page


def test_a_member_chooses_their_language_in_the_settings(client, member):
    client.force_login(member)
    response = post_account_settings(client, member, language="es")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "es"
    assert response.cookies["language"].value == "es"  # and after they sign out
    page = client.get("/account/")
    assert page["Content-Language"] == "es"
    assert [option[2] for option in language_options(page.content.decode())] == [False, True]


def test_a_settings_form_without_a_language_keeps_the_one_chosen(client, member):
    member.language = "es"
    member.save(update_fields=["language"])
    client.force_login(member)
    post_account_settings(client, member, bio="Hello")  # no "language" in it
    member.refresh_from_db()
    assert (member.language, member.bio) == ("es", "Hello")


def test_a_language_the_site_does_not_offer_is_refused(client, member):
    client.force_login(member)
    response = post_account_settings(client, member, language="xx")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.language == ""


def test_the_data_export_holds_the_language(client, member):
    member.language = "es"
    member.save(update_fields=["language"])
    client.force_login(member)
    data = json.loads(client.post("/account/export/").content)
    assert data["account"]["language"] == "es"


# --- A guest's language ----------------------------------------------------------------------


def test_a_guest_who_shares_their_address_on_the_spanish_site_is_spanish(client):
    client.post(
        "/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"}, **SPANISH_PAGE
    )
    assert Subscriber.objects.get().language == "es"
    (confirmation,) = mail.outbox
    assert confirmation.extra_headers["Content-Language"] == "es"


def test_the_confirmation_mail_a_task_writes_later_is_in_the_guest_language(
    client, queued_tasks, probe_templates
):
    """The task that writes the mail runs with no page's language: the row's is used."""
    client.post(
        "/subscribe/", {"name": "Sample Guest", "email": "guest@example.org"}, **SPANISH_PAGE
    )
    assert mail.outbox == [] and len(queued_tasks) == 1
    (claim,) = subscriptions.AddressClaim.objects.all()
    with translation.override("en"):  # the worker's
        subscriptions.ask_for_confirmation(claim.pk)
        delivery = Delivery.objects.get()
        kindred_mail.deliver(delivery.pk)
    assert mail.outbox[0].extra_headers["Content-Language"] == "es"
    assert mail.outbox[0].body.rstrip().endswith("footer:es")


def test_an_unconfirmed_guest_sharing_again_takes_their_latest_language(client, make_subscriber):
    guest = make_subscriber(email="guest@example.org", confirmed=False, language="en")
    client.post("/subscribe/", {"name": "Sample Guest", "email": guest.email}, **SPANISH_PAGE)
    guest.refresh_from_db()
    assert guest.language == "es"


def test_a_confirmed_guest_gets_a_language_once_they_share_again(client, make_subscriber):
    guest = make_subscriber(email="guest@example.org")  # from before languages were kept
    client.post("/subscribe/", {"name": "Sample Guest", "email": guest.email}, **SPANISH_PAGE)
    guest.refresh_from_db()
    assert guest.language == "es"


def test_typing_a_confirmed_address_elsewhere_does_not_change_its_language(client, make_subscriber):
    """Typing an address proves nothing: a stranger does not change the language of the mails
    its owner gets (as they do not change its name)."""
    guest = make_subscriber(email="guest@example.org", language="en")
    client.post("/subscribe/", {"name": "Someone", "email": guest.email}, **SPANISH_PAGE)
    guest.refresh_from_db()
    assert guest.language == "en"


def test_confirming_in_the_browser_that_asked_takes_its_language(client, make_subscriber):
    guest = make_subscriber(email="guest@example.org", language="en")
    form = {"name": "Sample Guest", "email": guest.email, "newsletter": "on", "source": "page"}
    Subscriber.objects.filter(pk=guest.pk).update(newsletter_at=None)  # so a mail is due
    client.post("/subscribe/", form, **SPANISH_PAGE)
    link = re.search(r"https?://\S+/subscribe/confirm/[^/\s]+/", mail.outbox[-1].body).group()
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.post(f"/{path}", **SPANISH_PAGE).status_code == 200
    guest.refresh_from_db()
    assert guest.is_subscribed and guest.language == "es"


def test_a_member_subscribing_their_own_address_records_their_language(client, member):
    member.language = "es"
    member.save(update_fields=["language"])
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    client.force_login(member)
    post_account_settings(client, member, language="es", wants_newsletter="on")
    assert Subscriber.objects.get(user=member).language == "es"


def test_an_imported_guest_has_no_language_until_they_share_their_address():
    with translation.override("es"):
        guest = subscriptions.imported_guest("Sample Author", "author@example.org")
    assert guest.language == ""


def test_a_guest_data_export_holds_the_language(client, make_subscriber):
    guest = make_subscriber(language="es")
    data = json.loads(client.post(f"/unsubscribe/{guest.unsubscribe_key}/your-data/").content)
    assert data["subscription"]["language"] == "es"


# --- Mails in the recipient's language -------------------------------------------------------


def test_recipient_language_comes_from_the_member_then_the_guest_then_the_page(
    member, make_subscriber
):
    guest = make_subscriber(email="guest@example.org", language="es")
    with translation.override("es"):
        assert kindred_mail.recipient_language("nobody@example.org") == "es"  # the page's
        # A member with no setting (an account from before languages): LANGUAGE_CODE, not
        # the page's: the member's address is theirs, whoever's request sends the mail.
        assert kindred_mail.recipient_language(member.email) == "en"
    assert kindred_mail.recipient_language("nobody@example.org") == "en"
    assert kindred_mail.recipient_language(guest.email.upper()) == "es"
    # ...nor a subscriber row's, which anyone typing the address sets.
    make_subscriber(email=member.email, language="es")
    assert kindred_mail.recipient_language(member.email) == "en"
    member.language = "es"
    member.save(update_fields=["language"])
    assert kindred_mail.recipient_language(member.email) == "es"  # their own setting
    member.language = "en"
    member.save(update_fields=["language"])
    with translation.override("es"):
        assert kindred_mail.recipient_language(member.email) == "en"  # their own setting


def test_recipient_language_skips_inactive_members_and_languages_not_offered(
    member, make_subscriber
):
    User.objects.filter(pk=member.pk).update(language="es", is_active=False)
    assert kindred_mail.recipient_language(member.email) == "en"
    make_subscriber(email="guest@example.org", language="xx")
    assert kindred_mail.recipient_language("guest@example.org") == "en"


def test_recipient_language_knows_a_member_by_any_address_they_verified(member):
    User.objects.filter(pk=member.pk).update(language="es")
    EmailAddress.objects.create(user=member, email="second@example.org", verified=True)
    EmailAddress.objects.create(user=member, email="unproven@example.org", verified=False)
    assert kindred_mail.recipient_language("second@example.org") == "es"
    assert kindred_mail.recipient_language("unproven@example.org") == "en"


def test_a_spanish_member_gets_a_spanish_mail(member, probe_templates):
    User.objects.filter(pk=member.pk).update(language="es")
    _probe(member.email)  # from a task, or an English page: the member's language wins
    (message,) = mail.outbox
    assert message.subject == "subject:es"
    assert message.body.startswith("text:es")
    assert "<p>html:es</p>" in message.alternatives[0][0]
    assert message.body.rstrip().endswith("footer:es")
    assert message.extra_headers["Content-Language"] == "es"


def test_an_english_member_gets_an_english_mail_even_from_a_spanish_page(member, probe_templates):
    User.objects.filter(pk=member.pk).update(language="en")
    with translation.override("es"):
        _probe(member.email)
    (message,) = mail.outbox
    assert (message.subject, message.body.split()[0]) == ("subject:en", "text:en")
    assert message.body.rstrip().endswith("footer:en")


def test_a_spanish_guest_gets_a_spanish_mail(make_subscriber, probe_templates):
    guest = make_subscriber(language="es")
    with translation.override("en"):
        _probe(guest.email)
    (message,) = mail.outbox
    assert (message.subject, message.body.split()[0]) == ("subject:es", "text:es")
    assert message.body.rstrip().endswith("footer:es")


def test_the_footer_is_in_the_mail_language_when_a_worker_sends_it_later(
    queued_tasks, probe_templates
):
    """A mail to an address we know nothing of is in the language of the page that sent it;
    the worker that sends it later (another process, no page) writes its footer in the same."""
    with translation.override("es"):
        delivery = _probe("nobody@example.org")
    assert mail.outbox == []
    kindred_mail.deliver(delivery.pk)  # outside any page: English is active
    (message,) = mail.outbox
    assert message.subject == "subject:es"
    assert message.body.rstrip().endswith("footer:es")


def test_a_mail_queued_before_mails_said_their_language_gets_the_recipient_footer(
    make_subscriber, probe_templates
):
    guest = make_subscriber(language="es")
    delivery = Delivery.objects.create(
        key="old", to=guest.email, subject="Hola", text_body="Hola", headers={}
    )
    kindred_mail.deliver(delivery.pk)
    assert mail.outbox[0].body.rstrip().endswith("footer:es")


def test_a_reset_asked_for_on_an_english_page_reaches_a_spanish_member_in_spanish(client, member):
    User.objects.filter(pk=member.pk).update(language="es")
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    response = client.post("/accounts/password/reset/", {"email": member.email}, **ENGLISH_PAGE)
    assert response.status_code == 302 and response["Content-Language"] == "en"
    (reset,) = mail.outbox
    assert in_spanish("Password Reset Email") in reset.subject
    assert reset.extra_headers["Content-Language"] == "es"


def test_a_reset_for_an_unknown_address_is_in_the_page_language(client):
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"}, **SPANISH_PAGE)
    (unknown,) = mail.outbox
    assert in_spanish("Unknown Account") in unknown.subject


# --- The footer's switcher (config/views.py set_language) ------------------------------------


def test_a_signed_in_member_switching_language_saves_it_on_the_account(client, member):
    client.force_login(member)
    response = client.post("/language/", {"language": "es", "next": "/account/"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "es"
    assert client.get("/account/")["Content-Language"] == "es"


def test_a_get_to_the_switcher_never_changes_an_account(client, member):
    User.objects.filter(pk=member.pk).update(language="en")
    response = client.get("/language/", {"language": "es", "next": "/"})
    assert response.status_code == 302 and response.cookies["language"].value == "es"
    assert list(User.objects.values_list("language", flat=True)) == ["en"]
    client.force_login(member)  # a member's GET (a link, an image) does not either
    client.get("/language/", {"language": "es", "next": "/"})
    member.refresh_from_db()
    assert member.language == "en"
