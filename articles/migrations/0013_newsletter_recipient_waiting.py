"""An index of each send's rows still waiting to go out, in the order workers claim them.

A claim (articles/newsletter.py `claim_batch`) takes a send's first waiting rows by id. Without
this index PostgreSQL walks the send's rows by id from the first, past every one already sent:
at 100,000 subscribers a claim half-way through read 50,000 rows (24 ms), and a whole send some
125 million. This partial index holds only the rows waiting (queued, or retrying), so a claim
reads little more than the rows it takes, and the index shrinks as the send goes.

PostgreSQL only, and left out of the models' state (Meta.indexes), like 0008's: SQLite's
planner, which has no statistics, does not choose it for the claim's query, and on SQLite a
later migration rebuilding the table would meet an index the state does not name.
"""

from django.db import migrations, models

INDEX_NAME = "newsletter_recipient_waiting"


def _index():
    return models.Index(
        fields=["send", "id"],
        condition=models.Q(status__in=["queued", "retrying"]),
        name=INDEX_NAME,
    )


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("articles", "NewsletterRecipient"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("articles", "NewsletterRecipient"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_site_page_translations"),
    ]

    operations = [migrations.RunPython(add_index, remove_index)]
