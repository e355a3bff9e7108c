from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    # The articles' languages are registered by articles/translation.py, which modeltranslation
    # (before this app in INSTALLED_APPS) imports when it is ready.
    name = "articles"
    verbose_name = _("Publishing")

    def ready(self):
        from accounts import privacy
        from articles import newsletter

        privacy.register_exporter("newsletter_mails", newsletter.export_for)
