from __future__ import annotations

import pytest

from sipadu.crypto import sessions
from sipadu.crypto.envelope import open_sealed
from sipadu.crypto.errors import DecryptionError, InvalidSessionTokenError
from sipadu.crypto.sessions import (
    new_session_token,
    open_session_payload,
    seal_session_payload,
    session_from_token,
)

PAYLOAD = bytes(range(32))


def test_token_round_trip() -> None:
    session = new_session_token()
    again = session_from_token(session.token)
    assert again == session
    assert session.token.startswith("v1.")
    assert len(bytes.fromhex(session.id_hash)) == 32


def test_tokens_are_unique() -> None:
    tokens = {new_session_token().token for _ in range(200)}
    assert len(tokens) == 200


def test_payload_round_trip() -> None:
    session = new_session_token()
    sealed = seal_session_payload(session, PAYLOAD)
    presented = session_from_token(session.token)
    assert open_session_payload(presented, sealed) == PAYLOAD


def test_another_session_cannot_open_the_row() -> None:
    a, b = new_session_token(), new_session_token()
    sealed = seal_session_payload(a, PAYLOAD)
    with pytest.raises(DecryptionError):
        open_session_payload(b, sealed)


def test_row_alone_decrypts_nothing() -> None:
    # Whoever holds the row has id_hash and the sealed payload; try every
    # way of turning what is in the row into the key.
    session = new_session_token()
    sealed = seal_session_payload(session, PAYLOAD)
    id_bytes = bytes.fromhex(session.id_hash)
    for candidate in (id_bytes, sealed[1:33], sealed[-32:], bytes(32)):
        with pytest.raises(DecryptionError):
            open_sealed(candidate, sealed, case_id=session.id_hash, kind=b"session")
    assert session.secret not in sealed and session.secret != id_bytes
    assert session.token.encode() not in sealed


def test_token_alone_has_no_payload() -> None:
    session = new_session_token()
    assert PAYLOAD.hex() not in session.token
    assert session.secret.hex() not in session.token


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1.",
        "v2." + "A" * 43,
        "v1." + "A" * 42,
        "v1." + "A" * 44,
        "v1." + "*" * 43,
        "v1." + "A" * 42 + "B",
        "v1." + "A" * 41 + "==",
    ],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(InvalidSessionTokenError):
        session_from_token(token)


def test_repr_hides_token_and_secret() -> None:
    session = new_session_token()
    text = repr(session)
    assert session.token not in text
    assert repr(session.secret) not in text
    assert session.id_hash in text


def test_payload_bound_to_session_id() -> None:
    a = new_session_token()
    sealed = seal_session_payload(a, PAYLOAD)
    forged = sessions.SessionToken(token=a.token, id_hash="00" * 32, secret=a.secret)
    with pytest.raises(DecryptionError):
        open_session_payload(forged, sealed)
