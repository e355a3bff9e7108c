"""Seal the authenticator secrets stored before MFA_ADAPTER sealed them (accounts/mfa.py)."""

from django.db import migrations

from kindred.sealing import is_sealed, seal

PURPOSE = "kindred allauth.mfa authenticator secret"  # accounts.mfa.PURPOSE, as of this migration
FIELDS = ("secret", "seed")


def seal_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all():
        data = dict(authenticator.data)
        changed = False
        for field in FIELDS:
            if isinstance(data.get(field), str) and not is_sealed(data[field]):
                data[field] = seal(data[field], PURPOSE)
                changed = True
        codes = data.get("migrated_codes")
        if isinstance(codes, list) and any(not is_sealed(c) for c in codes):
            data["migrated_codes"] = [c if is_sealed(c) else seal(c, PURPOSE) for c in codes]
            changed = True
        if changed:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_delivery_sealed_body_and_retention"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal_secrets, migrations.RunPython.noop)]
