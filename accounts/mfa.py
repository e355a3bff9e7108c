"""allauth.mfa, Kindred's way: authenticator secrets (the TOTP key, the recovery codes' seed)
are sealed in the database (config/sealing.py), so a dump or backup holds no second factor."""

from allauth.mfa.adapter import DefaultMFAAdapter

from config.sealing import is_sealed, open_sealed, seal

PURPOSE = "kindred allauth.mfa authenticator secret"


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text):
        return seal(text, PURPOSE)

    def decrypt(self, encrypted_text):
        # Secrets stored before they were sealed (see the migration) read as they are.
        return open_sealed(encrypted_text, PURPOSE) if is_sealed(encrypted_text) else encrypted_text
