from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members and subscribers")

    def ready(self):
        from accounts import privacy, signals  # noqa: F401 - connects allauth's signals

        privacy.register_exporter("account", privacy.export_account)
        privacy.register_exporter("subscription", privacy.export_subscription)
        privacy.register_exporter("mail", privacy.export_mail)
        privacy.register_eraser("subscription", privacy.erase_subscription_and_mail)
        privacy.register_guest_exporter("subscription", privacy.export_guest_subscription)
        privacy.register_guest_exporter("mail", privacy.export_guest_mail)

        from anymail.signals import tracking

        from accounts import bounces

        # The provider's bounce and complaint webhooks (/anymail/<provider>/tracking/).
        tracking.connect(bounces.on_tracking, dispatch_uid="kindred-deliverability")
