"""Readers' tools: reporting a post, and the hug reaction."""

import ipaddress

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull
from django.utils import timezone

from accounts import mail, subscriptions
from accounts.addresses import inbox_of
from comments import crisis, notifications, pictures, reasons
from comments.models import Comment, Hug, ModerationRules, Report
from kindred import freshness


def reported_posts():
    """The condition of the moderators' "Reported by readers" queue: published or waiting posts
    with a report no moderator has acted on yet.

    `report_count` only grows, so a post with an open report has one: asking for it too lets
    PostgreSQL read the queue off its small partial index (comment_reported_idx), in the
    queue's order. The open report is asked for as "its first open report's id is not null"
    rather than EXISTS: PostgreSQL turns an EXISTS into a join whose size it guesses at a
    hundredth of the truth, then joins and sorts the whole queue to show its first hundred;
    a subquery it asks post by post, in the index's order, and stops at the page's end."""
    first_open = Report.objects.filter(comment=OuterRef("pk"), state=Report.State.OPEN)
    return Q(
        IsNull(Subquery(first_open.values("pk")[:1]), False),
        status__in=[Comment.Status.PUBLISHED, Comment.Status.PENDING],
        report_count__gt=0,
    )


def has_reported(comment, author):
    # A closed report does not count: the post may have changed since a moderator read it.
    reports = Report.objects.filter(comment=comment, state=Report.State.OPEN)
    if author.is_member:
        return reports.filter(reporter_user=author.user).exists()
    if not author.is_proven:
        return False  # the address's own reports are not this browser's to see
    return reports.filter(reporter_subscriber=author.subscriber).exists()


# What became of a report, as the reporter is told.
REPEATED = "repeated"  # they had reported it already
NOTED = "noted"  # kept for the moderators; counts nothing toward hiding
QUEUED = "queued"  # counts; the post stays up and the moderators are told
HIDDEN = "hidden"  # enough distinct readers: hidden until a moderator looks


def is_own_post(comment, author):
    if comment.is_by(author.user, author.guest_key):
        return True
    if author.is_member:
        return comment.author_user_id == author.user.pk
    if not author.is_proven:
        return False  # saying so would tell a stranger who wrote it
    return comment.author_user_id is None and comment.author_subscriber_id == author.subscriber.pk


def counts_toward_hiding(author):
    """A member, or a guest whose address is confirmed and proven in this browser: an
    identity made up on the spot (any name, any address) cannot silence anyone."""
    return author.is_member or (author.is_proven and author.subscriber.is_confirmed)


def report_comment(comment, author, reason, note="", ip=None):
    """One report per reader per post. Returns what became of it (REPEATED, NOTED, QUEUED or
    HIDDEN). The caller refuses reports of one's own post (`is_own_post`)."""
    counts = counts_toward_hiding(author)
    try:
        with transaction.atomic():
            Report.objects.create(
                comment=comment,
                reporter_user=author.user,
                # A browser that only typed the address reports as nobody in particular: kept
                # for the moderators, never counted, and the address's own slot stays free.
                reporter_subscriber=author.subscriber if author.is_proven else None,
                reason=reason,
                note=note,
                counts=counts,
                ip_address=ip,
            )
            Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
            if reason == Report.Reason.SELF_HARM:
                # Top of the moderators' queue, and the on-call moderators are mailed now.
                crisis.flag(comment, Report.Reason.SELF_HARM.label)
    except IntegrityError:
        return REPEATED
    is_hidden = counts and _hide_if_reported_enough(comment)
    if not is_hidden:
        notifications.tell_moderators()  # in the "reported" queue, still public
    return HIDDEN if is_hidden else QUEUED if counts else NOTED


def _network(ip):
    """One place: an IPv6 visitor holds a whole /64, an IPv4 one can hop within a /24 (a
    home router's or a provider's neighbouring addresses)."""
    address = ipaddress.ip_address(ip)
    address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:198.51.100.7 is IPv4
    prefix = 64 if address.version == 6 else 24
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def distinct_reporters(comment):
    """How many counted reports come from distinct people (by inbox: mallory+1@ and
    mallory+2@ are one person, accounts.addresses.inbox_of) on distinct networks: the largest
    set of reports that share neither (a bipartite matching)."""
    places = {}
    rows = Report.objects.filter(comment=comment, counts=True, state=Report.State.OPEN)
    rows = rows.exclude(ip_address=None)  # reports a moderator closed count no more
    for report in rows.select_related("reporter_user", "reporter_subscriber"):
        if report.reporter_user_id:
            person = report.reporter_user.email
        elif report.reporter_subscriber_id:
            person = report.reporter_subscriber.email
        else:
            continue  # the reporter deleted their account
        places.setdefault(inbox_of(person), set()).add(_network(report.ip_address))
    taken_by = {}

    def place(person, tried):
        for where in places[person]:
            if where in tried:
                continue
            tried.add(where)
            if where not in taken_by or place(taken_by[where], tried):
                taken_by[where] = person
                return True
        return False

    return sum(place(person, set()) for person in places)


def _hide_if_reported_enough(comment):
    """K distinct readers on K distinct addresses reported it: hidden until a moderator looks.
    Returns True when it is hidden now."""
    comment.refresh_from_db(fields=["report_count", "status", "moderation_reasons", "held_at"])
    threshold = ModerationRules.current().report_threshold
    if not comment.is_published:
        return False
    readers = distinct_reporters(comment)
    if readers < threshold:
        return False
    comment.status = Comment.Status.PENDING
    comment.held_at = timezone.now()  # joins the moderators' queue now
    comment.moderation_reasons = [*comment.moderation_reasons, reasons.reported(readers)]
    comment.save(update_fields=["status", "held_at", "moderation_reasons"])
    pictures.sync_visibility(comment)  # hidden: its picture is no longer public
    freshness.thread_changed(comment.article_id)
    notifications.tell_moderators()
    return True


def toggle_hug(comment, user):
    """A member hugs a post, or takes the hug back. Returns True when the hug now stands."""
    with transaction.atomic():
        deleted, _ = Hug.objects.filter(comment=comment, user=user).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(hug_count=F("hug_count") - 1)
        else:
            Hug.objects.create(comment=comment, user=user)
            Comment.objects.filter(pk=comment.pk).update(hug_count=F("hug_count") + 1)
    freshness.thread_changed(comment.article_id)  # the count shows on the page
    return not deleted


def close_reports(comment, actor, state):
    """A moderator acted on `comment`: its open reports are dismissed (the post stays) or
    resolved (it was taken down), and kept. Each reader who reported it is told: a member on
    their account page, a guest whose address is confirmed by mail. Returns how many closed."""
    still_open = Report.objects.filter(comment=comment, state=Report.State.OPEN)
    closing = list(still_open.select_related("reporter_subscriber", "comment__article"))
    still_open.update(state=state, handled_at=timezone.now(), handled_by=actor)
    for report in closing:
        guest = report.reporter_subscriber
        if report.reporter_user_id or guest is None or not guest.is_confirmed:
            continue
        if state == Report.State.WITHDRAWN:
            continue  # the author removed it: nothing a moderator decided to tell
        mail.send_template(
            "report_outcome",
            to=guest.email,
            context={
                "name": guest.name,
                # Objects, read as the mail is written in the reporter's language (the
                # moderator's request may be in another): accounts.mail.send_template.
                "article": report.comment.article,
                "report": report,
                "taken_down": state == Report.State.RESOLVED,
                "members_only": state == Report.State.ACTED,
                "unsubscribe_url": subscriptions.unsubscribe_url(guest),
            },
            key=f"report-outcome:{report.pk}",
        )
    return len(closing)
