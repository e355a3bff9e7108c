"""Secrets the database must hold but not show: sealed (authenticated encryption, Fernet) under
a key derived from SECRET_KEY for one purpose, opened with it or any of SECRET_KEY_FALLBACKS, so
a database dump or backup alone opens nothing. Used for mails waiting to be sent with a one-time
link (accounts/mail.py) and for staff members' authenticator secrets (accounts/mfa.py)."""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.encoding import force_bytes

__all__ = ["InvalidToken", "is_sealed", "open_sealed", "seal"]

# Every Fernet token starts with its version byte, 0x80, which base64 writes as "gAAAAA".
_MARK = "gAAAAA"


def _fernet(secret, purpose):
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        force_bytes(secret)
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _sealer(purpose):
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret, purpose) for secret in secrets])


def seal(text, purpose):
    return _sealer(purpose).encrypt(text.encode()).decode()


def open_sealed(token, purpose):
    """The text sealed for `purpose`; raises InvalidToken if no current key opens it."""
    return _sealer(purpose).decrypt(token.encode()).decode()


def is_sealed(text):
    return isinstance(text, str) and text.startswith(_MARK)
