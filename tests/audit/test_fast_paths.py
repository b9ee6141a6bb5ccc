"""The verification fast paths compute exactly what the original definitions computed.

``canonical_row`` once called ``json.dumps`` and ``strftime``; ``verify_chain`` signs with
``ChainSigner`` instead of ``hmac``. Any difference would make every stored chain fail (or,
worse, pass when it should not), so both are checked against the reference definitions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sipadu.audit.service import ChainSigner, canonical_row, sign


def _reference_row(
    seq: int, moment: datetime, tag: str, actor: str, code: str | None, outcome: str, detail: str
) -> bytes:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(
        [seq, iso, tag, actor, code, outcome, detail], separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")


_zones = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30))]
)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(min_value=0, max_value=2**62),
    moment=st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30)),
    zone=_zones,
    tag=st.text(),
    actor=st.text(),
    code=st.none() | st.text(),
    outcome=st.text(),
    detail=st.text(),
)
def test_canonical_row_matches_json_dumps(
    seq: int,
    moment: datetime,
    zone: timezone | None,
    tag: str,
    actor: str,
    code: str | None,
    outcome: str,
    detail: str,
) -> None:
    moment = moment.replace(tzinfo=zone)
    assert canonical_row(seq, moment, tag, actor, code, outcome, detail) == _reference_row(
        seq, moment, tag, actor, code, outcome, detail
    )


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=0, max_size=200),
    message=st.text(st.characters(max_codepoint=127), max_size=300),
)
def test_chain_signer_is_hmac_sha256(key: bytes, message: str) -> None:
    expected = hmac.new(key, message.encode("ascii"), hashlib.sha256).hexdigest()
    assert ChainSigner(key)(message) == expected == sign(key, message)


def test_chain_signer_rfc4231_vectors() -> None:
    # RFC 4231, test cases 2 and 6 (a short key; a key longer than the block size).
    assert ChainSigner(b"Jefe")("what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
    assert ChainSigner(b"\xaa" * 131)("Test Using Larger Than Block-Size Key - Hash Key First") == (
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    )
