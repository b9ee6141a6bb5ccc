"""A reporter's sealed identity: its own key, wrapped for custodians, never the case DEK.

The identity is sealed under an identity key (IDK) drawn for it alone, and the IDK is
wrapped (``grants``' X25519 format) for each identity custodian, for the escrow key and, for
a limited time, for the one staff member a custodian approved. Supervisors and
investigators hold the case DEK, which does not open it.

Both the envelope and the key grants use the context ``<case code>/identity`` instead of
the case code, so an identity-key grant copied into ``case_grants`` (or a DEK grant copied
into ``identity_key_grants``) does not open, and an identity envelope never opens under the
DEK even when a writer swaps the keys::

    sealed = envelope v2 (IDK, identity JSON, case_id = code + "/identity",
                          kind = "custodial-identity", binding = (b"", "reporter"))
    grant  = grants v1 (IDK, recipient public, case_id = code + "/identity")
"""

from __future__ import annotations

from sipadu.crypto import envelope, grants

KIND_CUSTODIAL_IDENTITY = b"custodial-identity"
_BINDING = envelope.Binding(b"", "reporter")


def identity_context(code: str) -> str:
    """The context an identity and its key grants are bound to (not the case code alone)."""
    return f"{code}/identity"


def new_identity_key() -> bytes:
    """A fresh 256-bit identity key."""
    return envelope.new_data_key()


def seal_identity(identity_key: bytes, code: str, plaintext: bytes) -> bytes:
    """Seal an identity document under its identity key."""
    return envelope.seal(
        identity_key,
        plaintext,
        case_id=identity_context(code),
        kind=KIND_CUSTODIAL_IDENTITY,
        binding=_BINDING,
    )


def open_identity(identity_key: bytes, code: str, sealed: bytes) -> bytes:
    """Open a sealed identity; raises DecryptionError under any other key or case."""
    return envelope.open_sealed(
        identity_key,
        sealed,
        case_id=identity_context(code),
        kind=KIND_CUSTODIAL_IDENTITY,
        binding=_BINDING,
    )


def wrap_identity_key(identity_key: bytes, recipient_public: bytes, code: str) -> bytes:
    """Wrap the identity key for a custodian, the escrow key or an approved requester."""
    return grants.wrap_for_recipient(identity_key, recipient_public, case_id=identity_context(code))


def unwrap_identity_key(grant: bytes, private_key: bytes, code: str) -> bytes:
    """The identity key from a grant; raises DecryptionError when it is not the holder's."""
    return grants.unwrap_grant(grant, private_key, case_id=identity_context(code))
