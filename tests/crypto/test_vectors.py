"""Known-answer tests: a change of any on-disk format makes these fail.

``vectors.json`` is checked in. Each vector is checked twice: against the
code (with injected nonces / ephemeral keys) and, where cheap, against an
independent computation from the documented format with raw primitives, so
the docs and the code cannot drift apart silently.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sipadu.crypto import casekey, envelope, grants, sessions, stream
from sipadu.crypto.params import Argon2Params, argon2id

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors.json").read_text(encoding="utf-8")
)
h = bytes.fromhex


def _params(values: list[int]) -> Argon2Params:
    return Argon2Params(time_cost=values[0], memory_cost=values[1], parallelism=values[2])


def test_envelope_vector() -> None:
    v = VECTORS["envelope"]
    kind = v["kind"].encode()
    out = envelope._seal_with_nonce(
        h(v["key"]), h(v["nonce"]), h(v["plaintext"]), v["case_id"], kind
    )
    assert out.hex() == v["ciphertext"]
    cid = v["case_id"].encode()
    aad = b"sipadu-envelope" + bytes((1, len(kind))) + kind + struct.pack(">H", len(cid)) + cid
    independent = (
        b"\x01" + h(v["nonce"]) + AESGCM(h(v["key"])).encrypt(h(v["nonce"]), h(v["plaintext"]), aad)
    )
    assert independent.hex() == v["ciphertext"]
    assert envelope.open_sealed(h(v["key"]), out, case_id=v["case_id"], kind=kind) == h(
        v["plaintext"]
    )


def test_grant_vector() -> None:
    v = VECTORS["grant"]
    assert grants.public_from_private(h(v["recipient_private"])).hex() == v["recipient_public"]
    out = grants._wrap_with(
        h(v["ephemeral_private"]),
        h(v["nonce"]),
        h(v["dek"]),
        h(v["recipient_public"]),
        v["case_id"],
    )
    assert out.hex() == v["grant"]
    assert grants.unwrap_grant(out, h(v["recipient_private"]), case_id=v["case_id"]) == h(v["dek"])

    eph = X25519PrivateKey.from_private_bytes(h(v["ephemeral_private"]))
    eph_pub = eph.public_key().public_bytes_raw()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(h(v["recipient_public"])))
    cid = str(v["case_id"]).encode()
    info = (
        b"sipadu-grant-v1" + struct.pack(">H", len(cid)) + cid + eph_pub + h(v["recipient_public"])
    )
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)
    header = b"\x01" + eph_pub
    ct = AESGCM(key).encrypt(h(v["nonce"]), h(v["dek"]), header + cid)
    assert (header + h(v["nonce"]) + ct).hex() == v["grant"]


def _encrypt(data: bytes, pad: bool) -> bytes:
    v = VECTORS["stream"]
    sink = io.BytesIO()
    enc = stream.StreamEncryptor(sink, h(v["key"]), pad=pad, _nonce_prefix=h(v["nonce_prefix"]))
    enc.write(data)
    enc.close()
    return sink.getvalue()


def test_stream_vectors() -> None:
    v = VECTORS["stream"]
    big = bytes(i & 0xFF for i in range(2 * 65536 + 3))
    assert _encrypt(b"hello", False).hex() == v["hello_unpadded"]
    assert _encrypt(b"", False).hex() == v["empty_unpadded"]
    assert hashlib.sha256(_encrypt(b"hello", True)).hexdigest() == v["hello_padded_sha256"]
    assert hashlib.sha256(_encrypt(big, False)).hexdigest() == v["big_unpadded_sha256"]
    assert hashlib.sha256(_encrypt(big, True)).hexdigest() == v["big_padded_sha256"]


def test_stream_vector_matches_documented_format() -> None:
    v = VECTORS["stream"]
    header = b"\x01" + h(v["nonce_prefix"])
    nonce = h(v["nonce_prefix"]) + (0).to_bytes(4, "big") + bytes((stream.FLAG_FINAL,))
    record = AESGCM(h(v["key"])).encrypt(nonce, b"hello", header)
    assert (header + record).hex() == v["hello_unpadded"]


def test_case_key_vector() -> None:
    v = VECTORS["case_key"]
    key = casekey.CaseKey(code=v["code"], secret=v["secret"])
    assert casekey.format_case_key(key) == v["formatted"]
    assert casekey.parse_case_key(v["formatted"]) == key
    derived = casekey.derive_case_key_material(key, h(v["salt"]), _params(v["params"]))
    assert derived.verifier.hex() == v["verifier"]
    assert derived.wrapping_key.hex() == v["wrapping_key"]


def test_session_vector() -> None:
    v = VECTORS["session"]
    session = sessions._from_raw(h(v["raw"]))
    assert session.token == v["token"]
    assert session.id_hash == v["id_hash"]
    assert session.secret.hex() == v["secret"]
    assert sessions.session_from_token(v["token"]) == session


def test_argon2id_vector() -> None:
    v = VECTORS["argon2id"]
    out = argon2id(h(v["secret"]), h(v["salt"]), _params(v["params"]), v["length"])
    assert out.hex() == v["output"]


def test_envelope_v2_vectors() -> None:
    """Version 2 vectors, checked against the code and against the documented layout."""
    for v in VECTORS["envelope_v2"]:
        kind, cid = v["kind"].encode(), v["case_id"].encode()
        record, author, detail = h(v["record_id"]), v["author"].encode(), v["detail"].encode()
        binding = envelope.Binding(record, v["author"], v["detail"])
        out = envelope._seal_with_nonce(
            h(v["key"]), h(v["nonce"]), h(v["plaintext"]), v["case_id"], kind, binding
        )
        assert out.hex() == v["ciphertext"]
        aad = (
            b"sipadu-envelope"
            + bytes((2, len(kind)))
            + kind
            + struct.pack(">H", len(cid))
            + cid
            + bytes((len(record),))
            + record
            + bytes((len(author),))
            + author
            + struct.pack(">H", len(detail))
            + detail
        )
        independent = (
            b"\x02"
            + h(v["nonce"])
            + AESGCM(h(v["key"])).encrypt(h(v["nonce"]), h(v["plaintext"]), aad)
        )
        assert independent.hex() == v["ciphertext"]
        assert envelope.open_sealed(
            h(v["key"]), out, case_id=v["case_id"], kind=kind, binding=binding
        ) == h(v["plaintext"])
