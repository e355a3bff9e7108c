"""Indexes for the lists of posts (issue 17).

The moderators' lists in the admin: each list's order (-is_urgent, -created_at, -id) whole, per
status, for the waiting queue and the reported one (partial), per article and for sensitive
pictures (partial); the open reports (partial); the audit log's order, whole and per action;
the bans' end date. comment_queue_idx is made again in the list's direction (it had created_at
ascending, which the list never asked for). A member's own posts, newest first.

The thread: comment_thread_idx is made again with the columns the thread's counts read
(INCLUDE), so they are counted from the index alone; comment_page_idx holds the top-level posts
in the page's order (the pinned one first, then newest first), so a page is read off it;
comment_feed_idx an article's public posts newest first, for its comment feed.

On PostgreSQL also a trigram index of the posts' words in capitals, UPPER(body), as Django's
`icontains` compares them (pg_trgm, made by accounts 0015), for the admin's search
(comments/admin.py get_search_results): without it a word few posts have is looked for in
every post. Outside the models' state, as articles 0008 says why. It is the big one: about 200
MB and a minute to build on a million posts.

Plain CREATE INDEX: on a million comments each takes seconds (the trigram one a minute) and
blocks writes to the table meanwhile (not CONCURRENTLY: the site can take that pause at a
deploy).
"""

from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEX = "comment_body_trgm_idx"


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX {quote(TRIGRAM_INDEX)} ON {quote('comments_comment')} "
            f"USING gin ((UPPER({quote('body')}::text)) gin_trgm_ops)"
        )


def remove_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(TRIGRAM_INDEX)}")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0015_admin_list_indexes'),  # pg_trgm
        ('comments', '0018_translatable_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='comment',
            name='comment_thread_idx',
        ),
        migrations.RemoveIndex(
            model_name='comment',
            name='comment_queue_idx',
        ),
        migrations.AlterField(
            model_name='moderationaction',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created at'),
        ),
        migrations.AddIndex(
            model_name='ban',
            index=models.Index(fields=['until'], name='ban_until_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['article', 'parent', 'status', 'created_at'], include=('members_only', 'author_user', 'id'), name='comment_thread_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(models.F('article'), models.OrderBy(models.ExpressionWrapper(models.Q(('is_pinned', True), ('members_only', False), ('status', 'published')), output_field=models.BooleanField()), descending=True), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('parent', None)), include=('status', 'members_only', 'author_user', 'is_pinned'), name='comment_page_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('members_only', False), ('status', 'published')), fields=['article', '-created_at', '-id'], name='comment_feed_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['-is_urgent', '-created_at', '-id'], name='comment_admin_order_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['status', '-is_urgent', '-created_at', '-id'], name='comment_queue_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('status', 'pending'), ('is_urgent', True), _connector='OR'), fields=['-is_urgent', '-created_at', '-id'], name='comment_waiting_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('report_count__gt', 0), ('status__in', ['published', 'pending'])), fields=['-is_urgent', '-created_at', '-id'], name='comment_reported_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['article', '-is_urgent', '-created_at', '-id'], name='comment_article_admin_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(condition=models.Q(('is_picture_sensitive', True)), fields=['-is_urgent', '-created_at', '-id'], name='comment_sensitive_idx'),
        ),
        migrations.AddIndex(
            model_name='comment',
            index=models.Index(fields=['author_user', '-created_at', '-id'], name='comment_author_idx'),
        ),
        migrations.AddIndex(
            model_name='moderationaction',
            index=models.Index(fields=['-created_at', '-id'], name='audit_log_order_idx'),
        ),
        migrations.AddIndex(
            model_name='moderationaction',
            index=models.Index(fields=['action', '-created_at', '-id'], name='audit_log_action_idx'),
        ),
        migrations.AddIndex(
            model_name='report',
            index=models.Index(condition=models.Q(('state', 'open')), fields=['comment'], name='report_open_idx'),
        ),
        migrations.RunPython(add_trigram_index, remove_trigram_index, elidable=False),
    ]
