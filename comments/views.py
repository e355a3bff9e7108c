"""Posting, editing, removing, reporting and hugging comments. Thin: forms in, domain calls out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.ratelimits import client_ip, hit
from articles.models import Article
from comments import notifications, pictures, posting, reports
from comments.forms import CommentForm, EditForm, ReportForm, form_started_token
from comments.models import Comment, Report
from comments.pictures import PictureError
from comments.privacy_nudge import find_personal_details
from comments.thread import ORDER_COOKIE, ORDERS, render_one
from kindred.uploads import protect_upload


def _wants_json(request):
    return request.headers.get("Accept", "").startswith("application/json")


def _is_within_rate_limits(request, author, limits=None, action="comment"):
    """Posts and edits share one count (`action` "comment"); reports have their own."""
    for limit, window in limits or settings.COMMENTS_RATE_LIMITS:
        for scope, identity in (("ip", client_ip(request)), ("who", author.identity)):
            if not hit(f"{action}-{scope}-{window}", identity, limit, window):
                return False
    return True


def _personal_details(body, image_alt=""):
    """What the privacy nudge names: details in the text, and in the picture description,
    which everyone reads too (said as such, so the author knows where to look)."""
    details = find_personal_details(body)
    if image_alt:
        details += [
            gettext("%(detail)s in the picture description") % {"detail": detail}
            for detail in find_personal_details(image_alt)
        ]
    return details


TOO_FAST = gettext_noop("You are posting very fast. Please wait a minute and try again.")


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
                "Your post will appear once you open the link we emailed you. Look in your "
                "spam folder if it has not arrived in a few minutes."
            ),
        )


def _compose(request, article, form, author, status=400, details=(), parent=None):
    """The post form on a page of its own, with what the author typed and what to fix."""
    context = {
        "article": article,
        "form": form,
        "author": author,
        "parent": parent,
        "details": details,
        "started": form_started_token(author),
        "max_length": settings.COMMENTS_MAX_LENGTH,
    }
    if _wants_json(request):
        html = render_to_string("comments/_compose_errors.html", context, request=request)
        # The form on the page is sent again with a fresh token (each is good for one send).
        return JsonResponse(
            {"ok": False, "html": html, "started": context["started"]}, status=status
        )
    return render(request, "comments/compose.html", context, status=status)


@require_POST
def post_comment(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    author = posting.author_for(request)
    if author is None:
        return redirect(article.get_absolute_url() + "#comments")
    form = CommentForm(request.POST, request.FILES, author=author)
    parent = None
    if not form.is_valid():
        return _compose(request, article, form, author)
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(
            pk=form.cleaned_data["parent"], article=article, status=Comment.Status.PUBLISHED
        ).first()
        if parent is None:
            form.add_error(None, "The post you replied to is no longer there.")
            return _compose(request, article, form, author)
    duplicate = posting.find_duplicate(
        article=article, author=author, body=form.cleaned_data["body"], parent=parent
    )
    if duplicate is not None:  # sent again (Back, then Post): the post is there once
        if _wants_json(request):
            html = render_one(request, duplicate, author)
            started = form_started_token(author)
            return JsonResponse({"ok": True, "id": duplicate.pk, "html": html, "started": started})
        messages.info(request, gettext("You had already posted this. Here it is."))
        return redirect(f"{article.get_absolute_url()}#comment-{duplicate.pk}")
    # Counted before the personal-details scan, the costly part, so a flood cannot run it.
    if not _is_within_rate_limits(request, author):
        form.add_error(None, gettext(TOO_FAST))
        return _compose(request, article, form, author, status=429, parent=parent)
    image_alt = form.cleaned_data.get("image_alt", "") if form.cleaned_data.get("image") else ""
    details = _personal_details(form.cleaned_data["body"], image_alt)
    if details and not form.cleaned_data["confirm_details"]:
        return _compose(request, article, form, author, status=200, details=details, parent=parent)
    try:
        comment, decision = posting.create_comment(
            article=article,
            author=author,
            body=form.cleaned_data["body"],
            picture=form.cleaned_data.get("image"),
            image_alt=form.cleaned_data.get("image_alt", ""),
            parent=parent,
            ip=client_ip(request),
        )
    except PictureError as error:
        form.add_error("image", str(error))
        return _compose(request, article, form, author, parent=parent)
    if comment is None:
        form.add_error(None, decision.message)
        return _compose(request, article, form, author, status=403, parent=parent)
    if _wants_json(request):
        html = render_one(request, comment, author)
        started = form_started_token(author)
        return JsonResponse({"ok": True, "id": comment.pk, "html": html, "started": started})
    _tell_what_happens(request, comment)
    return redirect(f"{article.get_absolute_url()}#comment-{comment.pk}")


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
        return render(request, "comments/edit_closed.html", {"comment": comment}, status=403)
    form = EditForm(
        request.POST or None,
        has_picture=bool(comment.image),
        initial={"body": comment.body, "image_alt": comment.image_alt},
    )
    context = {"comment": comment, "form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "comments/edit.html", context, status=400 if form.errors else 200)
    if not _is_within_rate_limits(request, author):
        form.add_error(None, gettext(TOO_FAST))
        return render(request, "comments/edit.html", context, status=429)
    image_alt = form.cleaned_data.get("image_alt") if comment.image else ""
    details = _personal_details(form.cleaned_data["body"], image_alt)
    if details and not form.cleaned_data["confirm_details"]:
        return render(request, "comments/edit.html", {**context, "details": details})
    status, decision = posting.edit_comment(
        comment,
        author,
        form.cleaned_data["body"],
        form.cleaned_data.get("image_alt"),
        ip=client_ip(request),
    )
    if status is None:
        form.add_error(None, gettext(decision.message))
        return render(request, "comments/edit.html", context, status=403)
    _tell_what_happens(request, comment)
    return redirect(comment.get_absolute_url())


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
    if author is None:
        return render(request, "comments/report_who.html", {"comment": comment}, status=403)
    if reports.is_own_post(comment, author):
        return render(request, "comments/report_own.html", {"comment": comment}, status=403)
    form = ReportForm(request.POST or None)
    context = {"comment": comment, "form": form}
    if request.method == "POST" and form.is_valid():
        limits = settings.COMMENTS_REPORT_RATE_LIMITS
        if not _is_within_rate_limits(request, author, limits, action="report"):
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
                {"hugged": hugged, "count": comment.hug_count, "error": message}, status=429
            )
        return render(
            request, "comments/slow_down.html", {"comment": comment, "message": message}, status=429
        )
    has_hugged = reports.toggle_hug(comment, request.user)
    if _wants_json(request):
        comment.refresh_from_db(fields=["hug_count"])
        return JsonResponse({"hugged": has_hugged, "count": comment.hug_count})
    return redirect(comment.get_absolute_url())


def set_order(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    order = request.GET.get("order")
    response = redirect(f"{article.get_absolute_url()}#comments")
    if order in ORDERS:
        response.set_cookie(ORDER_COOKIE, order, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_http_methods(["GET", "POST"])
def replies_off(request, token):
    if request.method == "POST":
        ok = notifications.turn_off_replies(token)
        return render(request, "comments/replies_off.html", {"done": ok}, status=200 if ok else 400)
    return render(request, "comments/replies_off.html", {"ask": True})


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
