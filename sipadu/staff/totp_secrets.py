"""Reading and writing an account's TOTP secret, which is sealed at rest
(``sipadu/crypto/totp_box.py``, ``docs/crypto.md``).

Accounts enrolled before 0024_sealed_totp hold their secret in plain text: it keeps working,
and is sealed (and the plain column emptied) at the account's next sign-in and, for every
account at once, by :func:`seal_plaintext_totp_secrets`, which `sipadu init` and
`sipadu db upgrade` run after the migrations.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from sipadu.accounts.models import StaffAccount
from sipadu.crypto.errors import DecryptionError
from sipadu.crypto.totp_box import open_totp_secret, seal_totp_secret

log = logging.getLogger("sipadu.staff")


class TotpSecretUnreadableError(Exception):
    """The account's sealed TOTP secret does not open: altered, copied from another account,
    or sealed under another instance's audit key."""


def set_totp_secret(account: StaffAccount, server_key: bytes, secret: str) -> None:
    """Store ``secret`` sealed for ``account`` (which must have its id: flush first)."""
    if account.id is None:
        raise ValueError("the account needs its id before its TOTP secret is sealed")
    account.totp_sealed = seal_totp_secret(server_key, account.id, secret)
    account.totp_secret = None


def totp_secret_of(account: StaffAccount, server_key: bytes) -> str | None:
    """The account's TOTP secret (``None`` when it has none, e.g. while it waits for its
    setup link); ``TotpSecretUnreadableError`` when the sealed one does not open."""
    if account.totp_sealed is not None:
        try:
            return open_totp_secret(server_key, account.id, account.totp_sealed)
        except DecryptionError:
            # Never the value: only which account needs an administrator's reset.
            log.error("the TOTP secret of staff account %s does not open", account.id)
            raise TotpSecretUnreadableError() from None
    return account.totp_secret  # legacy plain text, sealed by the next sign-in


def seal_if_plaintext(account: StaffAccount, server_key: bytes) -> bool:
    """Seal a legacy plaintext secret in place; whether there was one."""
    if account.totp_sealed is not None or not account.totp_secret:
        return False
    set_totp_secret(account, server_key, account.totp_secret)
    return True


def seal_plaintext_totp_secrets(db: Session, server_key: bytes) -> int:
    """Seal every legacy plaintext TOTP secret; how many were sealed (the caller commits)."""
    legacy = db.scalars(
        select(StaffAccount).where(
            StaffAccount.totp_secret.is_not(None), StaffAccount.totp_sealed.is_(None)
        )
    )
    sealed = sum(seal_if_plaintext(account, server_key) for account in legacy)
    db.flush()
    return sealed
