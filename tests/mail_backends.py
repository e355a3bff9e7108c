"""A test mail backend that can be told to fail the way SMTP servers do."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    """Like locmem, but `down` refuses connections, `refuse` rejects addresses, and
    `drop_after` loses the connection after that many messages."""

    down = False
    refuse: set = set()
    drop_after = None
    die_after = None  # the worker process is killed after this many messages
    opened = 0
    delivered = 0
    _sent_on_connection = 0

    def open(self):
        if FlakyBackend.down:
            raise ConnectionRefusedError(111, "Connection refused")
        FlakyBackend.opened += 1
        self._sent_on_connection = 0
        return True

    def send_messages(self, messages):
        for message in messages:
            if (
                FlakyBackend.die_after is not None
                and FlakyBackend.delivered >= FlakyBackend.die_after
            ):
                raise KeyboardInterrupt("worker killed")
            if FlakyBackend.drop_after is not None and (
                self._sent_on_connection >= FlakyBackend.drop_after
            ):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            refused = set(message.to) & FlakyBackend.refuse
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    {address: (550, b"Mailbox unavailable") for address in refused}
                )
            self._sent_on_connection += 1
            FlakyBackend.delivered += 1
        return super().send_messages(messages)

    @classmethod
    def reset(cls):
        cls.down, cls.refuse, cls.drop_after, cls.die_after = False, set(), None, None
        cls.opened = cls.delivered = 0
