"""Bans made before bans held for an inbox get their key: the hashed inbox of their address
(or of the banned member's account address), which active_ban matches on. Bans kept only as
a hash stay as they are (the address is gone; active_ban also accepts that older form)."""

from django.db import migrations


def key_bans(apps, schema_editor):
    from accounts.privacy import address_hash

    Ban = apps.get_model("comments", "Ban")
    for ban in Ban.objects.filter(email_hash="").select_related("user"):
        address = ban.email or (ban.user.email if ban.user_id else "")
        if address:
            ban.email_hash = address_hash(address)
            ban.save(update_fields=["email_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0006_article_deleted_after_its_comments"),
    ]

    operations = [
        migrations.RunPython(key_bans, migrations.RunPython.noop),
    ]
