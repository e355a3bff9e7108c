"""A rejected post's reason is a key into the list staff edit; the Moderators group may decide
appeals, and the Medical reviewers group may write signed notes on posts."""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

MODERATORS = [
    ("comments", "view_appeal"),
    ("comments", "change_appeal"),
    ("comments", "view_rejectionreason"),
]
REVIEWERS = [
    ("comments", "view_comment"),
    ("comments", "write_public_note"),
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        return [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in pairs
        ]

    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(*permissions(MODERATORS))
    reviewers, _ = Group.objects.get_or_create(name="Medical reviewers")
    reviewers.permissions.set(permissions(REVIEWERS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Medical reviewers").delete()


class Migration(migrations.Migration):
    dependencies = [("comments", "0014_rejection_reasons_appeals_notes_pins")]

    operations = [
        migrations.AlterField(
            model_name='comment',
            name='rejection_reason',
            field=models.ForeignKey(blank=True, db_column='rejection_reason', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='comments.rejectionreason', to_field='code'),
        ),
        migrations.RunPython(create_groups, remove_groups),
    ]
