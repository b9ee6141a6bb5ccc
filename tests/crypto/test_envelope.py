from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sipadu.crypto import envelope
from sipadu.crypto.envelope import new_data_key, open_sealed, seal
from sipadu.crypto.errors import CryptoError, DecryptionError
from tests.crypto.cryptokit import flip_each_byte

KEY = bytes(range(32))


def test_round_trip() -> None:
    data = seal(KEY, b"laporan rahasia", case_id="case-1", kind=b"report")
    assert open_sealed(KEY, data, case_id="case-1", kind=b"report") == b"laporan rahasia"


def test_format_and_overhead() -> None:
    data = seal(KEY, b"abc", case_id=1, kind=b"note")
    assert data[0] == envelope.VERSION
    assert len(data) == 3 + envelope.OVERHEAD


def test_nonces_are_fresh() -> None:
    a = seal(KEY, b"same", case_id=1, kind=b"note")
    b = seal(KEY, b"same", case_id=1, kind=b"note")
    assert a[1:13] != b[1:13]
    assert a != b


def test_every_flipped_byte_is_rejected() -> None:
    data = seal(KEY, b"a message from the reporter", case_id=7, kind=b"message")
    for position, mutated in flip_each_byte(data):
        with pytest.raises(DecryptionError):
            open_sealed(KEY, mutated, case_id=7, kind=b"message")
        assert position < len(data)


def test_wrong_key_case_and_kind() -> None:
    data = seal(KEY, b"x", case_id="A", kind=b"report")
    with pytest.raises(DecryptionError):
        open_sealed(new_data_key(), data, case_id="A", kind=b"report")
    with pytest.raises(DecryptionError):
        open_sealed(KEY, data, case_id="B", kind=b"report")
    with pytest.raises(DecryptionError):
        open_sealed(KEY, data, case_id="A", kind=b"message")


def test_case_id_encoding_is_unambiguous() -> None:
    # Length prefixes keep ("ab", kind) apart from ("a", "b"-ish) splices.
    data = seal(KEY, b"x", case_id="12", kind=b"note")
    assert open_sealed(KEY, data, case_id=12, kind=b"note") == b"x"
    for other in ("1", "123", "12 ", "012"):
        with pytest.raises(DecryptionError):
            open_sealed(KEY, data, case_id=other, kind=b"note")


@pytest.mark.parametrize("cut", [0, 1, 12, 13, 28])
def test_truncated_and_extended(cut: int) -> None:
    data = seal(KEY, b"", case_id=1, kind=b"note")
    assert len(data) == 29
    with pytest.raises(DecryptionError):
        open_sealed(KEY, data[:cut], case_id=1, kind=b"note")
    with pytest.raises(DecryptionError):
        open_sealed(KEY, data + b"\x00", case_id=1, kind=b"note")


def test_unknown_version_rejected() -> None:
    data = bytearray(seal(KEY, b"x", case_id=1, kind=b"note"))
    data[0] = 2
    with pytest.raises(DecryptionError):
        open_sealed(KEY, bytes(data), case_id=1, kind=b"note")


@pytest.mark.parametrize("kind", [b"", b"Report", b"a b", b"x" * 64, "report"])
def test_bad_kinds_refused(kind: object) -> None:
    with pytest.raises(ValueError):
        seal(KEY, b"x", case_id=1, kind=kind)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [b"", bytes(16), bytes(31), bytes(33)])
def test_bad_key_sizes_refused(key: bytes) -> None:
    with pytest.raises(ValueError):
        seal(key, b"x", case_id=1, kind=b"note")


def test_errors_share_a_base() -> None:
    assert issubclass(DecryptionError, CryptoError)


def test_new_data_key() -> None:
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == 32 for k in keys)


@given(
    plaintext=st.binary(max_size=4096),
    case_id=st.one_of(st.text(max_size=40), st.integers(min_value=0)),
    kind=st.from_regex(rb"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True),
)
def test_round_trip_property(plaintext: bytes, case_id: str | int, kind: bytes) -> None:
    data = seal(KEY, plaintext, case_id=case_id, kind=kind)
    assert open_sealed(KEY, data, case_id=case_id, kind=kind) == plaintext
