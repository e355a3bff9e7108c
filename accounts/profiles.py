"""Who is speaking, and a member's profile page (/members/<handle>/).

A member may show a role with their name (patient, caregiver or family) and a short "living
with" line; "health professional" shows only once staff verified it, with the profession they
checked (`verify_profession`, audited). Nothing from the account's email address is shown, and
the profile page exists only while the member chooses to show it (`profile_public`, off by
default); its address is made from the display name while it is shown, and follows a new name
(an old name never stays in a link).
"""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from accounts.models import Role, User
from kindred import freshness


def shown_role(role, profession_verified):
    """The words shown after a member's name for who they are, or "": an unverified claim to
    be a health professional shows nothing."""
    if role == Role.PROFESSIONAL:  # the member's own choice comes first
        if not profession_verified:
            return ""
        return gettext("%(profession)s, verified") % {"profession": profession_verified}
    if role in (Role.PATIENT, Role.CAREGIVER):
        return str(Role(role).label)
    return ""


def sync_handle(user):
    """The profile's address follows what the member shows: made from their display name while
    the profile is shown (a new name, a new address: an old name never stays in a link), and
    none while it is private."""
    if not (user.profile_public and user.is_active):
        if user.handle:
            user.handle = ""
            User.objects.filter(pk=user.pk).update(handle="")
        return ""
    base = slugify(user.display_name)[:50] or "member"
    if user.handle and re.fullmatch(rf"{re.escape(base)}(-\d+)?", user.handle):
        return user.handle
    for n in range(1, 1000):
        handle = base if n == 1 else f"{base}-{n}"
        if User.objects.filter(handle=handle).exclude(pk=user.pk).exists():
            continue
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(handle=handle)
        except IntegrityError:  # taken a moment ago by another member
            continue
        user.handle = handle
        return handle
    raise RuntimeError("no free profile address")


def verify_profession(user, actor, profession):
    """Staff checked that `user` is the health professional they say: the badge shows with
    `profession` ("" revokes it). Logged in the audit log; every page they posted on follows."""
    from comments.moderator_actions import log

    profession = " ".join(profession.split())[:80]
    if profession == user.profession_verified:
        return False
    with transaction.atomic():
        before = user.profession_verified
        user.profession_verified = profession
        user.profession_verified_at = timezone.now() if profession else None
        if profession:
            user.role = Role.PROFESSIONAL
        user.save(update_fields=["profession_verified", "profession_verified_at", "role"])
        log(
            actor,
            "verify profession" if profession else "revoke profession",
            subject=f"member {user.pk} ({user.display_name})",
            note=profession or f"was: {before}",
        )
    freshness.site_changed()
    return True
