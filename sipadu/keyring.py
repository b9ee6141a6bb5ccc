"""Secret key files under ``keys/``: creation with safe modes, loading with strict checks.

The app refuses to start when a key file is missing, too short, readable by other users,
or a well-known placeholder, and says which command fixes it.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

# file name -> what it protects; each holds 32 random bytes as hex.
SECRET_KEY_FILES: dict[str, str] = {
    "flask_secret.key": "signs the CSRF tokens and the short-lived form state",
    "audit_hmac.key": "authenticates every row of the audit log chain",
    "ratelimit.key": "turns client addresses into daily rate-limit identifiers (HMAC)",
}
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "dev", "development", "test"}
_MIN_KEY_BYTES = 32


class KeyFileError(Exception):
    """A key file is missing or unusable; the message names it and the command that fixes it."""


@dataclass(frozen=True, repr=False)
class KeyRing:
    """The secrets loaded from the keys folder. ``repr`` is withheld so keys never reach logs."""

    flask_secret: bytes
    audit_hmac_key: bytes
    ratelimit_key: bytes
    # Public, so not a secret: every new case's DEK is also wrapped for it.
    escrow_public: bytes | None = None

    def __repr__(self) -> str:
        return "KeyRing(<secrets withheld>)"


def _check_mode(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        raise KeyFileError(f"{path} can be read or written by other users; run `chmod 600 {path}`")


def _read_key(path: Path) -> bytes:
    if not path.is_file():
        raise KeyFileError(f"{path} is missing; run `sipadu init` to create it")
    _check_mode(path)
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if text.lower() in _PLACEHOLDERS:
        raise KeyFileError(f"{path} holds a placeholder value; delete it and run `sipadu init`")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise KeyFileError(f"{path} is not hex; delete it and run `sipadu init`") from None
    if len(key) < _MIN_KEY_BYTES or len(set(key)) < 8:
        raise KeyFileError(f"{path} is too short or not random; delete it and run `sipadu init`")
    return key


ESCROW_PUBLIC_FILE = "escrow.pub"


def _read_escrow_public(keys_dir: Path) -> bytes | None:
    from sipadu.crypto.errors import EscrowFileError
    from sipadu.crypto.escrow import read_escrow_public

    path = keys_dir / ESCROW_PUBLIC_FILE
    if not path.exists():
        return None
    try:
        return read_escrow_public(path)
    except EscrowFileError as error:
        raise KeyFileError(f"{path} is not a valid escrow public key ({error})") from None


def load_keyring(keys_dir: Path) -> KeyRing:
    """Load and check every secret key file, and the escrow public key when present."""
    return KeyRing(
        flask_secret=_read_key(keys_dir / "flask_secret.key"),
        audit_hmac_key=_read_key(keys_dir / "audit_hmac.key"),
        ratelimit_key=_read_key(keys_dir / "ratelimit.key"),
        escrow_public=_read_escrow_public(keys_dir),
    )


def write_private_file(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 from the start (never briefly world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def generate_missing_keys(keys_dir: Path) -> list[Path]:
    """Create the keys folder (0700) and every missing key file (0600); return what was made."""
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A folder that was there already (the checkout's own keys/, made 0755 by git) would
    # otherwise let every local user list the instance's key files.
    keys_dir.chmod(0o700)
    created = []
    for name in SECRET_KEY_FILES:
        path = keys_dir / name
        if path.exists():
            continue
        write_private_file(path, secrets.token_hex(_MIN_KEY_BYTES).encode("ascii") + b"\n")
        created.append(path)
    return created


def make_test_keyring(escrow_public: bytes | None = None) -> KeyRing:
    """Fresh random secrets for a test app that has no keys folder."""
    return KeyRing(
        flask_secret=secrets.token_bytes(_MIN_KEY_BYTES),
        audit_hmac_key=secrets.token_bytes(_MIN_KEY_BYTES),
        ratelimit_key=secrets.token_bytes(_MIN_KEY_BYTES),
        escrow_public=escrow_public,
    )


@dataclass(frozen=True, repr=False)
class S3Credentials:
    """The access key pair of the S3 blob store. ``repr`` is withheld: it never reaches logs."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return "S3Credentials(<withheld>)"


_S3_CREDENTIAL_NAMES = ("access_key_id", "secret_access_key")


def read_s3_credentials(path: Path) -> S3Credentials:
    """Read ``access_key_id = …`` and ``secret_access_key = …`` lines (blank lines and
    ``#`` comments allowed) from a file no other user may read. Errors never quote values."""
    if not path.is_file():
        raise KeyFileError(f"{path} is missing")
    _check_mode(path)
    values: dict[str, str] = {}
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = (part.strip() for part in line.partition("="))
        if not equals or name not in _S3_CREDENTIAL_NAMES or name in values or not value:
            raise KeyFileError(
                f"{path} line {number} is not one of `access_key_id = …` or "
                "`secret_access_key = …` (each once)"
            )
        values[name] = value
    missing = [name for name in _S3_CREDENTIAL_NAMES if name not in values]
    if missing:
        raise KeyFileError(f"{path} has no {' and no '.join(missing)}")
    return S3Credentials(values["access_key_id"], values["secret_access_key"])
