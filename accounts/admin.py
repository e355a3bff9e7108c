import csv

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import deliverability, privacy, profiles
from accounts.mail import retry_due
from accounts.models import Delivery, MailSuppression, Subscriber, User
from kindred import freshness
from kindred.admin_paginator import EstimatedCountAdmin
from kindred.admin_widgets import LabelledDateTimeAdmin


@admin.register(User)
class UserAdmin(EstimatedCountAdmin, LabelledDateTimeAdmin, BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = [
        "email",
        "display_name",
        "role",
        "profession_verified",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_active", "role"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["profession_verified_at", "agreed_to_terms_at", "handle"]
    actions = ["revoke_profession"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profile"),
            {"fields": ["display_name", "bio", "notify_replies", "language", "handle"]},
        ),
        (
            _("Who is speaking"),
            {
                "fields": [
                    "role",
                    "living_with",
                    "profile_public",
                    "profession_verified",
                    "profession_verified_at",
                ],
                "description": _(
                    "“Health professional” shows on their posts only with a verified "
                    "profession: type it (e.g. “Registered nurse”) once you have checked it; "
                    "empty it to revoke. Both are in the audit log."
                ),
            },
        ),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        verified = obj.profession_verified
        if "profession_verified" in form.changed_data:  # granted or revoked below, audited
            obj.profession_verified = form.initial.get("profession_verified", "")
        super().save_model(request, obj, form, change)
        if "profession_verified" in form.changed_data:
            profiles.verify_profession(obj, request.user, verified)
        profiles.sync_handle(obj)
        if change and set(form.changed_data) & set(User.SHOWN_ON_PAGES):
            freshness.site_changed()  # a new member shows nowhere yet

    @admin.action(description=_("Revoke the verified profession (audited)"))
    def revoke_profession(self, request, queryset):
        revoked = sum(profiles.verify_profession(user, request.user, "") for user in queryset)
        self.message_user(request, gettext("Revoked for %(count)d member(s).") % {"count": revoked})

    # Deleting here is the member's own account deletion (accounts.privacy.delete_member), with
    # their posts kept anonymously: a plain delete left their words, IP addresses, pictures and
    # subscription behind. The confirmation pages say so (templates/admin/accounts/user/).
    def delete_model(self, request, obj):
        privacy.delete_member(obj, keep_contributions=True)

    def delete_queryset(self, request, queryset):
        for user in list(queryset):
            privacy.delete_member(user, keep_contributions=True)


class _YesNoFilter(admin.SimpleListFilter):
    field = ""

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{f"{self.field}__isnull": False})
        if self.value() == "no":
            return queryset.filter(**{f"{self.field}__isnull": True})
        return queryset


class ConfirmedFilter(_YesNoFilter):
    title = _("confirmed")
    parameter_name = "confirmed"
    field = "confirmed_at"


class UnsubscribedFilter(_YesNoFilter):
    title = _("unsubscribed")
    parameter_name = "unsubscribed"
    field = "unsubscribed_at"


@admin.register(Subscriber)
class SubscriberAdmin(EstimatedCountAdmin, LabelledDateTimeAdmin, admin.ModelAdmin):
    list_display = [
        "email",
        "name",
        "source",
        "is_member",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    list_filter = [ConfirmedFilter, UnsubscribedFilter, "source"]
    search_fields = ["email", "name"]
    readonly_fields = [
        "created_at",
        "confirmed_at",
        "confirmation_sent_at",
        "unsubscribed_at",
        "user",
    ]
    date_hierarchy = "created_at"
    actions = ["export_csv"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            freshness.site_changed()  # a guest's name shows on their posts

    # Deleting here is the guest's own "delete my data" (accounts.privacy.delete_guest): a plain
    # delete left their posts, IP addresses and mails behind.
    def delete_model(self, request, obj):
        privacy.delete_guest(obj)

    def delete_queryset(self, request, queryset):
        for subscriber in list(queryset):
            if Subscriber.objects.filter(pk=subscriber.pk).exists():  # not gone with another
                privacy.delete_guest(subscriber)  # spelling of the same inbox

    @admin.display(boolean=True, description=_("member"))
    def is_member(self, subscriber):
        return subscriber.user_id is not None

    @admin.action(description=_("Export selected subscribers as CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["email", "name", "source", "created_at", "confirmed_at", "unsubscribed_at"]
        )
        for s in queryset.order_by("created_at"):
            writer.writerow(
                [_csv_safe(s.email), _csv_safe(s.name), s.source, s.created_at.isoformat(),
                 s.confirmed_at.isoformat() if s.confirmed_at else "",
                 s.unsubscribed_at.isoformat() if s.unsubscribed_at else ""]
            )  # fmt: skip
        return response


def _csv_safe(value):
    """Spreadsheets run cells starting with =, +, - or @ as formulas; readers typed these names."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@admin.register(Delivery)
class DeliveryAdmin(EstimatedCountAdmin, admin.ModelAdmin):
    list_display = [
        "subject",
        "to",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "is_sensitive"]
    search_fields = ["to", "subject", "key", "template"]
    # The body is shown through `body` only: a one-time link is never on the page, sealed or not.
    fields = readonly_fields = [
        "key",
        "template",
        "to",
        "subject",
        "body",
        "headers",
        "is_sensitive",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "body_cleared_at",
    ]
    actions = ["retry_now"]

    @admin.display(description=_("body"))
    def body(self, delivery):
        if delivery.is_sensitive:
            return gettext("Contains a one-time link: not kept.")
        if delivery.body_cleared_at is not None:
            return gettext("Cleared on %(date)s, after the retention period.") % {
                "date": date_format(delivery.body_cleared_at, "DATE_FORMAT")
            }
        return delivery.text_body

    def has_change_permission(self, request, obj=None):
        return False  # nothing here is edited by hand; the retry action still works

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry failed deliveries now"))
    def retry_now(self, request, queryset):
        queryset.filter(status=Delivery.Status.FAILED).update(next_attempt_at=timezone.now())
        count = retry_due()
        messages.info(
            request, gettext("Queued %(count)d deliveries for another attempt.") % {"count": count}
        )


# allauth's own admin for authenticators shows their secrets and lets a superuser plant one
# they chose. Staff may see who has which kind, and remove a lost one (its owner then sets up a
# new one at their next visit), nothing more.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email", "user__display_name"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        _remove_authenticator(obj)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset:
            _remove_authenticator(authenticator)


def _remove_authenticator(authenticator):
    """A lost authenticator goes with the recovery codes that stood in for it: otherwise the
    codes (a downloaded file on the lost laptop, say) still open the account, and stay valid
    beside the next authenticator its owner sets up."""
    user = authenticator.user
    authenticator.delete()
    if not Authenticator.objects.filter(user=user).exclude(type="recovery_codes").exists():
        Authenticator.objects.filter(user=user, type="recovery_codes").delete()


class SuppressedFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes: no mail goes")), ("no", _("No: lifted, or only counting"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(suppressed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(suppressed_at=None)
        return queryset


@admin.register(MailSuppression)
class MailSuppressionAdmin(LabelledDateTimeAdmin, admin.ModelAdmin):
    """Addresses mail is no longer sent to (accounts/deliverability.py), from the provider's
    bounce and complaint webhooks. Lifting one lets mail be tried again."""

    list_display = ["email", "reason", "soft_bounces", "suppressed_at", "detail", "lifted_at"]
    list_filter = [SuppressedFilter, "reason"]
    search_fields = ["email"]
    readonly_fields = [
        *("email", "reason", "soft_bounces", "detail", "suppressed_at"),
        *("lifted_at", "lifted_by", "updated_at"),
    ]
    actions = ["lift"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Lift: try mail to these addresses again"))
    def lift(self, request, queryset):
        rows = list(queryset.filter(suppressed_at__isnull=False))
        for row in rows:
            deliverability.lift(row, request.user)
        self.message_user(
            request, gettext("Lifted %(count)d suppression(s).") % {"count": len(rows)}
        )
