from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from sipadu.crypto import escrow, grants, pwbox
from sipadu.crypto.errors import (
    CryptoError,
    EscrowFileError,
    WeakPassphraseError,
    WrongPassphraseError,
)
from sipadu.crypto.params import ESCROW_ARGON2, Argon2Params

PASSPHRASE = "correct horse battery staple inspektorat"


@pytest.fixture(scope="module")
def escrow_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    """One escrow key pair at full strength (slow), shared by the module."""
    folder = tmp_path_factory.mktemp("escrow")
    private, public = escrow.generate_escrow_keypair()
    escrow.write_escrow_public(folder / "escrow.pub", public)
    escrow.write_escrow_private(folder / "escrow-private.key", private, PASSPHRASE)
    return folder / "escrow.pub", folder / "escrow-private.key", private


def test_public_file_round_trip(escrow_files: tuple[Path, Path, bytes]) -> None:
    pub_path, _, private = escrow_files
    text = pub_path.read_text()
    assert text.startswith(escrow.PUBLIC_HEADER + "\n")
    assert escrow.read_escrow_public(pub_path) == grants.public_from_private(private)


def test_private_file_round_trip(escrow_files: tuple[Path, Path, bytes]) -> None:
    _, priv_path, private = escrow_files
    assert stat.S_IMODE(os.stat(priv_path).st_mode) == 0o600
    text = priv_path.read_text()
    assert text.startswith(escrow.PRIVATE_HEADER + "\n")
    assert private not in base64.b64decode(text.splitlines()[1])
    assert escrow.read_escrow_private(priv_path, PASSPHRASE) == private


def test_private_file_uses_strong_parameters(
    escrow_files: tuple[Path, Path, bytes],
) -> None:
    _, priv_path, _ = escrow_files
    box = base64.b64decode(priv_path.read_text().splitlines()[1])
    params = pwbox.read_params(box)
    assert params == ESCROW_ARGON2
    assert params.memory_cost >= 65536 and params.time_cost >= 3


def test_wrong_passphrase(escrow_files: tuple[Path, Path, bytes]) -> None:
    _, priv_path, _ = escrow_files
    with pytest.raises(WrongPassphraseError) as info:
        escrow.read_escrow_private(priv_path, "not the passphrase at all")
    assert "not the passphrase" not in str(info.value)
    assert issubclass(WrongPassphraseError, CryptoError)


def test_escrow_recovers_a_grant(escrow_files: tuple[Path, Path, bytes]) -> None:
    pub_path, _, private = escrow_files
    dek = os.urandom(32)
    escrow_grant = grants.wrap_for_recipient(dek, escrow.read_escrow_public(pub_path), case_id=1)
    staff_private, staff_public = grants.generate_keypair()
    regranted = grants.rewrap_grant(escrow_grant, private, staff_public, case_id=1)
    assert grants.unwrap_grant(regranted, staff_private, case_id=1) == dek


def test_files_are_never_overwritten(escrow_files: tuple[Path, Path, bytes]) -> None:
    pub_path, priv_path, _ = escrow_files
    _, public = escrow.generate_escrow_keypair()
    with pytest.raises(FileExistsError):
        escrow.write_escrow_public(pub_path, public)
    with pytest.raises(FileExistsError):
        escrow.write_escrow_private(priv_path, bytes(32), PASSPHRASE)


def test_weak_passphrase_and_weak_parameters_refused(fast_params: Argon2Params) -> None:
    with pytest.raises(WeakPassphraseError):
        escrow.seal_escrow_private(bytes(32), "short")
    with pytest.raises(WeakPassphraseError):
        escrow.seal_escrow_private(bytes(32), PASSPHRASE, fast_params)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SIPADU ESCROW PRIVATE KEY v2\nAAAA\n",
        "SIPADU ESCROW PUBLIC KEY v1\nAAAA\n",
        "SIPADU ESCROW PRIVATE KEY v1\n!!!!\n",
        "SIPADU ESCROW PRIVATE KEY v1\nAAAA\n",
        "SIPADU ESCROW PRIVATE KEY v1\nAAAA\nAAAA\n",
    ],
)
def test_malformed_private_files(text: str) -> None:
    with pytest.raises(EscrowFileError):
        escrow.open_escrow_private(text, PASSPHRASE)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "SIPADU ESCROW PUBLIC KEY v1\n" + base64.b64encode(bytes(31)).decode(),
        "SIPADU ESCROW PRIVATE KEY v1\n" + base64.b64encode(bytes(32)).decode(),
    ],
)
def test_malformed_public_files(text: str) -> None:
    with pytest.raises(EscrowFileError):
        escrow.decode_escrow_public(text)


def test_public_encoding_round_trip() -> None:
    _, public = escrow.generate_escrow_keypair()
    assert escrow.decode_escrow_public(escrow.encode_escrow_public(public)) == public
