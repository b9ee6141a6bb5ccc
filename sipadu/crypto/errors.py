"""Named errors of the crypto package.

Messages are fixed strings: they never carry key material, passwords, case keys
or plaintext, so they are safe to log.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class of every error raised by ``sipadu.crypto``."""


class DecryptionError(CryptoError):
    """A ciphertext failed authentication, is malformed, or belongs elsewhere."""


class WrongPasswordError(CryptoError):
    """The password does not unlock the staff private key."""


class WrongPassphraseError(CryptoError):
    """The passphrase does not unlock the escrow private key file."""


class WeakPassphraseError(CryptoError):
    """The escrow passphrase is too short to protect an offline key."""


class EscrowFileError(CryptoError):
    """An escrow key file is malformed or of an unknown version."""


class CaseKeyError(CryptoError):
    """Base class of case key errors."""


class MalformedCaseKeyError(CaseKeyError):
    """The text does not have the shape of a case key."""


class CaseKeyTypoError(CaseKeyError):
    """The case key has the right shape but its check character fails (a typo)."""


class WrongCaseKeyError(CaseKeyError):
    """A well-formed case key that is not the key of this case."""


class InvalidSessionTokenError(CryptoError):
    """A session token is malformed."""


class InvalidParametersError(CryptoError):
    """Argon2 parameters are out of the accepted range."""
