"""The crisis line the site's pages named before staff kept the list in the admin."""

from django.db import migrations


def seed(apps, schema_editor):
    CrisisResource = apps.get_model("comments", "CrisisResource")
    if not CrisisResource.objects.exists():
        CrisisResource.objects.create(
            name="988 Suicide & Crisis Lifeline",
            how_to_reach="Call or text 988, at any hour",
            url="https://988lifeline.org/",
            language="en",
            country="US",
        )


class Migration(migrations.Migration):
    dependencies = [("comments", "0011_report_life_cycle")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
