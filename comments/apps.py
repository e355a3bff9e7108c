from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Conversation"

    def ready(self):
        from accounts import privacy, subscriptions
        from comments import personal_data, posting

        subscriptions.register_waiting_posts(posting.waiting_posts, posting.release_awaiting)
        privacy.register_exporter("comments", personal_data.export_comments)
        privacy.register_eraser("comments", personal_data.erase_comments)
        privacy.register_guest_exporter("comments", personal_data.export_guest_comments)
        privacy.register_guest_eraser("comments", personal_data.erase_guest_comments)
