"""Crisis lines that answer in Spanish, beside the English one seeded by 0012: a Spanish reader's
support message otherwise named no line at all. Staff keep the list in the admin; a line staff
already added under the same name is left as it is."""

from django.db import migrations

LINES = [
    {
        "name": "Línea 988 de Prevención del Suicidio y Crisis (Estados Unidos)",
        "how_to_reach": "Llama al 988 y marca 2 para hablar en español, a cualquier hora",
        "language": "es",
        "country": "US",
    },
    {
        "name": "Línea 024 de atención a la conducta suicida (España)",
        "how_to_reach": "Llama al 024, gratis y a cualquier hora",
        "language": "es",
        "country": "ES",
    },
]


def seed(apps, schema_editor):
    CrisisResource = apps.get_model("comments", "CrisisResource")
    for line in LINES:
        CrisisResource.objects.get_or_create(name=line["name"], defaults=line)


def unseed(apps, schema_editor):
    CrisisResource = apps.get_model("comments", "CrisisResource")
    CrisisResource.objects.filter(name__in=[line["name"] for line in LINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("comments", "0019_admin_list_indexes")]
    operations = [migrations.RunPython(seed, unseed)]
