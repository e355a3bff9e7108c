"""Rejection reasons in Spanish (comments/translation.py): a column per language for the text,
the English one filled from the existing column, and the reasons seeded by 0014 given their
Spanish text. A reason whose English text staff have changed since, or that already has a
Spanish text, is left as it is: its Spanish is theirs to write in the admin (until then a
Spanish reader is quoted the English text)."""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce

HELP_TEXT = "Quoted to the author: “Your post was not published. The reason: …”"

# The reasons 0014 seeded, by code: (their English text, their Spanish text).
SPANISH = {
    "spam": (
        "It advertises or links to products or services.",
        "Hace publicidad de productos o servicios, o enlaza a ellos.",
    ),
    "abuse": (
        "It is unkind to, or about, another member.",
        "Trata a otro miembro, o habla de él, de forma poco amable.",
    ),
    "misinformation": (
        "It gives medical claims that could put readers at risk.",
        "Hace afirmaciones médicas que podrían poner en riesgo a quienes la lean.",
    ),
    "personal": (
        "It shares someone's private details.",
        "Comparte datos privados de otra persona.",
    ),
    "off_topic": (
        "It is not about this article or living with the condition.",
        "No trata sobre este artículo ni sobre vivir con la enfermedad.",
    ),
}


def copy_to_english(apps, schema_editor):
    """The existing reasons are English: their text into its _en column."""
    RejectionReason = apps.get_model("comments", "RejectionReason")
    RejectionReason.objects.update(text_en=F("text"))


def seed_spanish(apps, schema_editor):
    """Each seeded reason still in its seeded English, and with no Spanish yet, gets its
    Spanish text (safe to run again)."""
    RejectionReason = apps.get_model("comments", "RejectionReason")
    for code, (english, spanish) in SPANISH.items():
        RejectionReason.objects.filter(code=code, text_en=english).filter(
            models.Q(text_es=None) | models.Q(text_es="")
        ).update(text_es=spanish)


def forward(apps, schema_editor):
    copy_to_english(apps, schema_editor)
    seed_spanish(apps, schema_editor)


def copy_back_from_english(apps, schema_editor):
    """Back to one language: the English text, as last saved, into the plain column."""
    RejectionReason = apps.get_model("comments", "RejectionReason")
    RejectionReason.objects.update(text=Coalesce(F("text_en"), F("text")))


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0020_seed_spanish_crisis_lines"),
    ]

    operations = [
        migrations.AddField(
            model_name="rejectionreason",
            name="text_en",
            field=models.CharField(
                help_text=HELP_TEXT, max_length=200, null=True, verbose_name="reason"
            ),
        ),
        migrations.AddField(
            model_name="rejectionreason",
            name="text_es",
            field=models.CharField(
                help_text=HELP_TEXT, max_length=200, null=True, verbose_name="reason"
            ),
        ),
        migrations.RunPython(forward, copy_back_from_english),
    ]
