"""What the comments app holds on a person: "export my data", "delete my account", a guest's
"delete my data" (reached from the key in their mails), and the purge of old IP addresses.

The erasers run inside accounts.privacy's deletions, which tell every page afterwards
(kindred.freshness.site_changed): the person's name, posts and hugs may show anywhere."""

import datetime
import re

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts import privacy
from comments import pictures
from comments.models import Ban, Comment, Hug, ModerationAction, Report
from comments.posting import remove_comment


def _comment_data(c):
    return {
        "article": c.article.title,
        "url": c.get_absolute_url(),
        "text": c.body,
        "picture": c.picture_url or None,
        "picture_description": c.image_alt,
        "picture_sensitive": c.is_picture_sensitive,
        "status": c.status,
        "posted_at": c.created_at.isoformat(),
        "edited_at": c.edited_at.isoformat() if c.edited_at else None,
        "ip_address": c.ip_address,
    }


def _report_data(r):
    return {
        "comment": r.comment_id,
        "reason": r.reason,
        "note": r.note,
        "reported_at": r.created_at.isoformat(),
        "state": r.state,  # what became of it: open, dismissed, resolved, acted or withdrawn
        "handled_at": r.handled_at.isoformat() if r.handled_at else None,
    }


def export_comments(user):
    comments = Comment.objects.filter(author_user=user).select_related("article").order_by("pk")
    return {
        "comments": [_comment_data(c) for c in comments],
        "reports": [_report_data(r) for r in Report.objects.filter(reporter_user=user)],
        "hugs": list(Hug.objects.filter(user=user).values_list("comment_id", flat=True)),
    }


def export_guest_comments(subscriber):
    comments = (
        Comment.objects.filter(author_subscriber=subscriber, author_user=None)
        .select_related("article")
        .order_by("pk")
    )
    return {
        "comments": [_comment_data(c) for c in comments],
        "reports": [_report_data(r) for r in Report.objects.filter(reporter_subscriber=subscriber)],
    }


def erase_comments(user, keep_contributions):
    """Keep: the posts stay, by "a former member". Remove: the posts go (placeholders keep
    other people's replies in place). Either way the same is done to the posts they wrote as a
    guest with an address they proved, their reports lose their notes, and their bans stay as
    hashed addresses, so a banned member cannot come back clean by deleting the account."""
    addresses = privacy.verified_addresses(user)
    guests = privacy.same_inbox_subscribers(addresses)  # every spelling of a proved inbox
    addresses = sorted({*addresses, *guests.values_list("email", flat=True)})
    posts = Comment.objects.filter(
        Q(author_user=user) | Q(author_subscriber__in=guests, author_user=None)
    )
    _forget_in_audit_log(
        posts, [user.display_name, *guests.values_list("name", flat=True)], addresses
    )
    _erase_posts(posts, keep_contributions)
    _erase_reports(Report.objects.filter(Q(reporter_user=user) | Q(reporter_subscriber__in=guests)))
    _take_back_hugs(user)
    _keep_bans_as_hashes(Ban.objects.filter(Q(user=user) | _guest_bans_on(addresses)), addresses)


def erase_guest_comments(subscriber):
    """A guest deletes their data: their posts go (placeholders keep replies), their reports
    lose their notes, a ban on their address stays as its hash."""
    posts = Comment.objects.filter(author_subscriber=subscriber, author_user=None)
    _forget_in_audit_log(posts, [subscriber.name], [subscriber.email])
    _erase_posts(posts, False)
    _erase_reports(Report.objects.filter(reporter_subscriber=subscriber))
    _keep_bans_as_hashes(Ban.objects.filter(_guest_bans_on([subscriber.email])), [subscriber.email])


def _forget_in_audit_log(posts, names, addresses):
    """What moderators did stays on record, but not the person's words or who they were: the
    text kept from before a moderator's edit goes, and their names and addresses are replaced."""
    entries = ModerationAction.objects.filter(comment__in=posts)
    for address in addresses:
        entries |= ModerationAction.objects.filter(subject__icontains=address)
    # Longest first, so a name inside an address (or a longer name) is replaced whole.
    words = sorted({w for w in [*names, *addresses] if w}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
    for entry in entries.distinct():
        entry.text_before = ""
        if pattern is not None:
            entry.subject = pattern.sub(gettext("a former member"), entry.subject)
            entry.note = pattern.sub(gettext("a former member"), entry.note)
        entry.save(update_fields=["text_before", "subject", "note"])


def _any_address(addresses):
    matches = Q(pk__in=[])
    for address in addresses:
        matches |= Q(email__iexact=address)
    return matches


def _guest_bans_on(addresses):
    """Bans of a guest's address that reaches the same inbox as one of `addresses`."""
    hashes = [h for address in addresses for h in privacy.address_hashes(address)]
    return Q(user=None) & ~Q(email="") & (_any_address(addresses) | Q(email_hash__in=hashes))


_ANONYMOUS = {"author_user": None, "author_subscriber": None, "guest_key": "", "ip_address": None}


def _erase_posts(comments, keep_contributions):
    if keep_contributions:
        comments.update(**_ANONYMOUS)
        return
    for comment in comments.order_by("pk"):
        if Comment.objects.filter(parent=comment).exists():
            remove_comment(comment)
            Comment.objects.filter(pk=comment.pk).update(**_ANONYMOUS)
        else:
            pictures.delete_files(comment)
            comment.delete()


def _take_back_hugs(user):
    """The member's hugs go with the account, and so do they from the counts on the posts."""
    for hug in Hug.objects.filter(user=user):
        Comment.objects.filter(pk=hug.comment_id).update(hug_count=F("hug_count") - 1)
        hug.delete()


def _erase_reports(reports):
    """The report still counts (a moderator may act on it), but says nothing of its author."""
    reports.update(reporter_user=None, reporter_subscriber=None, note="", ip_address=None)


def _keep_bans_as_hashes(bans, addresses):
    """Each ban still in force becomes one hashed ban per inbox (accounts.privacy.address_hash:
    bob@ and Bob+2@ are one); expired ones are dropped."""
    now = timezone.now()
    inboxes = {privacy.address_hash(address) for address in addresses}
    for ban in list(bans):
        if ban.until is None or ban.until > now:
            for email_hash in sorted((inboxes | {ban.email_hash}) - {""}):
                Ban.objects.create(
                    email_hash=email_hash,
                    until=ban.until,
                    reason=ban.reason,
                    created_by=ban.created_by,
                )
        ban.delete()


# --- IP addresses -------------------------------------------------------------------------------


def purge_ip_addresses(now=None):
    """Empty the IP addresses older than IP_RETENTION_DAYS. Returns {model name: rows emptied};
    a second run empties nothing more."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.IP_RETENTION_DAYS)
    return {
        str(model._meta.verbose_name_plural): model.objects.filter(
            created_at__lt=cutoff, ip_address__isnull=False
        ).update(ip_address=None)
        for model in (Comment, Report)  # the models that keep the writer's IP address
    }
