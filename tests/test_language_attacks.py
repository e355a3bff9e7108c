"""What the outside review of the languages (issue 16) found: each test failed on the code as
reviewed and passes once its finding is fixed."""

import datetime
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from accounts import subscriptions
from accounts.mail import recipient_language
from accounts.models import Subscriber
from articles import newsletter
from tests.articles.test_translations import SPANISH, translate
from tests.conftest import post_account_settings, signed_in

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


def _spanish_article(make_article, **fields):
    fields.setdefault("title", "Pacing your energy")
    fields.setdefault("published_at", timezone.now() - datetime.timedelta(minutes=1))
    return translate(make_article(**fields))


# --- 1. The new-article mail ignores a member's own language --------------------------------


def test_newsletter_follows_the_members_account_language(client, member, make_article):
    """docs/languages.md: a member's mails are in "their account's setting". A member who
    asked for new articles on an English page and then chose Spanish (Your account → Language)
    still gets the new-article mail in English: articles/newsletter.py `language_of` reads the
    subscriber row's language, never the account's (every other mail uses
    accounts.mail.recipient_language, which puts the member first)."""
    client.force_login(member)
    post_account_settings(client, member, language="en", wants_newsletter="on")
    post_account_settings(client, member, language="es", wants_newsletter="on")
    member.refresh_from_db()
    assert member.language == "es"
    assert recipient_language(member.email) == "es"  # the other mails are Spanish

    _spanish_article(make_article)
    mail.outbox.clear()
    newsletter.publish_due()
    (message,) = [m for m in mail.outbox if m.to == [member.email]]
    assert message.subject == SPANISH["title_es"]
    assert message.extra_headers.get("Content-Language") in (None, "es")


def test_newsletter_footer_switch_also_reaches_the_new_article_mail(client, member, make_article):
    """The same through the footer's switcher, which "also saves" the member's language."""
    client.force_login(member)
    post_account_settings(client, member, language="en", wants_newsletter="on")
    client.post("/language/", {"language": "es", "next": "/"})
    member.refresh_from_db()
    assert member.language == "es"

    _spanish_article(make_article)
    mail.outbox.clear()
    newsletter.publish_due()
    (message,) = [m for m in mail.outbox if m.to == [member.email]]
    assert message.subject == SPANISH["title_es"]


# --- 2. Mails to moderators carry the words of whoever's request sent them -----------------


def _alerts_to(address):
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("Urgent:")]


@pytest.mark.django_db(transaction=True)
def test_crisis_alert_to_an_english_moderator_has_no_spanish_in_it(
    article, member, make_subscriber, make_comment, moderator
):
    """A Spanish-speaking member reports a post as a crisis; the on-call moderator's language
    is English. The alert is written in English (recipient_language) but the report's reason
    ("Autolesión o crisis") and the article's title come from comments/crisis.py `_described`,
    which reads them in the reporter's request (get_reason_display(), article.title): the
    moderator gets "Report: Autolesión o crisis" under an English sentence."""
    moderator.language = "en"
    moderator.save(update_fields=["language"])
    member.language = "es"
    member.save(update_fields=["language"])
    translate(article)  # the article has a reviewed Spanish translation
    post = make_comment(article, make_subscriber(name="Sample Writer"), body="Todo pesa hoy")
    # A transactional test: the alert is queued when the report commits, inside the
    # reporter's (Spanish) request, as on the site.
    signed_in(member).post(f"/comments/{post.pk}/report/", {"reason": "self_harm", "note": ""})
    [alert] = _alerts_to(moderator.email)
    assert "Self-harm or crisis" in alert.body
    assert "Autolesión" not in alert.body
    assert SPANISH["title_es"] not in alert.body
    assert article.title_en in alert.body


def test_crisis_alert_to_a_spanish_moderator_is_spanish_throughout(
    article, member, make_subscriber, make_comment, moderator, django_capture_on_commit_callbacks
):
    """The other way round: an English reporter, a Spanish moderator: the alert is Spanish but
    its report line says "Denuncia: Self-harm or crisis"."""
    moderator.language = "es"
    moderator.save(update_fields=["language"])
    member.language = "en"
    member.save(update_fields=["language"])
    post = make_comment(article, make_subscriber(name="Sample Writer"), body="Heavy today")
    browser = signed_in(member)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/comments/{post.pk}/report/", {"reason": "self_harm", "note": ""})
    alerts = [m for m in mail.outbox if m.to == [moderator.email] and "Urgente" in m.subject]
    assert alerts, [m.subject for m in mail.outbox]
    assert "Autolesión o crisis" in alerts[0].body
    assert "Self-harm or crisis" not in alerts[0].body


def test_crisis_escalation_to_a_spanish_moderator_names_the_report_in_spanish(
    article, member, make_subscriber, make_comment, moderator, django_capture_on_commit_callbacks
):
    """The escalation (manage.py escalate_crisis, a cron job: English active) goes to every
    staff account in their language, but its "> Denuncia: Self-harm or crisis" line is read by
    `_described` before the mail switches language."""
    from comments import crisis

    moderator.language = "es"
    moderator.save(update_fields=["language"])
    post = make_comment(article, make_subscriber(name="Sample Writer"), body="Heavy today")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(member).post(f"/comments/{post.pk}/report/", {"reason": "self_harm"})
    mail.outbox.clear()
    crisis.escalate_unanswered(timezone.now() + datetime.timedelta(hours=2))
    (escalation,) = [m for m in mail.outbox if m.to == [moderator.email]]
    assert escalation.extra_headers["Content-Language"] == "es"
    assert "Self-harm or crisis" not in escalation.body


def test_report_outcome_mail_is_in_the_reporters_language_not_the_moderators(
    article, make_subscriber, make_comment, guest_login, moderator
):
    """An English guest reports a post; a moderator working in Spanish dismisses the reports in
    the admin. The guest's mail is English (recipient_language) but comments/reports.py
    `close_reports` hands it the reason (get_reason_display()) and the article's title read in
    the moderator's request: "...: Abuso o acoso" and the Spanish title in an English mail."""
    translate(article)
    post = make_comment(article, make_subscriber(name="Sample Writer"), body="A view")
    guest = make_subscriber(name="Sample Reporter", email="reporter@example.org", language="en")
    reporter = guest_login(Client(), guest, proven=True)
    reporter.post(f"/comments/{post.pk}/report/", {"reason": "abuse", "note": ""})
    moderator.language = "es"
    moderator.save(update_fields=["language"])
    admin = signed_in(moderator)
    admin.post(
        "/admin/comments/comment/", {"action": "dismiss_reports", "_selected_action": [post.pk]}
    )
    [told] = [m for m in mail.outbox if m.to == ["reporter@example.org"]]
    assert told.extra_headers["Content-Language"] == "en"
    assert "Abuso" not in told.body and SPANISH["title_es"] not in told.body
    assert "Abuse or harassment" in told.body


# --- 3. The rejection reasons are English only ----------------------------------------------

OFF_TOPIC = "It is not about this article or living with the condition."


def test_a_spanish_members_rejection_mail_gives_the_reason_in_spanish(
    article, member, make_comment, moderator
):
    """The statement of reasons a rejected author gets quotes RejectionReason.text, one English
    column seeded by a migration: a Spanish member reads "El motivo: It is not about this
    article or living with the condition." The reason is the one sentence of the mail that
    explains the decision, and the one the member may appeal against."""
    from comments import moderator_actions
    from comments.models import Comment

    member.language = "es"
    member.save(update_fields=["language"])
    post = make_comment(article, member, status=Comment.Status.PENDING, body="Mi opinión")
    moderator_actions.reject(post, moderator, "off_topic")
    [told] = [m for m in mail.outbox if m.to == [member.email]]
    assert told.extra_headers["Content-Language"] == "es"
    assert OFF_TOPIC not in told.body


def test_a_spanish_members_own_posts_page_gives_the_reason_in_spanish(
    article, member, make_comment, moderator
):
    from comments import moderator_actions
    from comments.models import Comment

    member.language = "es"
    member.save(update_fields=["language"])
    post = make_comment(article, member, status=Comment.Status.PENDING, body="Mi opinión")
    moderator_actions.reject(post, moderator, "off_topic")
    page = signed_in(member).get("/account/posts/").content.decode()
    assert "No publicado" in page or "no publicada" in page.lower()
    assert OFF_TOPIC not in page


# --- 4. Lists of posts show a translated article's English title, unmarked --------------------


def test_own_posts_page_names_the_article_as_a_spanish_reader_is_shown_it(
    article, member, make_comment
):
    """/account/posts/ reads only `article__title` (comments/views.py own_posts), which holds
    the English title: a Spanish member who posted under an article with a reviewed Spanish
    translation reads «En “Living well with a sample condition”» on a Spanish page, a title
    that appears nowhere on the page they posted on, and without lang="en"."""
    member.language = "es"
    member.save(update_fields=["language"])
    translate(article)
    make_comment(article, member, body="Gracias")
    page = signed_in(member).get("/account/posts/").content.decode()
    assert SPANISH["title_es"] in page
    assert article.title_en not in page


def test_member_profile_names_the_article_as_a_spanish_reader_is_shown_it(
    settings, article, member, make_comment
):
    """The public profile (/members/<handle>/) does the same: a Spanish visitor reads the
    English title of an article they read in Spanish, unmarked (no lang="en")."""
    from accounts import profiles

    member.profile_public = True
    member.save(update_fields=["profile_public"])
    profiles.sync_handle(member)
    member.refresh_from_db()
    translate(article)
    make_comment(article, member, body="Gracias")
    response = Client().get(f"/members/{member.handle}/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    page = response.content.decode()
    english_unmarked = re.search(r'<a href="[^"]*">En «' + re.escape(article.title_en), page)
    assert SPANISH["title_es"] in page or not english_unmarked


# --- 5. nginx's micro-cache can be made to keep a page in the wrong language ------------------
# deploy/nginx/kindred.conf keys the cache on `$cookie_language|$http_accept_language` and lets
# visitors share it when the Cookie header "looks like" csrftoken/language only. nginx and
# Django read the Cookie header differently: nginx's $cookie_language is the *first* cookie of
# that name and only a space may follow a ";", while Django (django.http.parse_cookie) keeps
# the *last* one and strips any whitespace around a name. One request with such a header
# stores, under the key of ordinary visitors, a page in the language the attacker chose: every
# Spanish visitor (no cookie, "Accept-Language: es-ES,es;q=0.9") then gets English pages, or
# English visitors Spanish ones, for as long as the attacker repeats it.

NGINX = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
OPENSSL = shutil.which("openssl")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx_in_front(live_server, settings):
    """kindred.conf in front of the live server, as deploy/nginx/test-site.sh sets it up."""
    if NGINX is None or OPENSSL is None:
        pytest.skip("needs nginx and openssl (make bench-deps)")
    settings.ALLOWED_HOSTS = ["*"]
    upstream = live_server.url.removeprefix("http://")
    work = Path(tempfile.mkdtemp(prefix="kindred-nginx-"))
    work.chmod(0o755)  # nginx workers may run as another user
    for name in ("tls", "media", "logs", "static"):
        (work / name).mkdir(parents=True)
    keys = ["-keyout", str(work / "tls/privkey.pem"), "-out", str(work / "tls/fullchain.pem")]
    subprocess.run(  # noqa: S603 - the test's own arguments
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=localhost", *keys],
        check=True,
        capture_output=True,
    )
    # A free port may be taken by another program before nginx binds it: try new ones.
    for _attempt in range(5):
        http_port, https_port = _free_port(), _free_port()
        _write_nginx_conf(work, upstream, http_port, https_port)
        started = subprocess.run(  # noqa: S603
            [NGINX, "-p", str(work), "-c", str(work / "nginx.conf")],
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode == 0:
            break
    else:
        pytest.fail(f"nginx did not start: {started.stderr}")
    time.sleep(0.5)
    yield https_port
    pid = (work / "nginx.pid").read_text().strip()
    subprocess.run(["kill", pid], check=False)  # noqa: S603, S607
    time.sleep(0.3)
    shutil.rmtree(work, ignore_errors=True)


def _write_nginx_conf(work, upstream, http_port, https_port):
    conf = (ROOT / "deploy/nginx/kindred.conf").read_text()
    conf = (
        conf.replace("127.0.0.1:8000", upstream)
        .replace("listen 80;", f"listen {http_port};")
        .replace("listen 443 ", f"listen {https_port} ")
        .replace("/etc/kindred/tls", str(work / "tls"))
        .replace("/var/cache/nginx-kindred", str(work / "cache"))
        .replace("/srv/kindred/app/staticfiles/", f"{work / 'static'}/")
        .replace("/srv/kindred/media/", f"{work / 'media'}/")
        .replace("/var/log/nginx/", f"{work / 'logs'}/")
    )
    conf = "\n".join(line for line in conf.splitlines() if "listen [::]" not in line)
    (work / "site.conf").write_text(conf)
    (work / "nginx.conf").write_text(
        f"pid {work}/nginx.pid;\nerror_log {work}/logs/error.log;\nevents {{}}\nhttp {{\n"
        f"    include /etc/nginx/mime.types;\n    access_log {work}/logs/access.log;\n"
        f"    client_body_temp_path {work}/body;\n    proxy_temp_path {work}/proxy;\n"
        f"    include {work}/site.conf;\n}}\n"
    )


def _through_nginx(port, path, **headers):
    """(Content-Language, X-Cache-Status) of a GET through nginx, headers sent as given."""
    import http.client
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=20)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name.replace("_", "-"), value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    connection.close()
    status = f"{response.status} {response.getheader('X-Cache-Status')}"
    return response.getheader("Content-Language"), status


SPANISH_BROWSER = "es-ES,es;q=0.9"
CSRF = "a" * 32  # any well-formed token: a malformed one makes Django send a new cookie
ENGLISH_BROWSER = "en-US,en;q=0.9"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("attack_cookie", "victim_cookie", "browser", "wanted"),
    [
        # A tab after ";": nginx does not see the language cookie (the key says "none"),
        # Django does. Ordinary Spanish visitors, with no cookie at all, then get English.
        (f"csrftoken={CSRF};\tlanguage=en", None, SPANISH_BROWSER, "es"),
        # ...and ordinary English visitors Spanish.
        (f"csrftoken={CSRF};\tlanguage=es", None, ENGLISH_BROWSER, "en"),
        # Two language cookies: nginx keys on the first, Django renders the last. A visitor
        # who chose Spanish in the footer (cookie language=es) gets English.
        ("language=es; language=en", "language=es", ENGLISH_BROWSER, "es"),
    ],
    ids=["tab-hides-cookie-es", "tab-hides-cookie-en", "two-language-cookies"],
)
def test_nginx_micro_cache_cannot_be_poisoned_with_another_language(
    nginx_in_front, article, attack_cookie, victim_cookie, browser, wanted
):
    path = article.get_absolute_url()
    _through_nginx(nginx_in_front, path, Cookie=attack_cookie, Accept_Language=browser)
    victim = {"Accept_Language": browser}
    if victim_cookie:
        victim["Cookie"] = victim_cookie
    language, status = _through_nginx(nginx_in_front, path, **victim)
    assert language == wanted, f"the page came from nginx's cache ({status}) in {language}"


# --- 6. A stranger sets the language of an existing member's mails --------------------------


def test_a_stranger_cannot_choose_the_language_of_a_members_mails(client, member):
    """Every account made before languages has language "" (accounts/migrations/0013), as
    the `member` fixture does. recipient_language then skips the member and takes the
    language of any Subscriber row with the address, which a stranger makes by typing it in
    the subscribe box (or the comment box) from a Spanish browser; an unconfirmed row follows
    the latest share, so they may flip it at will. The member's password reset, asked for on
    an English page, then arrives in Spanish."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    Client().post(
        "/subscribe/",
        {"name": "Someone Else", "email": member.email.upper()},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert Subscriber.objects.filter(email__iexact=member.email, language="es").exists()
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": member.email}, HTTP_ACCEPT_LANGUAGE="en")
    (reset,) = mail.outbox
    assert reset.extra_headers["Content-Language"] == "en"


# --- 7. Spanish pages carry English text of the site's own, with no lang="en" ----------------


def _english_is_marked(page, english):
    """True when every piece of the page's <body> text holding `english` sits inside an
    element marked lang="en" (WCAG 3.1.2, language of parts)."""
    from html.parser import HTMLParser

    void = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    class Finder(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.stack, self.in_body, self.found = [], False, []

        def handle_starttag(self, tag, attrs):
            if tag == "body":
                self.in_body = True
            if tag not in void and tag not in ("html", "body"):
                self.stack.append((tag, dict(attrs).get("lang")))

        def handle_endtag(self, tag):
            while self.stack:
                if self.stack.pop()[0] == tag:
                    break

        def handle_data(self, data):
            if self.in_body and english in " ".join(data.split()):
                langs = [lang for _tag, lang in self.stack if lang]
                self.found.append(bool(langs) and langs[-1] == "en")

    finder = Finder()
    finder.feed(page)
    assert finder.found, "the English text is not on the page at all"
    return all(finder.found)


@pytest.mark.parametrize("kind", ["privacy", "terms", "guidelines", "contact"])
def test_site_pages_for_a_spanish_reader_are_spanish_or_marked_english(site_pages, kind):
    """The privacy notice, terms, guidelines and contact page are SitePage rows with one
    language (articles/models.py SitePage: title, body). A Spanish reader, who agreed to the
    "normas de la comunidad" at sign-up, gets them in English under a Spanish footer, with no
    lang="en" on them and no note: screen readers read English words with Spanish rules."""
    page = site_pages[kind]
    response = Client().get(page.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    first_words = re.sub(r"<[^>]+>", "", page.body_html).split("\n")[0].strip()[:40]
    if first_words in html:
        assert _english_is_marked(html, first_words)


def test_reviewers_headline_on_a_spanish_article_is_spanish_or_marked(article):
    """A reviewed Spanish translation is "shown whole in one language, never a mix", yet its
    "Medically reviewed by" box writes the reviewer's English headline ("is a sample
    neurologist") after their name, unmarked: Reviewer's headline and bio have no Spanish."""
    translate(article)
    response = Client().get(article.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert SPANISH["title_es"] in html
    headline = article.reviewers.get().headline
    if headline in html:
        assert _english_is_marked(html, headline)


# --- 8. Spanish short dates ------------------------------------------------------------------


def test_spanish_short_dates_are_written_as_spanish_writes_them():
    """config/formats/es/formats.py says "1 dic. 2026, 14:05", but `N` is the Associated
    Press's style of *English* abbreviations: in Spanish it gives "1 Ene. 2026" (capital),
    "1 marzo 2026" (March to July are not abbreviated, and no "de"), "1 sept. 2026". Every
    post's date (comments/_comment_face.html), the profile, "Your posts" and the reports list
    use it."""
    from django.utils import formats

    with translation.override("es"):
        shown = [
            formats.date_format(datetime.date(2026, month, 1), "SHORT_DATE_FORMAT")
            for month in range(1, 13)
        ]
    one_style = re.compile(r"1 [a-z]{3,4}\. 2026|1 de [a-z]+ de 2026")
    assert [date for date in shown if not one_style.fullmatch(date)] == []


def test_guest_confirmation_mail_names_the_article_in_the_guests_language(
    settings, article, post_comment
):
    """A Spanish visitor shares a new address under a Spanish article and posts. The worker
    that writes the confirmation mail later (TASKS_BACKEND=database) runs in English: the mail
    is Spanish but shows «En "Living well with a sample condition":», as
    comments/posting.py `waiting_posts` reads `c.article.title` before send_template switches
    to the recipient's language. (With the immediate backend of the tests the visitor's own
    request writes the mail, which hides it.)"""
    from django_tasks import default_task_backend

    from accounts import mail as kindred_mail
    from accounts.models import AddressClaim, Delivery

    settings.COMMENTS_READ_GATE = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    translate(article)
    browser = Client(HTTP_ACCEPT_LANGUAGE="es")
    browser.post("/subscribe/", {"name": "Lucía", "email": "lucia@example.org"})
    post_comment(browser, article, body="Gracias por el artículo")
    (claim,) = AddressClaim.objects.all()
    with translation.override("en"):  # the worker's
        subscriptions.mail_post_confirmation(claim.pk)
        for delivery in Delivery.objects.filter(to="lucia@example.org"):
            kindred_mail.deliver(delivery.pk)
    confirmations = [m for m in mail.outbox if m.to == ["lucia@example.org"]]
    assert confirmations and confirmations[-1].extra_headers["Content-Language"] == "es"
    body = confirmations[-1].body
    assert "Gracias por el artículo" in body
    assert article.title_en not in body
    assert SPANISH["title_es"] in body


def test_the_new_article_mail_says_its_language_as_every_other_mail_does(
    make_subscriber, make_article
):
    """accounts.mail: "Every mail is written in its recipient's language" and "the mail says
    it in its Content-Language header" (which mail programs read to offer a translation or
    pick a voice). The new-article mail is built by articles/newsletter.py `message_for`
    without it: a Spanish subscriber's Spanish newsletter says no language at all."""
    make_subscriber(email="eva@example.org", name="Sample Eva", language="es")
    _spanish_article(make_article)
    newsletter.publish_due()
    (message,) = [m for m in mail.outbox if m.to == ["eva@example.org"]]
    assert message.subject == SPANISH["title_es"]
    assert message.extra_headers.get("Content-Language") == "es"


def _shares_nginx_cache(cookie_header):
    """Whether deploy/nginx/kindred.conf's map lets a request with this Cookie header share
    the micro-cache: its patterns, read from the file, as nginx (PCRE) matches them."""
    conf = (ROOT / "deploy/nginx/kindred.conf").read_text()
    block = re.search(r"map \$http_cookie \$kindred_skip_cache \{(.*?)\}", conf, re.S).group(1)
    for key, value in re.findall(r'^\s*"([^"]*)"\s+(\d);', block, re.M):
        if (key.startswith("~") and re.search(key[1:], cookie_header)) or key == cookie_header:
            return value == "0"
    return False


@pytest.mark.parametrize(
    ("cookie", "shares"),
    [
        ("", True),
        (f"csrftoken={CSRF}", True),
        ("language=es", True),
        (f"csrftoken={CSRF}; language=es", True),
        (f"language=es; csrftoken={CSRF}", True),
        (f"csrftoken={CSRF};\tlanguage=en", False),  # Django sees it, nginx's key does not
        ("language=es; language=en", False),  # nginx keys on the first, Django the last
        (f"csrftoken={CSRF}; sessionid=abc", False),
        (" language=es", False),
        ("language=es;", False),
    ],
)
def test_only_cookie_headers_nginx_and_django_read_alike_share_the_micro_cache(cookie, shares):
    assert _shares_nginx_cache(cookie) is shares
