"""The moderation queue and the site's rules, in the Django admin."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, smart_split, unescape_string_literal
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.models import Subscriber
from articles.models import Article
from comments import appeals, moderator_actions, pictures, public_notes
from comments.models import (
    Appeal,
    Ban,
    BlockedAddress,
    Comment,
    CrisisResource,
    ModerationAction,
    ModerationRules,
    RejectionReason,
    Report,
    WatchedWord,
)
from comments.reasons import ACTIONS, action_shown
from comments.reports import reported_posts
from kindred import freshness
from kindred.admin_paginator import EstimatedCountAdmin
from kindred.admin_widgets import LabelledDateTimeAdmin


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("pending", gettext_lazy("Waiting for review")),
            ("reported", gettext_lazy("Reported by readers")),
            ("awaiting", gettext_lazy("Awaiting email confirmation")),
            ("rejected", gettext_lazy("Rejected")),
            ("spam", gettext_lazy("Spam")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "reported":
            return queryset.filter(reported_posts())
        if value == "pending":
            # Urgent posts first of all, even those still public or awaiting an address.
            return queryset.filter(Q(status=value) | Q(is_urgent=True))
        if value in {"awaiting", "rejected", "spam"}:
            return queryset.filter(status=value)
        return queryset


class ArticleFilter(admin.SimpleListFilter):
    """One article's posts. It offers the latest articles, and the one chosen: Django's filter
    for a foreign key lists every article, thousands of links loaded on every page of the
    queue. Any article is reached from its own page in the admin (its posts' link) or by its
    number in the address, as Django's filter writes it."""

    title = gettext_lazy("article")
    parameter_name = "article__id__exact"
    OFFERED = 15

    def lookups(self, request, model_admin):
        latest = Article.objects.published().order_by("-published_at", "-pk")[: self.OFFERED]
        shown = Q(pk__in=latest.values("pk"))
        if (self.value() or "").isdigit():
            shown |= Q(pk=self.value())
        articles = Article.objects.filter(shown).order_by("-published_at", "-pk").only("title")
        return [(str(article.pk), article.title) for article in articles]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(article_id=value) if value.isdigit() else queryset.none()


class CommentActionForm(ActionForm):
    """The queue's action bar: Reject takes its reason, and the moderator's note, from here."""

    # Named apart from the ban page's own "reason" (that page posts through this form too).
    reject_reason = forms.ModelChoiceField(
        label=gettext_lazy("Reason (for Reject)"),
        queryset=RejectionReason.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("— choose —"),
    )
    reject_note = forms.CharField(
        label=gettext_lazy("Note to the authors (optional)"), max_length=500, required=False
    )


def _day(moment):
    """A date in the admin's lists of history: ISO 8601, the same in every language."""
    return moment.strftime("%Y-%m-%d")


def _when(moment):
    """A date and time in the admin's lists of history: ISO 8601, the same in every language."""
    return moment.strftime("%Y-%m-%d %H:%M")


def _picture_tag(url, alt, width):
    """A waiting post's picture comes from the checked view (comments.views.picture)."""
    if not url:
        return ""
    return format_html('<img src="{}" alt="{}" width="{}">', url, alt, width)


class CommentEditForm(forms.ModelForm):
    """A moderator's edit: checked here, saved by moderator_actions.moderator_edit (save_model)."""

    class Meta:
        model = Comment
        fields = ["body", "image_alt"]

    def clean(self):
        data = super().clean()
        if not (data.get("body") or "").strip() and not self.instance.image:
            raise forms.ValidationError(
                gettext("Every post needs text or a picture: reject the post to take it down.")
            )
        return data


def _delete_pictures_of_posts_and_replies(pks):
    """The posts' replies, and theirs, go with them (a database cascade through parent and
    root): every one of their picture files is deleted first, so none stays public."""
    taken, frontier = set(pks), set(pks)
    while frontier:
        below = Comment.objects.filter(Q(parent__in=frontier) | Q(root__in=frontier))
        frontier = set(below.values_list("pk", flat=True)) - taken
        taken |= frontier
    for comment in Comment.objects.filter(pk__in=taken).only("image", "image_thumb"):
        pictures.delete_files(comment)


# Authors named in a search, found first (a list of them lets PostgreSQL read the posts' index
# of authors); a word in more names than this is looked up in the same query instead.
NAMED_AUTHORS = 500


def _search_terms(search_term):
    """The words of a search, a quoted phrase as one, as Django's admin search splits them."""
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        yield bit


def _named(model, field, term):
    """The authors (of `model`) whose `field` has `term`: their ids, or the query of them when
    there are too many to list."""
    named = model.objects.filter(**{f"{field}__icontains": term}).values_list("pk", flat=True)
    found = list(named[: NAMED_AUTHORS + 1])
    return named if len(found) > NAMED_AUTHORS else found


@admin.register(Comment)
class CommentAdmin(EstimatedCountAdmin, admin.ModelAdmin):
    form = CommentEditForm
    list_display = [
        "excerpt",
        "article",
        "author",
        "status",
        "thumbnail",
        "reasons",
        "report_count",
        "report_reasons",
        "created_at",
    ]
    # Each filter, and the order, has its index (comments/models.py Comment.Meta.indexes).
    list_filter = [QueueFilter, "status", "is_urgent", "is_picture_sensitive", ArticleFilter]
    list_select_related = ["article", "author_user", "author_subscriber"]
    # Searched by get_search_results below, with the indexes.
    search_fields = ["body", "author_user__display_name", "author_subscriber__name"]
    ordering = ["-is_urgent", "-created_at"]
    actions = [
        "approve",
        "crisis_members_only",
        "crisis_hide",
        "show_to_members_only",
        "show_to_everyone",
        "dismiss_reports",
        "reject",
        "mark_spam",
        "mark_picture_sensitive",
        "unmark_picture_sensitive",
        "ban_authors",
    ]
    readonly_fields = [
        "article",
        "author",
        "status",
        "picture",
        "reasons",
        "report_reasons",
        "report_notes",
        "created_at",
        "edited_at",
        "on_the_site",
        "conversation",
        "author_history",
    ]
    fields = readonly_fields[:5] + ["body", "image_alt"] + readonly_fields[5:]
    change_form_template = "admin/comments/comment/change_form.html"
    action_form = CommentActionForm

    # --- Deciding from the post's own page (templates/admin/comments/comment/change_form.html)

    DECISIONS = {
        "approve": gettext_lazy("Approved."),
        "reject": gettext_lazy("Rejected; the author is told why."),
        "spam": gettext_lazy("Marked as spam."),
        "members_only": gettext_lazy("Shown to members only; the support message went."),
        "hide": gettext_lazy("Hidden from everyone; the support message went."),
        "dismiss": gettext_lazy("Reports dismissed; the post stays."),
        "note": gettext_lazy("The note is on the post, for every reader of it."),
        "remove_note": gettext_lazy("The note is removed."),
        "pin": gettext_lazy("Pinned to the top of the thread."),
        "unpin": gettext_lazy("No longer pinned."),
        "sensitive": gettext_lazy("Its picture is shown blurred, behind “Sensitive picture”."),
        "not_sensitive": gettext_lazy("Its picture is shown as it is."),
    }
    NOTE_DECISIONS = {"note", "remove_note"}

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:pk>/decide/", decide, name="comments_comment_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        """One decision on one post, from its page: the same moderator actions as the queue's."""
        comment = get_object_or_404(
            Comment.objects.select_related("article", "author_user", "author_subscriber"), pk=pk
        )
        decision = request.POST.get("decision")
        may_act = (
            public_notes.may_write_notes(request.user)
            if decision in self.NOTE_DECISIONS
            else self.has_change_permission(request, comment)
        )
        if request.method != "POST" or not may_act:
            raise PermissionDenied
        try:
            decision = self._decide(request, comment, decision)
        except public_notes.CannotChange as refusal:
            decision = None
            self.message_user(request, str(refusal), messages.ERROR)
        if decision:
            self.message_user(request, self.DECISIONS[decision])
        return redirect("admin:comments_comment_change", comment.pk)

    def _decide(self, request, comment, decision):
        """Carry out one decision; returns it, or None when nothing was done (and says why)."""
        note = " ".join(request.POST.get("note", "").split())[:500]
        if decision == "approve":
            if moderator_actions.approve(comment, request.user) is False:
                self.message_user(
                    request, gettext("Not approved: it has no text or picture."), messages.ERROR
                )
                return None
        elif decision == "reject":
            reason = RejectionReason.objects.filter(
                code=request.POST.get("reason", ""), is_active=True
            ).first()
            if reason is None:
                self.message_user(
                    request, gettext("Not rejected: choose a reason first."), messages.ERROR
                )
                return None
            moderator_actions.reject(comment, request.user, reason, note=note)
        elif decision == "spam":
            moderator_actions.mark_spam(comment, request.user)
        elif decision in ("members_only", "hide"):
            moderator_actions.respond_to_crisis(
                comment, request.user, hide_fully=decision == "hide"
            )
        elif decision == "dismiss":
            moderator_actions.dismiss_reports(comment, request.user)
        elif decision == "note":
            public_notes.set_note(
                comment,
                request.user,
                request.POST.get("public_note", ""),
                as_reviewer=request.POST.get("signed") == "reviewer",
            )
        elif decision == "remove_note":
            public_notes.remove_note(comment, request.user)
        elif decision == "pin":
            public_notes.pin(comment, request.user)
        elif decision == "unpin":
            public_notes.unpin(comment, request.user)
        elif decision in ("sensitive", "not_sensitive"):
            is_sensitive = decision == "sensitive"
            if not moderator_actions.mark_picture_sensitive(
                comment, request.user, is_sensitive=is_sensitive
            ):
                self.message_user(
                    request, gettext("Nothing changed: no picture, or already so."), messages.ERROR
                )
                return None
        else:
            return None
        return decision

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["rejection_reasons"] = RejectionReason.objects.filter(is_active=True)
        context["reviewer"] = public_notes.reviewer_of(request.user)
        context["may_moderate"] = self.has_change_permission(request, obj)
        context["may_write_notes"] = public_notes.may_write_notes(request.user)
        context["note_max"] = public_notes.NOTE_MAX
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.display(description=gettext_lazy("on the site"))
    def on_the_site(self, comment):
        if comment.is_published:
            note = " " + gettext("(signed-in members only)") if comment.members_only else ""
            return format_html(
                '<a href="{}">{}</a>{}', comment.get_absolute_url(), gettext("Open it"), note
            )
        return gettext("Not on the site: it is not published.")

    @admin.display(description=gettext_lazy("the conversation around it"))
    def conversation(self, comment):
        """The thread it belongs to: its top-level post and every reply, this one marked."""
        root_id = comment.root_id or comment.pk
        posts = Comment.objects.filter(Q(pk=root_id) | Q(root_id=root_id)).select_related(
            "author_user", "author_subscriber"
        )
        rows = format_html_join(
            "",
            '<li style="margin-left:{}em">{}<strong>{}</strong> · {} · {}</li>',
            (
                (
                    post.depth * 1.5,
                    gettext("▶ this post:") + " " if post.pk == comment.pk else "",
                    post.author_name,
                    post.get_status_display(),
                    Truncator(post.body).chars(100) or gettext("(a picture, or removed)"),
                )
                for post in posts.order_by("created_at", "pk")[:60]
            ),
        )
        return format_html("<ul>{}</ul>", rows)

    def get_search_results(self, request, queryset, search_term):
        """Each word in the post's text or in its author's name, as Django's search finds them
        (search_fields), in a query PostgreSQL answers from indexes. Django's OR across the
        joined tables of authors read every post; here the authors whose name has the word are
        found first, in their own tables (trigram indexes), then the posts whose text has it
        (comment_body_trgm_idx) or that one of them wrote."""
        if not search_term:
            return queryset, False
        for term in _search_terms(search_term):
            queryset = queryset.filter(
                Q(body__icontains=term)
                | Q(author_user__in=_named(get_user_model(), "display_name", term))
                | Q(author_subscriber__in=_named(Subscriber, "name", term))
            )
        return queryset, False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("reports")
            .select_related("article", "author_user", "author_subscriber")
        )

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("post"))
    def excerpt(self, comment):
        text = Truncator(comment.body).chars(80) or gettext("(picture)")
        if comment.is_urgent:
            return format_html("<strong>{}</strong> {}", gettext("URGENT"), text)
        return text

    @admin.display(description=gettext_lazy("author"))
    def author(self, comment):
        if comment.author_user_id:
            return gettext("%(name)s (member)") % {"name": comment.author_user.display_name}
        if comment.author_subscriber_id:
            return gettext("%(name)s <%(email)s> (guest)") % {
                "name": comment.author_subscriber.name,
                "email": comment.author_subscriber.email,
            }
        return gettext("a former member")

    @admin.display(description=gettext_lazy("picture"))
    def thumbnail(self, comment):
        return _picture_tag(comment.thumb_url, comment.image_alt, width=80)

    @admin.display(description=gettext_lazy("picture"))
    def picture(self, comment):
        if not comment.image and comment.image_alt:
            return format_html(
                gettext(
                    "Deleted for good when the post was rejected or removed (it showed: “{}”). "
                    "Approving the post again brings back its text only."
                ),
                comment.image_alt,
            )
        tag = _picture_tag(comment.picture_url, comment.image_alt, width=320) or "—"
        if comment.image and comment.is_picture_sensitive:
            note = gettext("Sensitive: readers see it blurred until they open it; mails omit it.")
            return format_html("{}<p>{}</p>", tag, note)
        return tag

    @admin.display(description=gettext_lazy("why it waits"))
    def reasons(self, comment):
        return "; ".join(comment.shown_reasons)

    @admin.display(description=gettext_lazy("open reports"))
    def report_reasons(self, comment):
        counts = {}
        for report in comment.reports.all():
            if report.state != Report.State.OPEN:
                continue
            counts[report.get_reason_display()] = counts.get(report.get_reason_display(), 0) + 1
        return ", ".join(f"{reason} ×{number_format(n)}" for reason, n in counts.items())

    @admin.display(description=gettext_lazy("what the readers said"))
    def report_notes(self, comment):
        reports = sorted(comment.reports.all(), key=lambda report: report.created_at)
        if not reports:
            return "—"
        rows = format_html_join(
            "",
            "<li><strong>{}</strong> · {}{} · {}</li>",
            (
                (
                    report.get_reason_display(),
                    _when(report.created_at),
                    format_html(": “{}”", report.note) if report.note else "",
                    report.get_state_display(),
                )
                for report in reports
            ),
        )
        return format_html("<ul>{}</ul>", rows)

    @admin.display(description=gettext_lazy("the author's history"))
    def author_history(self, comment):
        """Their earlier posts, how many were rejected or reported, and their bans (in force
        or ended), by account or by the guest's address."""
        if comment.author_user_id:
            others = Comment.objects.filter(author_user=comment.author_user)
            bans = Ban.objects.filter(user=comment.author_user)
        elif comment.author_subscriber_id:
            others = Comment.objects.filter(author_subscriber=comment.author_subscriber)
            bans = Ban.objects.filter(
                email_hash=moderator_actions.ban_key(email=comment.author_subscriber.email)
            )
        else:
            return "—"
        summary = others.aggregate(
            published=Count("pk", filter=Q(status="published")),
            rejected=Count("pk", filter=Q(status__in=["rejected", "spam"])),
            reported=Count("pk", filter=Q(report_count__gt=0)),
        )
        rows = format_html_join(
            "",
            "<li>{} · {} · {}</li>",
            (
                (
                    _day(c.created_at),
                    c.get_status_display(),
                    Truncator(c.body).chars(60),
                )
                for c in others.exclude(pk=comment.pk).order_by("-created_at")[:20]
            ),
        )
        now = timezone.now()
        ban_rows = format_html_join(
            "",
            "<li>{} · {} · {}</li>",
            (
                (
                    _day(ban.created_at),
                    gettext("banned for good")
                    if ban.until is None
                    else (
                        gettext("suspended until %(when)s")
                        if ban.until > now
                        else gettext("ended %(when)s")
                    )
                    % {"when": _when(ban.until)},
                    ban.reason,
                )
                for ban in bans.order_by("-created_at")[:10]
            ),
        )
        return format_html(
            "<p>{}</p><ul>{}</ul><p>{}</p><ul>{}</ul>",
            gettext(
                "%(published)s published, %(rejected)s rejected or spam, %(reported)s reported."
            )
            % {key: number_format(value) for key, value in summary.items()},
            rows,
            gettext("Bans: none.") if not ban_rows else gettext("Bans:"),
            ban_rows,
        )

    @admin.action(description=gettext_lazy("Approve"), permissions=["change"])
    def approve(self, request, queryset):
        # Counted from the rows acted on: after the action they may no longer match the filter.
        comments = list(queryset.select_related("article", "author_user", "author_subscriber"))
        empty = 0
        for comment in comments:
            empty += moderator_actions.approve(comment, request.user) is False
        approved = len(comments) - empty
        self.message_user(
            request,
            ngettext("Approved %(count)d post(s).", "Approved %(count)d post(s).", approved)
            % {"count": approved},
        )
        if empty:
            self.message_user(
                request,
                ngettext(
                    "%(count)d post(s) not approved: they were only a picture, and a rejected "
                    "post's picture is deleted for good.",
                    "%(count)d post(s) not approved: they were only a picture, and a rejected "
                    "post's picture is deleted for good.",
                    empty,
                )
                % {"count": empty},
                messages.WARNING,
            )

    def _respond_to_crisis(self, request, queryset, *, hide_fully):
        comments = list(queryset.select_related("article", "author_user", "author_subscriber"))
        mailed = sum(
            moderator_actions.respond_to_crisis(comment, request.user, hide_fully=hide_fully)
            for comment in comments
        )
        done = (
            ngettext(
                "Hidden from everyone but their authors: %(count)d post(s).",
                "Hidden from everyone but their authors: %(count)d post(s).",
                len(comments),
            )
            if hide_fully
            else ngettext(
                "Shown to signed-in members only: %(count)d post(s).",
                "Shown to signed-in members only: %(count)d post(s).",
                len(comments),
            )
        )
        self.message_user(request, done % {"count": len(comments)})
        self.message_user(
            request,
            ngettext(
                "The support message went to %(mailed)d of %(count)d author(s).",
                "The support message went to %(mailed)d of %(count)d author(s).",
                len(comments),
            )
            % {"mailed": mailed, "count": len(comments)},
            messages.SUCCESS if mailed == len(comments) else messages.WARNING,
        )

    @admin.action(
        description=gettext_lazy("Crisis: show to members only, and send the support message"),
        permissions=["change"],
    )
    def crisis_members_only(self, request, queryset):
        self._respond_to_crisis(request, queryset, hide_fully=False)

    @admin.action(
        description=gettext_lazy("Crisis: hide from everyone, and send the support message"),
        permissions=["change"],
    )
    def crisis_hide(self, request, queryset):
        self._respond_to_crisis(request, queryset, hide_fully=True)

    @admin.action(
        description=gettext_lazy("Show to signed-in members only (no message is sent)"),
        permissions=["change"],
    )
    def show_to_members_only(self, request, queryset):
        moved = sum(moderator_actions.show_to_members_only(c, request.user) for c in queryset)
        self.message_user(
            request,
            ngettext(
                "Shown to members only: %(count)d post(s).",
                "Shown to members only: %(count)d post(s).",
                moved,
            )
            % {"count": moved},
        )

    @admin.action(description=gettext_lazy("Show to everyone again"), permissions=["change"])
    def show_to_everyone(self, request, queryset):
        moved = sum(
            moderator_actions.show_to_members_only(c, request.user, members_only=False)
            for c in queryset
        )
        self.message_user(
            request,
            ngettext(
                "Shown to everyone: %(count)d post(s).",
                "Shown to everyone: %(count)d post(s).",
                moved,
            )
            % {"count": moved},
        )

    @admin.action(
        description=gettext_lazy("Dismiss reports (the post stays as it is)"),
        permissions=["change"],
    )
    def dismiss_reports(self, request, queryset):
        comments = list(queryset)
        dismissed = sum(moderator_actions.dismiss_reports(c, request.user) for c in comments)
        self.message_user(
            request,
            ngettext(
                "Dismissed %(reports)d report(s) on %(posts)d post(s); the posts stay.",
                "Dismissed %(reports)d report(s) on %(posts)d post(s); the posts stay.",
                dismissed,
            )
            % {"reports": dismissed, "posts": len(comments)},
        )

    @admin.action(
        description=gettext_lazy("Reject, for the reason chosen beside (the authors are told)"),
        permissions=["change"],
    )
    def reject(self, request, queryset):
        # The admin checked the action form before calling this; its fields are read here.
        reason = RejectionReason.objects.filter(
            code=request.POST.get("reject_reason", ""), is_active=True
        ).first()
        if reason is None:
            self.message_user(
                request,
                gettext("Nothing was rejected: choose a reason beside the action first."),
                messages.ERROR,
            )
            return
        note = " ".join(request.POST.get("reject_note", "").split())[:500]
        comments = list(queryset.select_related("article", "author_user", "author_subscriber"))
        for comment in comments:
            moderator_actions.reject(comment, request.user, reason, note=note)
        self.message_user(
            request,
            ngettext(
                "Rejected %(count)d post(s): %(reason)s",
                "Rejected %(count)d post(s): %(reason)s",
                len(comments),
            )
            % {"count": len(comments), "reason": reason.text},
        )

    @admin.action(description=gettext_lazy("Mark as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        comments = list(queryset)
        for comment in comments:
            moderator_actions.mark_spam(comment, request.user)
        self.message_user(
            request,
            ngettext(
                "Marked %(count)d post(s) as spam.",
                "Marked %(count)d post(s) as spam.",
                len(comments),
            )
            % {"count": len(comments)},
        )

    def _mark_sensitive(self, request, queryset, *, is_sensitive):
        comments = list(queryset.select_related("author_user", "author_subscriber"))
        changed = sum(
            moderator_actions.mark_picture_sensitive(c, request.user, is_sensitive=is_sensitive)
            for c in comments
        )
        done = (
            ngettext(
                "%(changed)d picture(s) now shown blurred, of %(count)d post(s) selected.",
                "%(changed)d picture(s) now shown blurred, of %(count)d post(s) selected.",
                changed,
            )
            if is_sensitive
            else ngettext(
                "%(changed)d picture(s) now shown as they are, of %(count)d post(s).",
                "%(changed)d picture(s) now shown as they are, of %(count)d post(s).",
                changed,
            )
        )
        self.message_user(request, done % {"changed": changed, "count": len(comments)})

    @admin.action(
        description=gettext_lazy("Mark the pictures sensitive (shown blurred, left out of mails)"),
        permissions=["change"],
    )
    def mark_picture_sensitive(self, request, queryset):
        self._mark_sensitive(request, queryset, is_sensitive=True)

    @admin.action(
        description=gettext_lazy("Mark the pictures not sensitive (shown as they are)"),
        permissions=["change"],
    )
    def unmark_picture_sensitive(self, request, queryset):
        self._mark_sensitive(request, queryset, is_sensitive=False)

    @admin.action(
        description=gettext_lazy("Ban the authors (their waiting posts are rejected)"),
        permissions=["change"],
    )
    def ban_authors(self, request, queryset):
        """Asks first: the reason (mailed to them), an end date for a suspension, and whether
        their published posts go too. Nothing is done until the moderator confirms."""
        form = BanAuthorsForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Ban the authors of these posts?"),
                "form": form,
                "comments": queryset.select_related("author_user", "author_subscriber"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/comments/comment/ban_authors.html", context)
        banned, refused = set(), set()
        for comment in queryset.select_related("author_user", "author_subscriber"):
            who = comment.author_user_id or (
                comment.author_subscriber and comment.author_subscriber.email
            )
            if who and who not in banned | refused:
                try:
                    moderator_actions.ban_author(
                        comment,
                        request.user,
                        reason=form.cleaned_data["reason"],
                        until=form.cleaned_data["until"],
                        hide_posts=form.cleaned_data["hide_posts"],
                    )
                except moderator_actions.CannotBan as refusal:
                    refused.add(who)
                    self.message_user(
                        request,
                        gettext("%(name)s: %(refusal)s")
                        % {"name": comment.author_name, "refusal": refusal},
                        messages.ERROR,
                    )
                    continue
                banned.add(who)
        self.message_user(
            request,
            ngettext("Banned %(count)d author(s).", "Banned %(count)d author(s).", len(banned))
            % {"count": len(banned)},
            messages.WARNING,
        )
        return None

    def delete_model(self, request, obj):
        _delete_pictures_of_posts_and_replies([obj.pk])
        super().delete_model(request, obj)
        freshness.thread_changed(obj.article_id)  # its replies went with it: the same thread

    def delete_queryset(self, request, queryset):
        _delete_pictures_of_posts_and_replies(list(queryset.values_list("pk", flat=True)))
        article_ids = set(queryset.values_list("article_id", flat=True))
        super().delete_queryset(request, queryset)
        for article_id in article_ids:
            freshness.thread_changed(article_id)

    def save_model(self, request, obj, form, change):
        """The text and picture description go through moderator_actions.moderator_edit: what
        readers see is rebuilt, cached pages follow, and the audit log keeps the words before
        the edit."""
        if not change:
            return super().save_model(request, obj, form, change)
        stored = Comment.objects.select_related("article").get(pk=obj.pk)
        moderator_actions.moderator_edit(
            stored,
            request.user,
            body=form.cleaned_data["body"],
            image_alt=form.cleaned_data.get("image_alt"),
        )
        obj.refresh_from_db()


class BanAuthorsForm(forms.Form):
    """What "Ban the authors" asks before it bans anyone."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (it is mailed to them)"), max_length=300, strip=True
    )
    until = forms.DateTimeField(
        label=gettext_lazy("Suspend until (empty: a ban for good)"),
        required=False,
        help_text=gettext_lazy("Date and time, for example 2027-01-31 18:00."),
    )
    hide_posts = forms.BooleanField(
        label=gettext_lazy("Also take down their published posts"), required=False
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until is not None and until <= timezone.now():
            raise forms.ValidationError(gettext("A suspension ends in the future."))
        return until


class BanForm(forms.ModelForm):
    person = forms.CharField(
        label=gettext_lazy("Member"),
        required=False,
        help_text=gettext_lazy("Their display name or their account's email address."),
    )

    class Meta:
        model = Ban
        fields = ["person", "email", "until", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.user_id:
            self.fields["person"].initial = self.instance.user.email

    def clean_person(self):
        """The member named by their address or display name (not a number to look up)."""
        typed = self.cleaned_data["person"].strip()
        if not typed:
            return None
        users = get_user_model().objects.all()
        found = list(users.filter(email__iexact=typed)) or list(
            users.filter(display_name__iexact=typed)[:2]
        )
        if not found:
            raise forms.ValidationError(gettext("No member has that name or address."))
        if len(found) > 1:
            raise forms.ValidationError(
                gettext("Several members have that name: type their address instead.")
            )
        return found[0]

    def clean(self):
        data = super().clean()
        data["user"] = data.get("person")
        self.instance.user = data["user"]
        if not (data.get("user") or data.get("email") or self.instance.email_hash):
            raise forms.ValidationError(gettext("Choose the member or type the address to ban."))
        try:
            moderator_actions.check_bannable(user=data.get("user"), email=data.get("email") or "")
        except moderator_actions.CannotBan as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return data


@admin.register(Ban)
class BanAdmin(LabelledDateTimeAdmin, admin.ModelAdmin):
    form = BanForm
    list_display = ["__str__", "reason", "until", "created_by", "created_at"]
    list_select_related = ["user", "created_by"]  # each row names both
    list_filter = ["until"]
    search_fields = ["email", "user__email", "user__display_name", "reason"]
    readonly_fields = ["created_by", "created_at"]
    actions = ["lift"]

    @admin.action(
        description=gettext_lazy("Lift the ban now (they are told)"), permissions=["change"]
    )
    def lift(self, request, queryset):
        lifted = sum(moderator_actions.lift_ban(ban, request.user) for ban in queryset)
        self.message_user(
            request,
            ngettext("Lifted %(count)d ban(s).", "Lifted %(count)d ban(s).", lifted)
            % {"count": lifted},
        )

    def save_model(self, request, obj, form, change):
        is_new = obj.pk is None
        obj.created_by = obj.created_by or request.user
        if obj.user_id or obj.email:  # a ban kept only as a hash keeps its hash
            obj.email_hash = moderator_actions.ban_key(user=obj.user, email=obj.email)
        super().save_model(request, obj, form, change)
        moderator_actions.log(
            request.user,
            "ban" if obj.until is None else "suspend",
            subject=str(obj),
            note=obj.reason,
        )
        moderator_actions.reject_waiting_posts_of(obj, request.user)
        if is_new or "until" in form.changed_data or "reason" in form.changed_data:
            moderator_actions.tell_banned(obj)


def _status_label(status):
    """A post's status as the audit log keeps it ("published"), in words."""
    return Comment.Status(status).label if status in Comment.Status.values else status


class AuditActionFilter(admin.SimpleListFilter):
    """Every action Kindred writes to the log, each in words (they are stored as English keys),
    in the order of those words. Not the actions the log holds: a DISTINCT over a log that only
    grows read all of it on every page view."""

    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((key, str(words)) for key, words in ACTIONS.items()), key=lambda c: c[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(ModerationAction)
class ModerationActionAdmin(EstimatedCountAdmin, admin.ModelAdmin):
    """The audit log is read-only for everyone, superusers included."""

    list_display = [
        "created_at",
        "actor",
        "what_was_done",
        "subject",
        "status_before_shown",
        "status_after_shown",
        "note",
        "text_before_excerpt",
    ]
    list_filter = [AuditActionFilter]
    search_fields = ["subject", "note", "text_before", "actor__display_name"]

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def what_was_done(self, entry):
        return action_shown(entry.action)

    @admin.display(description=gettext_lazy("status before"), ordering="status_before")
    def status_before_shown(self, entry):
        return _status_label(entry.status_before)

    @admin.display(description=gettext_lazy("status after"), ordering="status_after")
    def status_after_shown(self, entry):
        return _status_label(entry.status_after)

    @admin.display(description=gettext_lazy("text before the edit"))
    def text_before_excerpt(self, entry):
        return Truncator(entry.text_before).chars(120)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CrisisResource)
class CrisisResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "how_to_reach", "language", "country", "position"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default
    list_editable = ["position"]
    list_filter = ["language", "country"]


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    list_display = ["phrase", "action", "note"]
    list_filter = ["action"]
    search_fields = ["phrase"]


@admin.register(BlockedAddress)
class BlockedAddressAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "reason", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "reason"]


@admin.register(ModerationRules)
class ModerationRulesAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "max_links",
        "new_author_held_posts",
        "trusted_after_approved",
        "report_threshold",
    ]

    def has_add_permission(self, request):
        return not ModerationRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class RejectionReasonAdminForm(forms.ModelForm):
    """The English text under the field's own name (text), the Spanish beside it (text_es).
    The unsuffixed name reads and writes the active language's column (comments/translation.py),
    so the form fills and applies it with English active, whatever the staff member's language."""

    def __init__(self, *args, **kwargs):
        with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            super().__init__(*args, **kwargs)

    def _post_clean(self):
        with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            super()._post_clean()


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    """The statement of reasons moderators choose from. A reason in use cannot be deleted
    (its posts keep quoting it): untick "offered" to retire it. Each reason has its English
    text and its Spanish one, side by side; a reason without Spanish is quoted in English to
    Spanish readers."""

    # Not modeltranslation's TranslationAdmin (articles/admin.py ArticleAdmin says why).
    form = RejectionReasonAdminForm
    fields = ["code", ("text", "text_es"), "is_active", "position"]
    # Each language's column by name: an unsuffixed one would be the staff member's language's.
    list_display = ["text_en", "text_es", "code", "is_active", "position"]
    list_editable = ["is_active", "position"]

    def get_readonly_fields(self, request, obj=None):
        # Posts point at a reason by its code: once made, it stays (its text may change).
        return ["code"] if obj is not None else []


class AppealStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("waiting", gettext_lazy("Waiting for a decision")),
            ("decided", gettext_lazy("Decided")),
            ("offered", gettext_lazy("Offered, not used")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(submitted_at__isnull=False, outcome="")
        if self.value() == "decided":
            return queryset.exclude(outcome="")
        if self.value() == "offered":
            return queryset.filter(submitted_at=None)
        return queryset


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals wait here for a moderator other than the one who rejected the post."""

    list_display = [
        "excerpt",
        "reason",
        "submitted_at",
        "rejected_by_name",
        "state",
        "decided_by_name",
    ]
    list_filter = [AppealStateFilter]
    list_select_related = ["reason", "rejected_by", "decided_by"]
    ordering = ["outcome", "-submitted_at"]
    fields = readonly_fields = [
        "post",
        "reason",
        "rejected_by_name",
        "offered_at",
        "text",
        "submitted_at",
        "state",
        "decided_by_name",
        "decided_at",
        "decision_note",
    ]
    change_form_template = "admin/comments/appeal/change_form.html"

    @admin.display(description=gettext_lazy("post"))
    def excerpt(self, appeal):
        return Truncator(appeal.comment.body).chars(100) or gettext("(a picture)")

    @admin.display(description=gettext_lazy("post"))
    def post(self, appeal):
        """On the appeal's page: the post, linked to its own page (its thread, its history)."""
        url = reverse("admin:comments_comment_change", args=[appeal.comment_id])
        text = Truncator(appeal.comment.body).chars(100) or gettext("(a picture)")
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=gettext_lazy("reason given"))
    def reason(self, appeal):
        return appeal.reason or "—"

    @admin.display(description=gettext_lazy("rejected by"))
    def rejected_by_name(self, appeal):
        return appeal.rejected_by.display_name if appeal.rejected_by_id else "—"

    @admin.display(description=gettext_lazy("decided by"))
    def decided_by_name(self, appeal):
        return appeal.decided_by.display_name if appeal.decided_by_id else "—"

    @admin.display(description=gettext_lazy("state"))
    def state(self, appeal):
        if appeal.outcome:
            return appeal.get_outcome_display()
        if appeal.submitted_at:
            return gettext("Waiting for a decision")
        return gettext("Offered, not used")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("comment__article")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:pk>/decide/", decide, name="comments_appeal_decide"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["may_decide"] = (
            obj is not None
            and obj.is_waiting
            and self.has_change_permission(request, obj)
            and appeals.may_decide(obj, request.user)
        )
        context["decided_it"] = obj is not None and not appeals.may_decide(obj, request.user)
        # Everything on the page is read only: it is decided with the box's buttons.
        context.update(show_save=False, show_save_and_continue=False, show_delete=False)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def decide_view(self, request, pk):
        appeal = get_object_or_404(
            Appeal.objects.select_related(
                "comment__article", "comment__author_user", "comment__author_subscriber"
            ),
            pk=pk,
        )
        if request.method != "POST" or not self.has_change_permission(request, appeal):
            raise PermissionDenied
        outcome = request.POST.get("outcome")
        note = request.POST.get("note", "").strip()[:1000]
        if outcome not in Appeal.Outcome.values:
            self.message_user(request, gettext("Choose restore or uphold."), messages.ERROR)
        else:
            try:
                appeals.decide(appeal, request.user, outcome, note)
            except appeals.CannotDecide as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Decided: %(outcome)s. The author is told by mail.")
                    % {"outcome": Appeal.Outcome(outcome).label},
                )
        return redirect("admin:comments_appeal_change", appeal.pk)
