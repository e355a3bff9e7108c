"""Subscribing, confirming, unsubscribing; a member's settings, data export and deletion."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import deliverability, privacy, profiles, subscriptions
from accounts.forms import AccountSettingsForm, DeleteAccountForm, SubscribeForm
from accounts.models import Subscriber, User
from accounts.ratelimits import client_ip, hit
from kindred import freshness, languages


@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "GET":
        return render(request, "accounts/subscribe.html", {"form": SubscribeForm()})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/subscribe.html", {"form": form}, status=400)
    limit, window = settings.SUBSCRIBE_RATE_LIMIT
    if not hit("subscribe", client_ip(request), limit, window, fail_closed=True):
        form.add_error(
            None,
            gettext(
                "Too many sign-ups from your network in the last hour. Please try again later."
            ),
        )
        return render(request, "accounts/subscribe.html", {"form": form}, status=429)
    source = form.cleaned_data["source"]
    if source not in Subscriber.Source.values:
        source = Subscriber.Source.PAGE
    from_comments = source == Subscriber.Source.COMMENTS
    subscriber = subscriptions.subscribe(
        form.cleaned_data["name"],
        form.cleaned_data["email"],
        source,
        user=request.user,
        guest_key=subscriptions.guest_key(request),
        newsletter=form.cleaned_data["newsletter"] or not from_comments,
    )
    # The guest who shared name + email may now read the conversation (comments app), under
    # the name typed here: until this browser proves the address, it is shown nothing else.
    subscriptions.remember_guest(request, subscriber, name=form.cleaned_data["name"])
    if subscriber.user_id and subscriber.user_id == request.user.pk and subscriber.is_subscribed:
        return render(request, "accounts/subscribe_thanks.html", {"subscriber": subscriber})
    back = form.cleaned_data["next"]
    if from_comments and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # Back to the conversation, at the post they came for: the same words whether or not
        # the address is known (the box must not tell who reads what).
        messages.info(
            request,
            gettext(
                "You can read and join the conversation now. If your address still needs "
                "confirming, a mail with a link is on its way: your posts wait until you open "
                "it. Nothing there in a few minutes? Look in your spam folder."
            ),
        )
        return redirect(back)
    return redirect("accounts:subscribe-sent")


def subscribe_sent(request):
    return render(request, "accounts/subscribe_sent.html")


# Mail scanners open links, so GET only shows a button; the POST confirms.
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    link = subscriptions.check_confirmation(token)
    if link.outcome is subscriptions.Confirmation.ALREADY_CONFIRMED:
        return render(
            request,
            "accounts/subscribe_thanks.html",
            {"subscriber": link.subscriber, "was_already": True},
        )
    if link.outcome is not subscriptions.Confirmation.CONFIRMED:
        return render(
            request,
            "accounts/subscribe_link_problem.html",
            {"outcome": link.outcome.value},
            status=400,
        )
    if request.method == "GET":
        posts = subscriptions.shown_posts(link)
        here = request.session.get(subscriptions.GUEST_KEY_SESSION_KEY, "")
        elsewhere = not subscriptions.is_asking_browser(link, here)
        return render(
            request,
            "accounts/subscribe_confirm.html",
            {
                "subscriber": link.subscriber,
                "name": link.name,
                "posts": posts,
                "pictures_go_to_moderators": elsewhere and any(p.has_picture for p in posts),
            },
        )
    link = subscriptions.confirm(token, confirming_key=subscriptions.guest_key(request))
    subscriptions.remember_guest(request, link.subscriber, proven=True)
    return render(request, "accounts/subscribe_thanks.html", {"subscriber": link.subscriber})


# Mail programs send RFC 8058 one-click POSTs without a CSRF token; the unguessable key in the
# URL is what authorizes the request. GET only shows a button, because mail scanners follow links.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, key):
    subscriber = subscriptions.by_unsubscribe_key(key)
    if subscriber is None:
        return render(request, "accounts/unsubscribe.html", {"is_unknown": True}, status=404)
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(gettext("Unsubscribed.") + "\n", content_type="text/plain")
        return render(
            request, "accounts/unsubscribe.html", {"subscriber": subscriber, "is_done": True}
        )
    return render(
        request,
        "accounts/unsubscribe.html",
        {"subscriber": subscriber, "is_done": subscriber.unsubscribed_at is not None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    wants = subscriptions.member_wants_newsletter(request.user)
    form = AccountSettingsForm(
        request.POST or None, instance=request.user, initial={"wants_newsletter": wants}
    )
    if request.method == "POST" and form.is_valid():
        shown = [name for name in User.SHOWN_ON_PAGES if name in form.changed_data]
        # A new name (or role) refreshes every cached page (it may show on any of them): a few
        # a day.
        limit, window = settings.ACCOUNT_RENAME_RATE_LIMIT
        if shown and not hit(f"rename-{window}", request.user.pk, limit, window):
            form.add_error(
                shown[0],
                gettext(
                    "You have changed your name several times today. Please keep this one "
                    "until tomorrow; your other settings are as you left them."
                )
                if shown[0] == "display_name"
                else gettext(
                    "You have changed how you appear on your posts several times today. Please "
                    "keep this until tomorrow; your other settings are as you left them."
                ),
            )
            return render(
                request, "accounts/settings.html", _settings_context(request, form), status=429
            )
        member = form.save()
        profiles.sync_handle(member)
        if shown:  # not a form sent unchanged
            freshness.site_changed()
        if form.cleaned_data["wants_newsletter"] != wants:
            subscriptions.set_member_newsletter(request.user, form.cleaned_data["wants_newsletter"])
        # The next page is in the language just chosen: so is the word that it was saved.
        with translation.override(member.language or translation.get_language()):
            messages.success(request, gettext("Your settings are saved."))
        response = redirect("accounts:settings")
        if "language" in form.changed_data:
            languages.remember(response, member.language)
        return response
    return render(request, "accounts/settings.html", _settings_context(request, form))


def _settings_context(request, form):
    return {"form": form, "bounces": deliverability.suppression_of(request.user.email)}


@login_required
@require_POST
def export_data(request):
    return _data_download(privacy.export_member(request.user))


def _data_download(sections):
    """ "Download my data": what we hold, as one JSON file."""
    data = {"exported_at": timezone.now().isoformat(), "site": settings.SITE_URL, **sections}
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="kindred-my-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        keep = form.cleaned_data["comments"] == DeleteAccountForm.KEEP
        logout(request)
        privacy.delete_member(user, keep_contributions=keep)
        messages.success(request, gettext("Your account and personal data have been deleted."))
        return redirect("articles:list")
    return render(request, "accounts/delete.html", {"form": form})


# --- A guest's own data, reached through the key in any mail we sent them ----------------------
# The key is unguessable (token_urlsafe(32)) and these pages are private, never cached and never
# indexed. Mail scanners follow links, so GET only shows buttons; the POST acts.


def _guest_data_page(request, template, context, status=200):
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _guest_by_key(request, key, template):
    """The guest the key names, or the page to answer with instead (unknown key, a member)."""
    subscriber = subscriptions.by_unsubscribe_key(key)
    if subscriber is None:
        return None, _guest_data_page(request, template, {"is_unknown": True}, status=404)
    if subscriber.user_id:
        # A member's data goes with their account: export and deletion are on its settings page.
        return None, _guest_data_page(request, template, {"is_member": True})
    return subscriber, None


@never_cache
@require_http_methods(["GET", "POST"])
def guest_data(request, key):
    subscriber, answer = _guest_by_key(request, key, "accounts/guest_data.html")
    if answer is not None:
        return answer
    if request.method == "GET":
        return _guest_data_page(request, "accounts/guest_data.html", {"subscriber": subscriber})
    response = _data_download(privacy.export_guest(subscriber))
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def guest_delete(request, key):
    subscriber, answer = _guest_by_key(request, key, "accounts/guest_delete.html")
    if answer is not None:
        return answer
    if request.method == "GET":
        return _guest_data_page(request, "accounts/guest_delete.html", {"subscriber": subscriber})
    if subscriptions.guest_subscriber_id(request) == subscriber.pk:  # this browser forgets them
        subscriptions.forget_guest(request)
    privacy.delete_guest(subscriber)
    return _guest_data_page(request, "accounts/guest_delete.html", {"is_done": True})
