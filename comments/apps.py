from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = gettext_lazy("Conversation")

    def ready(self):
        from accounts import privacy, subscriptions
        from comments import personal_data, posting

        subscriptions.register_waiting_posts(posting.waiting_posts, posting.release_awaiting)
        privacy.register_exporter("comments", personal_data.export_comments)
        privacy.register_eraser("comments", personal_data.erase_comments)
        privacy.register_guest_exporter("comments", personal_data.export_guest_comments)
        privacy.register_guest_eraser("comments", personal_data.erase_guest_comments)
