"""A stolen database, blob folder and keys/ folder decrypt nothing.

The test builds the state SIPADU keeps for one case (staff accounts, grants,
the reporter's record, encrypted report, message, note, identity, an
attachment in the blob store, live sessions), then plays an attacker who
holds every stored byte but no password, case key or session cookie, and
*tries*: every 32-byte window of every stored value as an AES key and as an
X25519 private key, common passwords, and a search for the plaintexts.
A positive control shows the same harness opens everything with credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sipadu.crypto import casekey, envelope, escrow, grants, sessions, staff, stream
from sipadu.crypto.errors import CryptoError
from sipadu.crypto.params import Argon2Params
from sipadu.storage import FilesystemBlobStore

CASE_ID = 101
REPORT = b'{"what": "MARKER-REPORT-7f3a pungutan liar di loket"}'
MESSAGE = b"MARKER-MESSAGE-91cc reply from the reporter"
NOTE = b"MARKER-NOTE-0b52 internal investigator note"
IDENTITY = b"MARKER-IDENTITY-55e1 reporter name and phone"
ATTACHMENT = b"MARKER-ATTACHMENT-c4d8 " * 5000
PASSWORDS = {1: "supervisor passphrase one", 2: "investigator passphrase two"}
ENVELOPES = {
    "report": (b"report", REPORT),
    "message": (b"message", MESSAGE),
    "note": (b"note", NOTE),
    "identity": (b"identity", IDENTITY),
}


@dataclass
class World:
    db: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, bytes] = field(default_factory=dict)
    case_key: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    store: FilesystemBlobStore | None = None
    keys_dir: Path = Path()


def _add_staff(w: World, params: Argon2Params) -> dict[int, bytes]:
    privates = {}
    for account, password in PASSWORDS.items():
        material = staff.create_staff_keys(password, params, account_id=account)
        w.db[f"staff{account}.public_key"] = material.public_key
        w.db[f"staff{account}.wrapped_private_key"] = material.wrapped_private_key
        w.db[f"staff{account}.password_hash"] = material.password_hash
        privates[account] = staff.unlock_private_key(
            material.wrapped_private_key, password, account_id=account
        )
        w.secrets[f"staff{account}_private"] = privates[account]
    return privates


def _add_case(w: World, params: Argon2Params, dek: bytes) -> None:
    key = casekey.generate_case_key()
    w.case_key = casekey.format_case_key(key)
    w.secrets["case_secret"] = key.secret.encode()
    w.db["case.code"] = key.code
    w.db["case.reporter_record"] = casekey.enroll_case_key(key, dek, params, case_id=CASE_ID)
    for name, (kind, plaintext) in ENVELOPES.items():
        w.db[f"case.{name}"] = envelope.seal(dek, plaintext, case_id=CASE_ID, kind=kind)


def _add_grants(w: World, dek: bytes, supervisor_private: bytes) -> None:
    escrow_private, escrow_public = escrow.generate_escrow_keypair()
    escrow.write_escrow_public(w.keys_dir / "escrow.pub", escrow_public)
    w.secrets["escrow_private"] = escrow_private  # offline, never on the server
    w.db["grant.escrow"] = grants.wrap_for_recipient(dek, escrow_public, case_id=CASE_ID)
    w.db["grant.staff1"] = grants.wrap_for_recipient(
        dek, w.db["staff1.public_key"], case_id=CASE_ID
    )
    w.db["grant.staff2"] = grants.rewrap_grant(
        w.db["grant.staff1"],
        supervisor_private,
        w.db["staff2.public_key"],
        case_id=CASE_ID,
    )


def _add_attachment(w: World, store: FilesystemBlobStore, dek: bytes) -> None:
    file_key = stream.new_file_key()
    w.secrets["file_key"] = file_key
    writer = store.open_writer()
    with stream.StreamEncryptor(writer, file_key) as encryptor:
        encryptor.write(ATTACHMENT)
    w.db["attachment.blob_id"] = writer.commit()
    w.db["attachment.file_key"] = envelope.seal(dek, file_key, case_id=CASE_ID, kind=b"file-key")


def _add_sessions(w: World, staff_private: bytes, dek: bytes) -> None:
    for who, payload in (("staff1", staff_private), ("reporter", dek)):
        session = sessions.new_session_token()
        w.tokens[who] = session.token
        w.secrets[f"session_{who}"] = session.secret
        w.db[f"session.{who}.id_hash"] = session.id_hash
        w.db[f"session.{who}.payload"] = sessions.seal_session_payload(session, payload)


@pytest.fixture
def world(tmp_path: Path, fast_params: Argon2Params) -> World:
    """Everything the server stores for one case with two staff members."""
    w = World(keys_dir=tmp_path / "keys", store=FilesystemBlobStore(tmp_path / "blobs"))
    w.keys_dir.mkdir()
    privates = _add_staff(w, fast_params)
    dek = envelope.new_data_key()
    w.secrets["dek"] = dek
    _add_case(w, fast_params, dek)
    _add_grants(w, dek, privates[1])
    assert w.store is not None
    _add_attachment(w, w.store, dek)
    _add_sessions(w, privates[1], dek)
    return w


def stolen_bytes(w: World) -> list[bytes]:
    """Every byte an attacker with the DB, blob folder and keys/ holds."""
    assert w.store is not None
    values = [v if isinstance(v, bytes) else v.encode() for v in w.db.values()]
    for folder in (w.store.root, w.keys_dir):
        values += [p.read_bytes() for p in sorted(folder.iterdir())]
    return values


def candidate_keys(values: list[bytes]) -> set[bytes]:
    candidates = {bytes(32), b"\xff" * 32}
    for value in values:
        head = value[:4096]
        candidates.update(head[i : i + 32] for i in range(max(1, len(head) - 31)))
        candidates.add(hashlib.sha256(value).digest())
        with contextlib.suppress(ValueError):
            candidates.add(bytes.fromhex(value.decode("ascii")))  # hex ids, hashes
    return {c for c in candidates if len(c) == 32}


def test_no_plaintext_or_key_appears_in_stolen_data(world: World) -> None:
    everything = b"\n".join(stolen_bytes(world))
    needles = [REPORT, MESSAGE, NOTE, IDENTITY, b"MARKER-"]
    needles += list(world.secrets.values())
    needles += [world.case_key.encode(), *(t.encode() for t in world.tokens.values())]
    for needle in needles:
        assert needle not in everything
        assert needle.hex().encode() not in everything


def count_openings(w: World, candidates: set[bytes], stream_tries: int) -> int:
    """How many stored ciphertexts open with any of ``candidates`` as a key."""
    assert w.store is not None
    with w.store.open(w.db["attachment.blob_id"]) as handle:
        blob = handle.read()
    targets: list[tuple[bytes, Any, bytes]] = [
        (w.db[f"case.{name}"], CASE_ID, kind) for name, (kind, _) in ENVELOPES.items()
    ]
    targets.append((w.db["attachment.file_key"], CASE_ID, b"file-key"))
    for who in ("staff1", "reporter"):
        targets.append((w.db[f"session.{who}.payload"], w.db[f"session.{who}.id_hash"], b"session"))
    grant_rows = [w.db[k] for k in ("grant.staff1", "grant.staff2", "grant.escrow")]
    opened = 0
    for key in candidates:
        for data, context, kind in targets:
            opened += _opens(
                lambda: envelope.open_sealed(key, data, case_id=context, kind=kind)  # noqa: B023
            )
        for grant in grant_rows:
            opened += _opens(lambda: grants.unwrap_grant(grant, key, case_id=CASE_ID))  # noqa: B023
    for key in sorted(candidates)[:stream_tries]:
        opened += _opens(lambda: stream.decrypt_to_bytes(io.BytesIO(blob), key))  # noqa: B023
    return opened


def test_stolen_data_decrypts_nothing(world: World) -> None:
    candidates = candidate_keys(stolen_bytes(world))
    assert len(candidates) > 1000
    assert count_openings(world, candidates, stream_tries=300) == 0


def test_harness_detects_a_leak(world: World) -> None:
    # Positive control: had any real key been stored, the attack above would
    # have counted it.
    real = {world.secrets[k] for k in ("dek", "file_key", "session_reporter")}
    real.add(world.secrets["staff1_private"])
    # dek: 4 case envelopes + file key; file key: the blob; session secret:
    # its payload; staff1 private key: its grant.
    assert count_openings(world, real, stream_tries=len(real)) == 8


def test_password_guessing_and_token_forgery_fail(world: World) -> None:
    guesses = ["", "password", "123456", "sipadu", "inspektorat", "admin", "1", "2"]
    for account in PASSWORDS:
        for guess in guesses:
            with pytest.raises(CryptoError):
                staff.unlock_private_key(
                    world.db[f"staff{account}.wrapped_private_key"],
                    guess,
                    account_id=account,
                )
    # Whoever has the row's id hash cannot turn it into a working session.
    for who in ("staff1", "reporter"):
        id_hash = bytes.fromhex(str(world.db[f"session.{who}.id_hash"]))
        forged = sessions._from_raw(id_hash)
        with pytest.raises(CryptoError):
            sessions.open_session_payload(forged, world.db[f"session.{who}.payload"])
    # A guessed case key for the right code is simply wrong.
    code = casekey.normalize_case_code(str(world.db["case.code"]))
    guess_key = casekey.generate_case_key(code)
    assert not casekey.verify_case_key(guess_key, world.db["case.reporter_record"])


def test_positive_control_with_credentials(world: World) -> None:
    """The same data does open with a password, the case key or a cookie."""
    private = staff.unlock_private_key(
        world.db["staff2.wrapped_private_key"],
        PASSWORDS[2],
        account_id=2,
    )
    dek = grants.unwrap_grant(world.db["grant.staff2"], private, case_id=CASE_ID)
    assert (
        envelope.open_sealed(dek, world.db["case.report"], case_id=CASE_ID, kind=b"report")
        == REPORT
    )
    key = casekey.parse_case_key(world.case_key.lower().replace("-", " "))
    assert casekey.unlock_case_dek(key, world.db["case.reporter_record"], case_id=CASE_ID) == dek
    file_key = envelope.open_sealed(
        dek, world.db["attachment.file_key"], case_id=CASE_ID, kind=b"file-key"
    )
    assert world.store is not None
    with world.store.open(str(world.db["attachment.blob_id"])) as handle:
        assert stream.decrypt_to_bytes(handle, file_key) == ATTACHMENT
    session = sessions.session_from_token(world.tokens["reporter"])
    assert session.id_hash == world.db["session.reporter.id_hash"]
    assert sessions.open_session_payload(session, world.db["session.reporter.payload"]) == dek
    escrow_dek = grants.unwrap_grant(
        world.db["grant.escrow"], world.secrets["escrow_private"], case_id=CASE_ID
    )
    assert escrow_dek == dek


def _opens(attempt: Callable[[], object]) -> int:
    try:
        attempt()
    except (CryptoError, ValueError):
        return 0
    return 1
