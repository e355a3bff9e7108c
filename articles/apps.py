from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Publishing"

    def ready(self):
        from accounts import privacy
        from articles import newsletter

        privacy.register_exporter("newsletter_mails", newsletter.export_for)
