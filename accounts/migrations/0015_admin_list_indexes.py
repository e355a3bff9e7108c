"""Indexes for the admin's lists of members (newest first; the staff and inactive accounts its
filters pick, partial) and of subscribers (the date hierarchy's first and last dates).

On PostgreSQL also the pg_trgm extension (a trusted one: the database's owner may create it)
and trigram indexes of members' display names and guests' names in capitals (Django's
`icontains` compares UPPER(column) on PostgreSQL, so the index holds that), which the admin's
search of posts by their author's name reads (comments/admin.py get_search_results). Made
outside the models' state, as articles 0008 does with its GIN index and says why.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "user_display_name_trgm_idx": ("accounts_user", "display_name"),
    "subscriber_name_trgm_idx": ("accounts_subscriber", "name"),
}


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        quote = schema_editor.quote_name
        for name, (table, column) in TRIGRAM_INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX {quote(name)} ON {quote(table)} "
                f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
            )


def remove_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0014_translatable_labels'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='subscriber',
            index=models.Index(fields=['created_at'], name='subscriber_created_idx'),
        ),
        migrations.AddIndex(
            model_name='user',
            index=models.Index(fields=['-date_joined', '-id'], name='user_joined_idx'),
        ),
        migrations.AddIndex(
            model_name='user',
            index=models.Index(condition=models.Q(('is_staff', True)), fields=['-date_joined', '-id'], name='user_staff_idx'),
        ),
        migrations.AddIndex(
            model_name='user',
            index=models.Index(condition=models.Q(('is_active', False)), fields=['-date_joined', '-id'], name='user_inactive_idx'),
        ),
        TrigramExtension(),
        migrations.RunPython(add_trigram_indexes, remove_trigram_indexes, elidable=False),
    ]
