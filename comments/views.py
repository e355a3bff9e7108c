"""Posting, editing, removing, reporting and hugging comments. Thin: forms in, domain calls out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import profiles
from accounts.ratelimits import client_ip, hit
from articles.models import Article
from articles.recent import keep_until_next_publication
from articles.templatetags.articles import lang_of
from comments import (
    appeal_links,
    appeals,
    notifications,
    pictures,
    posting,
    rate_limits,
    reports,
    thread,
    thread_html,
)
from comments.feeds import ArticleCommentsFeed, LatestCommentsFeed
from comments.forms import AppealForm, CommentForm, EditForm, ReportForm, form_started_token
from comments.models import Comment, Report
from comments.pictures import PictureError
from comments.thread import ORDER_COOKIE, ORDERS, render_one
from kindred import freshness, page_cache, replicas
from kindred.uploads import protect_upload


def _wants_json(request):
    return request.headers.get("Accept", "").startswith("application/json")


def _tell_what_happens(request, comment):
    """A post that others cannot see yet says why, and what comes next."""
    if comment.status == Comment.Status.PENDING:
        messages.info(
            request,
            gettext(
                "Your post waits for a moderator before others can see it. Moderators read "
                "a new member's first posts, posts with many links and posts with certain "
                "words first. We will email you when they have looked at it."
            ),
        )
    elif comment.status == Comment.Status.AWAITING_EMAIL:
        messages.info(
            request,
            gettext(
                "Your post is sent on once you open the link we emailed you; it may then wait "
                "for a moderator before others see it. Look in your spam folder if the mail "
                "has not arrived in a few minutes."
            ),
        )


def _refused(form, decision):
    """The policy refused the send: the author is told, in the form, with what they wrote."""
    message = gettext(decision.message)
    if decision.until is not None:  # a suspension says when it ends
        until = formats.date_format(timezone.localtime(decision.until), "DATETIME_FORMAT")
        message = message % {"until": until}
    form.add_error(None, ValidationError(message, code="refused"))


def _status_of(form):
    """The answer's status for a form shown again: what stopped its send."""
    if not form.is_bound or form.is_asking_about_details:
        return 200
    if form.has_error(NON_FIELD_ERRORS, "refused"):
        return 403
    if form.has_error(NON_FIELD_ERRORS, "rate_limited"):
        return 429
    return 400


def _form_again(request, form):
    """The post form with what the author typed and what stopped it: in the page's own form
    when posted with JavaScript, else on a page of its own."""
    if _wants_json(request):
        html = render_to_string("comments/_compose_errors.html", {"form": form}, request=request)
        # The form on the page is sent again with a fresh token (each is good for one send).
        return JsonResponse(
            {"ok": False, "html": html, "started": form.started_token}, status=_status_of(form)
        )
    return render(request, "comments/compose.html", {"form": form}, status=_status_of(form))


def _posted(request, comment, author, is_repeat):
    if _wants_json(request):
        answer = {
            "ok": True,
            "id": comment.pk,
            "html": render_one(request, comment, author),
            "started": form_started_token(author),
        }
        if comment.parent_id:  # the label of the list of replies the page may have to start
            name = comment.parent.author_name
            answer["replies_label"] = gettext("Replies to %(name)s") % {"name": name}
        return JsonResponse(answer)
    if is_repeat:  # sent again (Back, then Post): the post is there once
        messages.info(request, gettext("You had already posted this. Here it is."))
    else:
        _tell_what_happens(request, comment)
    return redirect(comment.get_absolute_url())


@require_POST
def post_comment(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    author = posting.author_for(request)
    if author is None:
        return redirect(article.get_absolute_url() + "#comments")
    ip = client_ip(request)
    form = CommentForm(
        request.POST, request.FILES, author=author, article=article, ip=ip, auto_id="compose-%s"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            comment, decision = posting.create_comment(
                article=article,
                author=author,
                body=data["body"],
                picture=data["image"],
                image_alt=data["image_alt"],
                is_picture_sensitive=data["is_picture_sensitive"],
                parent=data["parent"],
                ip=ip,
                members_only=data.get("members_only", False),
            )
        except PictureError as error:
            form.add_error("image", str(error))
        else:
            if comment is not None:
                return _posted(request, comment, author, is_repeat=decision is None)
            _refused(form, decision)
    return _form_again(request, form)


def _own_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    author = posting.author_for(request)
    if author is None or not comment.is_by(author.user, author.guest_key):
        raise Http404("Not your post.")
    return comment, author


@require_http_methods(["GET", "POST"])
def edit_comment(request, pk):
    """An edit goes through the same steps as a new post: rate limit, privacy nudge, policy."""
    comment, author = _own_comment(request, pk)
    if not posting.can_edit(comment):
        context = {"comment": comment, "edit_minutes": settings.COMMENTS_EDIT_MINUTES}
        return render(request, "comments/edit_closed.html", context, status=403)
    ip = client_ip(request)
    form = EditForm(request.POST or None, comment=comment, author=author, ip=ip)
    if form.is_valid():
        data = form.cleaned_data
        status, decision = posting.edit_comment(
            comment,
            author,
            data["body"],
            data.get("image_alt"),
            ip=ip,
            is_picture_sensitive=data.get("is_picture_sensitive"),
        )
        if status is not None:
            _tell_what_happens(request, comment)
            return redirect(comment.get_absolute_url())
        _refused(form, decision)
    context = {"comment": comment, "form": form}
    return render(request, "comments/edit.html", context, status=_status_of(form))


@require_http_methods(["GET", "POST"])
def delete_comment(request, pk):
    comment, _ = _own_comment(request, pk)
    if request.method == "POST":
        posting.remove_comment(comment)
        return redirect(f"{comment.article.get_absolute_url()}#comments")
    return render(request, "comments/delete.html", {"comment": comment})


@require_http_methods(["GET", "POST"])
def report_comment(request, pk):
    comment = get_object_or_404(
        Comment.objects.select_related("article", "author_user", "author_subscriber"),
        pk=pk,
        status=Comment.Status.PUBLISHED,
    )
    author = posting.author_for(request)
    if comment.members_only and not (author is not None and author.is_member):
        raise Http404("No such comment.")  # shown to members only: not there for them
    if author is None:
        return render(request, "comments/report_who.html", {"comment": comment}, status=403)
    if reports.is_own_post(comment, author):
        return render(request, "comments/report_own.html", {"comment": comment}, status=403)
    form = ReportForm(request.POST or None)
    context = {"comment": comment, "form": form}
    if request.method == "POST" and form.is_valid():
        limits = settings.COMMENTS_REPORT_RATE_LIMITS
        if not rate_limits.is_within(client_ip(request), author, limits, action="report"):
            form.add_error(
                None,
                gettext(
                    "You have sent many reports in a short time. Please wait a while and "
                    "try again; if someone is in danger, call your local emergency number."
                ),
            )
            return render(request, "comments/report.html", context, status=429)
        reason = form.cleaned_data["reason"]
        outcome = reports.report_comment(
            comment, author, reason, form.cleaned_data["note"], ip=client_ip(request)
        )
        return render(
            request,
            "comments/report_done.html",
            {
                "comment": comment,
                "outcome": outcome,
                "is_new": outcome != reports.REPEATED,
                "is_crisis": reason == Report.Reason.SELF_HARM,
            },
        )
    if request.method == "GET" and reports.has_reported(comment, author):
        return render(
            request,
            "comments/report_done.html",
            {"comment": comment, "is_new": False, "outcome": reports.REPEATED},
        )
    return render(request, "comments/report.html", context, status=400 if form.errors else 200)


def _hugs(count):
    """The count of hugs as the thread shows it (for the page's script)."""
    return thread_html.hugs_label(count)


@login_required
@require_POST
def hug_comment(request, pk):
    comment = get_object_or_404(Comment, pk=pk, status=Comment.Status.PUBLISHED)
    if comment.author_user_id == request.user.pk:
        return HttpResponseForbidden(gettext("You cannot hug your own post."))
    limit, window = settings.COMMENTS_HUG_RATE_LIMIT
    # Each hug changes the page for everyone (a cache flush): a loop of them is refused.
    if not hit(f"hug-{window}", request.user.pk, limit, window):
        message = gettext("You are hugging very fast. Please wait a minute and try again.")
        if _wants_json(request):
            comment.refresh_from_db(fields=["hug_count"])
            hugged = comment.hugs.filter(user=request.user).exists()
            return JsonResponse(
                {
                    "hugged": hugged,
                    "count": comment.hug_count,
                    "label": _hugs(comment.hug_count),
                    "error": message,
                },
                status=429,
            )
        return render(
            request, "comments/slow_down.html", {"comment": comment, "message": message}, status=429
        )
    has_hugged = reports.toggle_hug(comment, request.user)
    if _wants_json(request):
        comment.refresh_from_db(fields=["hug_count"])
        return JsonResponse(
            {"hugged": has_hugged, "count": comment.hug_count, "label": _hugs(comment.hug_count)}
        )
    return redirect(comment.get_absolute_url())


def set_order(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    order = request.GET.get("order")
    response = redirect(f"{article.get_absolute_url()}#comments")
    if order in ORDERS:
        response.set_cookie(ORDER_COOKIE, order, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@csrf_exempt  # mail programs' one-click POSTs carry no token: the signed link is the key
@require_http_methods(["GET", "POST"])
def replies_off(request, token):
    if request.method == "POST":
        ok = notifications.turn_off_replies(token)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(gettext("Reply mails are off.") + "\n", content_type="text/plain")
        return render(request, "comments/replies_off.html", {"done": ok}, status=200 if ok else 400)
    return render(request, "comments/replies_off.html", {"ask": True})


@csrf_exempt  # mail programs' one-click POSTs carry no token: the signed link is the key
@require_http_methods(["GET", "POST"])
def digest_off(request, token):
    """The moderators' digest's unsubscribe link: GET asks, POST stops the digest."""
    if request.method == "POST":
        ok = notifications.turn_off_digest(token)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(gettext("The digest is off.") + "\n", content_type="text/plain")
        context = {"done": ok}
        return render(request, "comments/digest_off.html", context, status=200 if ok else 400)
    return render(request, "comments/digest_off.html", {"ask": True})


@require_safe
def picture(request, pk, size):
    """The picture of a post that is not published, for its author and the moderators only;
    anyone else gets the same 404 as for a post that does not exist."""
    comment = get_object_or_404(Comment, pk=pk)
    field = {"full": comment.image, "thumb": comment.image_thumb}.get(size)
    if not field:
        raise Http404
    if not pictures.is_private(field.name):
        return redirect(field.url)  # published since the page that links here was made
    author = posting.author_for(request)
    if not pictures.may_see(comment, request.user, author.guest_key if author else ""):
        raise Http404
    with field.storage.open(field.name, "rb") as handle:  # re-encoded: a few hundred KB at most
        response = HttpResponse(handle.read())
    protect_upload(response, field.name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def appeal(request, token):
    """The link in a rejection mail: its author asks, once, for a second look (the token is
    the key; no log-in needed). A used, expired or unknown link says so."""
    found = appeal_links.find(token)
    if found is None:
        return render(request, "comments/appeal.html", {"state": "unknown"}, status=404)
    state = appeals.state(found)
    form = AppealForm(request.POST if request.method == "POST" and state == "open" else None)
    context = {
        "appeal": found,
        "comment": found.comment,
        "state": state,
        "form": form,
        "appeal_days": appeal_links.APPEAL_DAYS,
        "moderation_reply_to": settings.MODERATION_REPLY_TO,
    }
    if form.is_bound and form.is_valid():
        if not hit("appeal", client_ip(request), 10, 3600):
            form.add_error(None, gettext("Too many tries from your network. Please wait an hour."))
            return render(request, "comments/appeal.html", context, status=429)
        if appeals.submit(found, form.cleaned_data["text"]):
            context["state"] = "just_sent"
        else:
            context["state"] = "sent"
    status = 400 if form.errors else 410 if state == "expired" else 200
    return render(request, "comments/appeal.html", context, status=status)


@require_safe
def comment_link(request, pk):
    """/c/<id>/, the address of one post in mails, the admin and feeds: the page of the thread
    that holds it, scrolled to it. A reader stopped by the read gate gets the gate first, and
    comes back here after it; a post they may not see says why instead of a silent miss."""
    comment = Comment.objects.select_related("article").filter(pk=pk).first()
    if comment is None or not comment.article.is_published:
        return _link_answer(request, None, "missing", status=404)
    author = posting.author_for(request)
    article = comment.article
    visible = Comment.objects.visible_to(
        user=author.user if author else None, guest_key=author.guest_key if author else ""
    )
    if not visible.filter(pk=comment.pk).exists():
        # A published post for members, to a reader who is not one: say so (nothing of it).
        for_members = comment.members_only and comment.is_published
        why, status = ("members", 403) if for_members else ("hidden", 404)
        return _link_answer(request, comment, why, status=status)
    if not thread.can_read(request, author):
        return redirect(f"{article.get_absolute_url()}?c={comment.pk}#comments")
    if comment.is_removed and not visible.filter(parent=comment).exists():
        return _link_answer(request, comment, "removed", status=410)
    page = thread.page_number_of(request, comment, visible)
    cpage = f"?cpage={page}" if page > 1 else ""
    return redirect(f"{article.get_absolute_url()}{cpage}#comment-{comment.pk}")


def _link_answer(request, comment, why, status):
    context = {"comment": comment, "why": why, "next": request.get_full_path()}
    return render(request, "comments/link_missing.html", context, status=status)


POSTS_PER_PAGE = 20

# What a list of posts reads of each post's article to name it as this reader is shown it
# (articles/translation.py): each language's title and which translations are reviewed, with
# no query of its own. `article__title` alone is the English title, whatever the page's language.
ARTICLE_AS_SHOWN = (
    *(f"article__title_{code}" for code, _name in settings.LANGUAGES),
    "article__reviewed_translations",
    "article__slug",
)


def _naming_articles(page):
    """The page with each post's `article_title`: its article's title as this reader is shown
    it, an English one marked lang="en" on a page in another language (WCAG 3.1.2)."""
    page.object_list = list(page.object_list)
    for post in page.object_list:
        mark = lang_of(post.article)
        title = post.article.title
        post.article_title = format_html("<span{}>{}</span>", mark, title) if mark else title
    return page


@require_safe
def member_profile(request, handle):
    """/members/<handle>/: a member's display name, who they are, their bio and their published
    posts, newest first (members-only posts to members only). Nothing at all while the member
    keeps their profile private (the default): the same 404 as for no such member."""
    from accounts.models import User

    member = User.objects.filter(handle=handle, profile_public=True, is_active=True).first()
    if member is None:
        raise Http404("No such member.")
    posts = Comment.objects.filter(
        author_user=member,
        status=Comment.Status.PUBLISHED,
        article__in=Article.objects.published(),
    )
    # Only what the thread itself shows this reader: a reply under a post taken down, waiting
    # or (to a visitor) for members only is left out with it.
    shown_root = Q(root=None) | Q(root__status=Comment.Status.PUBLISHED)
    if not request.user.is_authenticated:
        posts = posts.filter(members_only=False)
        shown_root = Q(root=None) | Q(
            root__status=Comment.Status.PUBLISHED, root__members_only=False
        )
    posts = posts.filter(shown_root)
    posts = posts.select_related("article").only(
        "pk", "body_html", "image", "image_alt", "created_at", *ARTICLE_AS_SHOWN
    )
    page = Paginator(posts.order_by("-created_at", "-pk"), POSTS_PER_PAGE).get_page(
        thread.requested_page(request)
    )
    page = _naming_articles(page)
    context = {
        "member": member,
        "role": profiles.shown_role(member.role, member.profession_verified),
        "page": page,
    }
    return render(request, "comments/profile.html", context)


@login_required
@require_safe
def own_posts(request):
    """/account/posts/: every post of the member's, whatever its state (waiting, published,
    rejected with its reason, removed), newest first."""
    posts = (
        Comment.objects.filter(author_user=request.user)
        .select_related("article", "rejection_reason")
        .only(
            *("pk", "body", "status", "created_at", "members_only", "image", "rejection_reason"),
            *ARTICLE_AS_SHOWN,
            "rejection_reason__text",
            # The reason in the member's language (comments/translation.py).
            *(f"rejection_reason__text_{code}" for code, _name in settings.LANGUAGES),
        )
        .order_by("-created_at", "-pk")
    )
    page = _naming_articles(
        Paginator(posts, POSTS_PER_PAGE).get_page(thread.requested_page(request))
    )
    return render(request, "comments/own_posts.html", {"page": page})


# --- Feeds (comments/feeds.py) --------------------------------------------------------------


def _feed_of_article_shows(request, slug):
    """The counters an article's comment feed shows: the site's (names, whether the article is
    live) and its article's (the thread)."""
    article_id = Article.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if article_id is None:
        return [freshness.SITE]  # not found: nothing is stored
    return [freshness.SITE, freshness.article(article_id)]


def _latest_comments_show(request):
    return [freshness.SITE, freshness.COMMENTS]


def _until_next_publication():
    # Posts on a scheduled article join the feeds when it goes live, without any write.
    return keep_until_next_publication(settings.PAGE_CACHE_SECONDS)


@page_cache.cache_page(depends_on=_feed_of_article_shows, expires=_until_next_publication)
@require_safe
@replicas.replica_reads
def article_comments_feed(request, slug):
    return ArticleCommentsFeed()(request, slug=slug)


@page_cache.cache_page(depends_on=_latest_comments_show, expires=_until_next_publication)
@require_safe
@replicas.replica_reads
def latest_comments_feed(request):
    return LatestCommentsFeed()(request)
