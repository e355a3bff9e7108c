"""allauth.mfa, Kindred's way: authenticator secrets (the TOTP key, the recovery codes' seed)
are sealed in the database (kindred/sealing.py), so a dump or backup holds no second factor."""

from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied

from kindred.sealing import is_sealed, open_sealed, seal

PURPOSE = "kindred allauth.mfa authenticator secret"


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text):
        return seal(text, PURPOSE)

    def decrypt(self, encrypted_text):
        # Every secret is sealed (those stored before were sealed by a migration): one that is
        # not was written by hand into the database, by somebody who knows it. Refused.
        if not is_sealed(encrypted_text):
            raise PermissionDenied("unsealed authenticator secret")
        return open_sealed(encrypted_text, PURPOSE)
