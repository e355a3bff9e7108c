"""Staff members' second factors are not readable at rest: not in the database, not in the
admin. A dump or backup of the database alone gives nobody a working authenticator code."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

from kindred.sealing import is_sealed
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db


def _stored(user):
    return " ".join(repr(a.data) for a in Authenticator.objects.filter(user=user))


def test_the_totp_secret_is_sealed_in_the_database_and_still_gives_codes(client, staff):
    assert staff.totp_secret not in _stored(staff)
    client.post("/accounts/login/", {"login": staff.email, "password": "a-long-test-password"})
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(staff.totp_secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_recovery_codes_are_sealed_and_still_work(client, staff):
    codes = RecoveryCodes.activate(staff).generate_codes()
    stored = Authenticator.objects.get(user=staff, type="recovery_codes").data
    # The codes are derived from a seed: a readable seed would give every code.
    assert is_sealed(stored["seed"]) and "codes" not in stored
    seed = RecoveryCodes(Authenticator.objects.get(user=staff, type="recovery_codes"))
    assert seed.generate_codes() == codes  # the app still derives the same codes
    client.post("/accounts/login/", {"login": staff.email, "password": "a-long-test-password"})
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_shows_no_secret_and_plants_none(client, staff, moderator):
    client.force_login(staff)
    authenticator = Authenticator.objects.get(user=moderator, type="totp")
    page = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/").content.decode()
    assert moderator.totp_secret not in page and authenticator.data["secret"] not in page
    # A superuser cannot give anybody an authenticator whose secret they chose.
    assert client.get("/admin/mfa/authenticator/add/").status_code == 403
    response = client.post(
        f"/admin/mfa/authenticator/{authenticator.pk}/change/",
        {"user": staff.pk, "type": "totp", "data": '{"secret": "JBSWY3DPEHPK3PXP"}'},
    )
    assert response.status_code == 403
    authenticator.refresh_from_db()
    assert authenticator.user == moderator and authenticator.data["secret"] != "JBSWY3DPEHPK3PXP"


def test_secrets_stored_before_sealing_are_sealed_by_the_migration(client, staff):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0005_seal_authenticator_secrets")
    Authenticator.objects.filter(user=staff, type="totp").update(
        data={"secret": staff.totp_secret}  # as allauth stored it before
    )
    migration.seal_secrets(apps, None)
    migration.seal_secrets(apps, None)  # twice is once

    assert staff.totp_secret not in _stored(staff)
    client.post("/accounts/login/", {"login": staff.email, "password": "a-long-test-password"})
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(staff.totp_secret)})
    assert response.status_code == 302


def test_a_secret_written_into_the_database_by_hand_opens_nothing(client, staff):
    """Somebody who can write to the database (but has no SECRET_KEY) plants a secret they
    know: it is not sealed, so it is refused rather than used."""
    planted = "JBSWY3DPEHPK3PXP"
    Authenticator.objects.filter(user=staff, type="totp").update(data={"secret": planted})
    client.post("/accounts/login/", {"login": staff.email, "password": "a-long-test-password"})
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(planted)})
    assert response.status_code != 302
    assert client.get("/admin/").status_code == 302  # still not in
