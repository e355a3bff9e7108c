from django.apps import AppConfig
from django.db.models.signals import post_delete


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Publishing"

    def ready(self):
        from accounts import privacy
        from articles import newsletter
        from articles.models import Article, Reviewer
        from articles.recent import forget_recent_articles
        from config import page_cache

        privacy.register_exporter("newsletter_mails", newsletter.export_for)
        page_cache.forget_on_delete(Article, Reviewer)
        page_cache.forget_on_relation_change(Article.reviewers, Article.authors)
        post_delete.connect(
            lambda **kwargs: forget_recent_articles(),
            sender=Article,
            weak=False,
            dispatch_uid="articles:recent",
        )
