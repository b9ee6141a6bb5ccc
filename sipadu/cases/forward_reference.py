"""The receiving institution's reference number of a forwarded case, sealed under the case
DEK: staff read it on the case page and in an export, never in logs, the audit log or the
reporter's view. Here, below case work and the export, so both open it the same way."""

from __future__ import annotations

from sipadu.cases.models import Case
from sipadu.cases.service import open_json, seal_json

KIND_FORWARD_REFERENCE = b"forward-reference"


def seal_forward_reference(dek: bytes, case: Case, reference: str | None) -> bytes:
    """The reference sealed for ``case.forward_reference_sealed``."""
    return seal_json(dek, case.code, KIND_FORWARD_REFERENCE, {"reference": reference})


def open_forward_reference(dek: bytes, case: Case) -> str | None:
    """The reference, or None when the case holds none; raises DecryptionError when the
    sealed value does not open under this case's DEK."""
    sealed = case.forward_reference_sealed
    if sealed is None:
        return None
    return str(open_json(dek, case.code, KIND_FORWARD_REFERENCE, sealed)["reference"])
