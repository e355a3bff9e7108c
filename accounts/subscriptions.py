"""Subscribing to new articles: double opt-in, confirmation, one-click unsubscribe.

The answer a visitor sees never depends on whether an address is already known, so the subscribe
box cannot be used to find out who reads what.

Its tasks (`send_subscription_confirmation`, `send_post_confirmation`) live beside the functions
they run: they take row ids only, so the task table holds no name, address or browser key (what a
person typed waits on a row of ours, deleted with their data).

The language of the page an address is shared on is kept on its row (`Subscriber.language`), so
its mails, written later by a task, are in that language (accounts.mail.recipient_language).
"""

import dataclasses
import datetime
import enum
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import BaseUserManager
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from accounts import mail, privacy
from accounts.models import AddressClaim, Subscriber
from accounts.ratelimits import hit
from kindred import freshness

CONFIRM_SALT = "accounts.subscriptions.confirm"


class Confirmation(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already confirmed"
    EXPIRED = "expired"
    INVALID = "invalid"


def normalize_email(email):
    return BaseUserManager.normalize_email(email.strip())


def find(email):
    return Subscriber.objects.filter(email__iexact=normalize_email(email)).first()


def subscribe(name, email, source=Subscriber.Source.PAGE, user=None, guest_key="", newsletter=True):
    """Record that `email` was shared (to join the conversation) and, with `newsletter`, that new
    articles were asked for; a task then sends a confirmation if one is due. The newsletter is
    a choice of its own: it starts only once the owner confirms a link that asked for it.

    A member subscribing their own (verified) address is confirmed at once; anyone else gets a
    confirmation mail, at most one every CONFIRMATION_RESEND_SECONDS per address. What happens
    next is decided in the task, so the answer costs the same (the same queries, no mail sent
    while the visitor waits) whether the address is new, waiting or already subscribed. The
    typed name is kept on this browser's claim (`AddressClaim`), not on the subscriber: the
    task gets the claim's id only.
    """
    email = normalize_email(email)
    is_own_address = (
        user is not None and user.is_authenticated and user.email.lower() == email.lower()
    )
    language = mail.current_language()
    subscriber = _find_or_create(email, name, source, language)
    _record_language(subscriber, language, proven=is_own_address)
    if is_own_address:
        _link_member(subscriber, user)
        if not subscriber.accepts_mail or (newsletter and subscriber.newsletter_at is None):
            _mark_confirmed(subscriber, newsletter=newsletter)
        return subscriber
    claim = claim_address(subscriber, guest_key, name, wants_newsletter=newsletter)
    send_subscription_confirmation.enqueue(claim.pk)
    return subscriber


def claim_address(subscriber, guest_key, name, wants_newsletter=False):
    """This browser typed `subscriber`'s address with `name` (and, or not, asked for new
    articles): one upsert, known address or not. A new name, or a new newsletter choice, voids
    the link mailed for the old one: the mail told its reader which name the posts would show
    and which mail they would get (the next mail says it anew)."""
    AddressClaim.objects.filter(subscriber=subscriber, guest_key=guest_key).exclude(
        name=name, wants_newsletter=wants_newsletter
    ).update(confirmation_nonce="", confirmation_sent_at=None)
    (claim,) = AddressClaim.objects.bulk_create(
        [
            AddressClaim(
                subscriber=subscriber,
                guest_key=guest_key,
                name=name,
                wants_newsletter=wants_newsletter,
                updated_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["subscriber", "guest_key"],
        update_fields=["name", "wants_newsletter", "updated_at"],
    )
    if claim.pk is None:  # a database that does not say which row it wrote
        claim = AddressClaim.objects.get(subscriber=subscriber, guest_key=guest_key)
    claim.subscriber = subscriber
    return claim


def imported_guest(name, email):
    """The subscriber row behind a guest whose comments were imported from another site (the
    address's own row when it is known here already, left as it is). A new row is unconfirmed
    and chose no newsletter: nothing is mailed to it, not even a confirmation, until its owner
    shares the address here and confirms it."""
    return _find_or_create(normalize_email(email), name, Subscriber.Source.IMPORT)  # no language


def _find_or_create(email, name, source, language=""):
    """One INSERT (ignored when the address is known) and one SELECT, whether it is known or not."""
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=email,
                name=name,
                source=source,
                language=language,
                unsubscribe_key=secrets.token_urlsafe(32),
            )
        ],
        ignore_conflicts=True,
    )
    return find(email)


def _record_language(subscriber, language, proven=False):
    """The address was shared (again) on a page in `language`: its mails are written in it
    from now on, the latest choice. But typing an address proves nothing: once its owner
    confirmed it, a share from a browser that did not prove it (`proven`: a member's own
    address) only gives it a language if it has none, so a stranger cannot change the language
    of the owner's mails (as they cannot change its name); the owner's own new choice counts
    when they confirm in that browser (`confirm`). One UPDATE, known address or not."""
    rows = Subscriber.objects.filter(pk=subscriber.pk).exclude(language=language)
    if not proven:
        rows = rows.filter(Q(language="") | Q(confirmed_at=None))
    if rows.update(language=language):
        subscriber.language = language


def ask_for_confirmation(claim_id):
    """The rest of `subscribe`, in a task: mail a confirmation link if one is due."""
    claim = AddressClaim.objects.select_related("subscriber").filter(pk=claim_id).first()
    if claim is None or _has_what_it_asked(claim):
        return  # nothing to send; the visitor was told the same thing either way
    if _is_closed_to_mail(claim.subscriber):
        return  # "never mail this address" was chosen; only its owner can undo it
    if _confirmation_is_due(claim):
        send_confirmation(claim.subscriber, claim)


@task()
def send_subscription_confirmation(claim_id):
    ask_for_confirmation(claim_id)


def _has_what_it_asked(claim):
    """The address is confirmed and open to mail, and has the newsletter if this browser asked
    for it: no confirmation to send."""
    subscriber = claim.subscriber
    return subscriber.accepts_mail and (
        not claim.wants_newsletter or subscriber.newsletter_at is not None
    )


def _is_closed_to_mail(subscriber):
    """Unsubscribed before ever confirming: somebody else's address, or its owner said no."""
    return subscriber.unsubscribed_at is not None and subscriber.confirmed_at is None


def _confirmation_is_due(claim):
    """One mail per browser's claim every CONFIRMATION_RESEND_SECONDS: a stranger typing the
    address elsewhere does not take the owner's turn (the inbox's hourly cap is shared)."""
    sent = claim.confirmation_sent_at
    return sent is None or (timezone.now() - sent).total_seconds() >= (
        settings.CONFIRMATION_RESEND_SECONDS
    )


# The posts a confirmation mail shows, at most this many; the link publishes those it showed.
MAX_POSTS_IN_MAIL = 10


def send_confirmation(subscriber, claim=None):
    """Mail a confirmation link for `claim` (the browser that asked, and the name it typed).

    The mail shows the name and the text of every post that browser has waiting, because
    the link publishes them as written from this address: an owner who did not write them
    must see that before pressing anything. Returns False when the inbox had its share of
    confirmation mails this hour (CONFIRMATION_MAIL_LIMIT, counted per inbox, so `+tags` and
    Gmail's dots do not multiply it; fails closed)."""
    limit, window = settings.CONFIRMATION_MAIL_LIMIT
    if not hit(
        "confirm-mail", privacy.inbox_limit_key(subscriber.email), limit, window, fail_closed=True
    ):
        return False
    posts = waiting_posts(subscriber, claim.guest_key) if claim else []
    shown = posts[:MAX_POSTS_IN_MAIL]
    nonce, now = secrets.token_hex(16), timezone.now()
    subscriber.confirmation_sent_at = now  # the last mail to the address, for the admin
    if claim is None:  # the address's own link (no browser asked)
        subscriber.confirmation_nonce = nonce
        subscriber.save(update_fields=["confirmation_nonce", "confirmation_sent_at"])
        payload = {"s": subscriber.pk, "n": nonce}
    else:  # this browser's link: another browser's mail does not replace it
        subscriber.save(update_fields=["confirmation_sent_at"])
        claim.confirmation_nonce, claim.confirmation_sent_at = nonce, now
        AddressClaim.objects.filter(pk=claim.pk).update(
            confirmation_nonce=nonce, confirmation_sent_at=now, updated_at=now
        )
        payload = {"s": subscriber.pk, "n": nonce, "c": claim.pk}
        payload["p"] = [post.key for post in shown]
    token = signing.dumps(payload, salt=CONFIRM_SALT)
    mail.send_template(
        "subscribe_confirm",
        to=subscriber.email,
        context={
            "name": claim.name if claim else subscriber.name,
            "confirm_url": settings.SITE_URL + reverse("accounts:confirm", args=[token]),
            "was_confirmed": subscriber.is_confirmed,
            # Which mail the link starts: the conversation only, or new articles too.
            "newsletter": bool(claim and claim.wants_newsletter) and not subscriber.is_subscribed,
            "posts": [_unclickable(post) for post in shown],
            "posts_not_shown": len(posts) - len(shown),
            "has_picture": any(post.has_picture for post in shown),
            **_unsubscribe_context(subscriber),
        },
        key=f"subscribe-confirm:{subscriber.pk}:{nonce}",
        headers=list_unsubscribe_headers(subscriber),
        sensitive=True,
    )
    return True


# Whoever typed the words chose them, so links in them must not become our mail's links.
_SCHEME = re.compile(r"\bhttp(s?)://", re.IGNORECASE)
_DOMAIN_DOT = re.compile(r"(?<=[a-z0-9-])\.(?=(?:[a-z0-9-]+\.)*[a-z]{2,}\b)", re.IGNORECASE)


def _unclickable(post):
    """The post as the mail shows it: its words, with links and addresses written so that no
    mail program makes them clickable (hxxps://example[.]com)."""

    def defang(text):
        return _DOMAIN_DOT.sub("[.]", _SCHEME.sub(r"hxxp\1://", text))

    return dataclasses.replace(
        post, text=defang(post.text), picture_description=defang(post.picture_description)
    )


def purge_expired_claims():
    """Delete the claims no usable link was mailed with (sent more than the links' lifetime
    ago, with an hour to spare); a browser still posting makes a new one when it needs a mail.
    Returns how many went."""
    age = datetime.timedelta(seconds=settings.CONFIRMATION_MAX_AGE_SECONDS + 3600)
    deleted, _ = AddressClaim.objects.filter(updated_at__lt=timezone.now() - age).delete()
    return deleted


@dataclass(frozen=True)
class Link:
    outcome: Confirmation
    subscriber: Subscriber = None
    guest_key: str = ""
    claim: AddressClaim = None
    # The posts the mail showed (their keys); the link publishes these. None: a link mailed
    # before mails showed posts, which publishes only when opened in the browser that asked.
    shown: tuple = None

    @property
    def name(self):
        """The name the subscriber will go by once confirmed through this link."""
        return self.claim.name if self.claim else self.subscriber.name


def check_confirmation(token):
    """Read a confirmation link without changing anything (the GET that mail scanners make)."""
    try:
        data = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.CONFIRMATION_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        return Link(Confirmation.EXPIRED)
    except signing.BadSignature:
        return Link(Confirmation.INVALID)
    if not isinstance(data, dict):
        return Link(Confirmation.INVALID)
    subscriber = Subscriber.objects.filter(pk=data.get("s")).first()
    if subscriber is None:
        return Link(Confirmation.INVALID)
    nonce = data.get("n")
    claim = None
    if "c" in data:
        claim = AddressClaim.objects.filter(pk=data["c"], subscriber=subscriber).first()
    if claim is not None and claim.confirmation_nonce:
        is_current = claim.confirmation_nonce == nonce  # this browser's own link
    else:  # the address's link, or a browser's link mailed before claims had their own
        is_current = bool(subscriber.confirmation_nonce) and subscriber.confirmation_nonce == nonce
    if not is_current:  # used before, or replaced by a newer mail to the same browser
        if subscriber.accepts_mail:
            return Link(Confirmation.ALREADY_CONFIRMED, subscriber)
        return Link(Confirmation.INVALID)
    if "c" not in data:  # mailed before claims existed
        return Link(Confirmation.CONFIRMED, subscriber, str(data.get("g") or ""))
    if claim is None:  # its browser's data was deleted since
        return Link(Confirmation.INVALID)
    shown = data.get("p")
    shown = tuple(str(key) for key in shown) if isinstance(shown, list) else ()
    return Link(Confirmation.CONFIRMED, subscriber, claim.guest_key, claim, shown)


def shown_posts(link):
    """The posts the link's mail showed that are still waiting as they were then: what
    pressing the button publishes, wherever the link is opened."""
    if not link.shown:
        return []
    shown = set(link.shown)
    return [post for post in waiting_posts(link.subscriber, link.guest_key) if post.key in shown]


def is_asking_browser(link, confirming_key):
    """Is the link opened in the browser that asked for it (whose guest key is `confirming_key`)?"""
    return bool(link.guest_key) and confirming_key == link.guest_key


def confirm(token, confirming_key=""):
    """Use a confirmation link (POST) from the browser whose guest key is `confirming_key`.
    Returns the Link; changes nothing unless it is valid.

    The subscriber takes the name typed in the browser that asked for the link: the owner
    chose it by pressing the button in a mail that showed it. That browser's waiting posts
    are published if the mail showed them, or all of them when the link is opened in that
    same browser (whoever holds both the inbox and the browser wrote them). Any others
    written there since the mail went out get a fresh mail that shows them. Opened in another
    browser, a post with a picture goes to the moderators rather than live: the owner could
    read only its description."""
    link = check_confirmation(token)
    if link.outcome is not Confirmation.CONFIRMED:
        return link
    subscriber = link.subscriber
    if link.claim is not None:  # used once: this link stops working, other browsers' do not
        used = AddressClaim.objects.filter(
            pk=link.claim.pk, confirmation_nonce=link.claim.confirmation_nonce
        )
        if link.claim.confirmation_nonce and not used.update(confirmation_nonce=""):
            return check_confirmation(token)  # used a moment ago, by another request
        link.claim.confirmation_nonce = ""
    is_renamed = subscriber.name != link.name
    subscriber.name = link.name
    asking_browser = is_asking_browser(link, confirming_key)
    also = ["name"]
    if asking_browser or not subscriber.language:
        # The language of the browser that asked (their latest choice, now proven), or of
        # wherever the owner confirms an address that had none. Opened elsewhere (a mail
        # program's browser, say), the language the address was shared in stays.
        subscriber.language = mail.current_language()
        also.append("language")
    _mark_confirmed(
        subscriber, also=also, newsletter=bool(link.claim and link.claim.wants_newsletter)
    )
    if is_renamed:
        freshness.site_changed()  # a guest's name shows on their posts
    if asking_browser:
        only = None
    elif link.shown is None:
        only = set()  # a link from before mails showed posts: elsewhere, it publishes none
    else:
        only = set(link.shown)
    _release_waiting_posts(subscriber, link.guest_key, only)
    still_waiting = not asking_browser and waiting_posts(subscriber, link.guest_key)
    if link.claim is not None and still_waiting:
        send_confirmation(subscriber, link.claim)
    return link


def _mark_confirmed(subscriber, also=(), newsletter=False):
    """The owner proved the address (and, with `newsletter`, chose new-article mail: its time
    is recorded, once)."""
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.confirmation_nonce = ""
    if newsletter and subscriber.newsletter_at is None:
        subscriber.newsletter_at = subscriber.confirmed_at
    subscriber.save(
        update_fields=[
            "confirmed_at",
            "unsubscribed_at",
            "confirmation_nonce",
            "newsletter_at",
            *also,
        ]
    )


def _link_member(subscriber, user):
    if subscriber.user_id != user.pk:
        Subscriber.objects.filter(user=user).exclude(pk=subscriber.pk).update(user=None)
        subscriber.user = user
        subscriber.save(update_fields=["user"])


def link_member_by_email(user, email):
    """After a member proves an address, an existing subscription for it becomes theirs."""
    subscriber = find(email)
    if subscriber is not None:
        _link_member(subscriber, user)


def by_unsubscribe_key(key):
    if not key or len(key) > 64:
        return None
    return Subscriber.objects.filter(unsubscribe_key=key).first()


def unsubscribe(subscriber):
    """Stop new-article mail (and the choice of it: starting again is a new choice). Saying it
    twice changes nothing the second time."""
    if subscriber.unsubscribed_at is None or subscriber.newsletter_at is not None:
        subscriber.unsubscribed_at = subscriber.unsubscribed_at or timezone.now()
        subscriber.newsletter_at = None
        subscriber.save(update_fields=["unsubscribed_at", "newsletter_at"])


def unsubscribe_url(subscriber):
    return settings.SITE_URL + reverse("accounts:unsubscribe", args=[subscriber.unsubscribe_key])


def _unsubscribe_context(subscriber):
    return {"unsubscribe_url": unsubscribe_url(subscriber)}


def list_unsubscribe_headers(subscriber):
    """RFC 2369 / RFC 8058 headers: mail programs show an unsubscribe button that POSTs here."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def set_member_newsletter(user, wanted):
    """The newsletter checkbox in account settings."""
    subscriber = getattr(user, "subscriber", None)
    if wanted:
        subscribe(user.display_name, user.email, Subscriber.Source.ACCOUNT, user=user)
    elif subscriber is not None:
        unsubscribe(subscriber)


def member_wants_newsletter(user):
    subscriber = Subscriber.objects.filter(user=user).first()
    return subscriber is not None and subscriber.is_subscribed


# --- Guests: a visitor who shared name + email -------------------------------------------------
# The session remembers the subscriber row, the name typed in this browser, and whether this
# browser proved the address by opening a confirmation link. Typing an address proves nothing:
# until it is proven, posts wait, and everything the browser is shown comes from what it typed
# (never the stored name), so the box cannot tell whether an address is known, or whose it is.
GUEST_SESSION_KEY = "subscriber_id"
PROVEN_SESSION_KEY = "subscriber_proven"
GUEST_NAME_SESSION_KEY = "guest_name"
GUEST_KEY_SESSION_KEY = "guest_key"


def guest_key(request):
    """A random key for this browser: posts written here carry it, so only it may edit them."""
    key = request.session.get(GUEST_KEY_SESSION_KEY)
    if not key:
        key = secrets.token_urlsafe(16)
        request.session[GUEST_KEY_SESSION_KEY] = key
    return key


def remember_guest(request, subscriber, proven=False, name=None):
    """The browser now speaks for `subscriber` (and, once `proven`, for the address) under
    `name`, the name it typed (a proven browser goes by the subscriber's name). The session
    gets a new key, so a key planted or seen before this step does not carry the identity."""
    request.session.cycle_key()
    if request.session.get(GUEST_SESSION_KEY) != subscriber.pk:
        request.session[PROVEN_SESSION_KEY] = False
    request.session[GUEST_SESSION_KEY] = subscriber.pk
    guest_key(request)
    if proven:
        request.session[PROVEN_SESSION_KEY] = True
        name = subscriber.name
    if name is not None:
        request.session[GUEST_NAME_SESSION_KEY] = name


def guest_subscriber_id(request):
    return request.session.get(GUEST_SESSION_KEY)


def guest_is_proven(request):
    return bool(request.session.get(PROVEN_SESSION_KEY))


def guest_name(request):
    """The name this browser typed ("" for a session from before names were kept)."""
    return str(request.session.get(GUEST_NAME_SESSION_KEY) or "")


def forget_guest(request):
    for name in (GUEST_SESSION_KEY, PROVEN_SESSION_KEY, GUEST_NAME_SESSION_KEY):
        request.session.pop(name, None)


# --- Posts waiting for their address ----------------------------------------------------------
# A registry, where other cross-app reactions are direct calls from the higher app, because the
# flow is accounts' and what it covers is comments' (the shape of the personal-data registry in
# accounts/privacy.py). The confirmation link belongs here: its stable URL and view, its signed
# token, the sealed mail with its per-inbox limit, and the task that sends it, started by the
# subscribe box (an accounts view) as well as by a guest's post. The posts it publishes are
# comments', and the mail must show them before their owner agrees: accounts reads them while
# writing the mail, in its task, and the link releases exactly those, in the confirming request.
# As direct calls, that view, URL and task would move into comments, or the mail could not show
# what its link publishes.


@dataclass(frozen=True)
class WaitingPost:
    """A post waiting for its address to be confirmed, as the confirmation mail shows it.
    `key` names the post and its exact words: an edit made after the mail makes a new key,
    so the link does not publish words its mail did not show."""

    key: str
    # Where it was posted (comments': an article), shown as its str(): the title in the
    # language active when the mail or page is rendered, so the recipient's (send_template).
    where: object
    text: str
    has_picture: bool = False
    picture_description: str = ""


_waiting_post_holders = []  # (list_waiting, release) of each app that holds such posts


def register_waiting_posts(list_waiting, release):
    """Called from an app's ready() (comments) with the two halves of one promise, registered
    together so that no link releases what its mail could not show:
    - list_waiting(subscriber, guest_key) -> [WaitingPost]: what that browser has waiting;
    - release(subscriber, guest_key, only): a link asked for by that browser was used; release
      its posts, or with `only` (a set of `WaitingPost.key`) just those the mail showed."""
    if (list_waiting, release) not in _waiting_post_holders:
        _waiting_post_holders.append((list_waiting, release))


def waiting_posts(subscriber, key):
    if not key:
        return []
    return [post for source, _ in _waiting_post_holders for post in source(subscriber, key)]


def _release_waiting_posts(subscriber, key, only=None):
    for _, release in _waiting_post_holders:
        release(subscriber, key, only)


def ask_to_confirm(subscriber, key, name=None):
    """Mail a fresh confirmation link unless one went out in the last few minutes. `name`, the
    name the browser typed, is what the mail shows (and what the owner agrees to)."""
    if _is_closed_to_mail(subscriber):
        return
    _record_language(subscriber, mail.current_language())
    claim = AddressClaim.objects.filter(subscriber=subscriber, guest_key=key).first()
    if claim is None or (name and name != claim.name):
        # A session from before claims were kept goes by the stored name: mailed to the
        # address's owner only, and renaming nothing.
        claim = claim_address(subscriber, key, name or subscriber.name)
    # In a task, as for `subscribe`: a post's answer costs the same whether the address was
    # known or a mail is due (rendering and sealing a mail would tell).
    send_post_confirmation.enqueue(claim.pk)


def mail_post_confirmation(claim_id):
    """The rest of `ask_to_confirm`, in a task: the link that releases this browser's posts."""
    claim = AddressClaim.objects.select_related("subscriber").filter(pk=claim_id).first()
    if claim is None or _is_closed_to_mail(claim.subscriber):
        return
    if _confirmation_is_due(claim):
        send_confirmation(claim.subscriber, claim)


@task()
def send_post_confirmation(claim_id):
    mail_post_confirmation(claim_id)
