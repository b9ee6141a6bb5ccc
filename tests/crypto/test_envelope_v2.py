"""Envelope v2: bound to a row and an author as well as a case and a kind; a v1 envelope
never opens where v2 is expected, nor the reverse (no downgrade, no upgrade)."""

from __future__ import annotations

import pytest

from sipadu.crypto import envelope
from sipadu.crypto.envelope import Binding, open_sealed, seal
from sipadu.crypto.errors import DecryptionError
from tests.crypto.cryptokit import flip_each_byte

KEY = bytes(range(32))
ROW = Binding(bytes(range(16)), "staff:7")


def _seal(binding: Binding = ROW) -> bytes:
    return seal(KEY, b"pesan petugas", case_id="SPD-7K3Q9M", kind=b"message", binding=binding)


def test_round_trip_and_version_byte() -> None:
    data = _seal()
    assert data[0] == envelope.VERSION_BOUND == 2
    assert len(data) == len(b"pesan petugas") + envelope.OVERHEAD
    assert (
        open_sealed(KEY, data, case_id="SPD-7K3Q9M", kind=b"message", binding=ROW)
        == b"pesan petugas"
    )


@pytest.mark.parametrize(
    "other",
    [
        Binding(bytes(range(1, 17)), "staff:7"),  # another row
        Binding(bytes(range(16)), "reporter"),  # another author
        Binding(bytes(range(16)), "staff:8"),  # another staff member
        Binding(bytes(range(16)), "staff"),
        Binding(bytes(range(16)), "staff:7", "x"),  # other row metadata
        Binding(b"", "staff:7"),
    ],
)
def test_any_other_binding_fails(other: Binding) -> None:
    with pytest.raises(DecryptionError):
        open_sealed(KEY, _seal(), case_id="SPD-7K3Q9M", kind=b"message", binding=other)


def test_case_and_kind_still_bind() -> None:
    with pytest.raises(DecryptionError):
        open_sealed(KEY, _seal(), case_id="SPD-7K3Q9N", kind=b"message", binding=ROW)
    with pytest.raises(DecryptionError):
        open_sealed(KEY, _seal(), case_id="SPD-7K3Q9M", kind=b"note", binding=ROW)


def test_no_downgrade_and_no_upgrade() -> None:
    v1 = seal(KEY, b"lama", case_id="SPD-7K3Q9M", kind=b"message")
    with pytest.raises(DecryptionError):
        open_sealed(KEY, v1, case_id="SPD-7K3Q9M", kind=b"message", binding=ROW)
    with pytest.raises(DecryptionError):
        open_sealed(KEY, _seal(), case_id="SPD-7K3Q9M", kind=b"message")
    # Relabelling the version byte does not help: the version is in the associated data.
    with pytest.raises(DecryptionError):
        open_sealed(
            KEY,
            b"\x02" + v1[1:],
            case_id="SPD-7K3Q9M",
            kind=b"message",
            binding=Binding(b"", "reporter"),
        )
    with pytest.raises(DecryptionError):
        open_sealed(KEY, b"\x01" + _seal()[1:], case_id="SPD-7K3Q9M", kind=b"message")


def test_every_flipped_byte_is_rejected() -> None:
    for _, mutated in flip_each_byte(_seal()):
        with pytest.raises(DecryptionError):
            open_sealed(KEY, mutated, case_id="SPD-7K3Q9M", kind=b"message", binding=ROW)


def test_fields_are_length_prefixed_so_they_cannot_shift() -> None:
    """'ab' + 'c' and 'a' + 'bc' must not give the same associated data."""
    a = Binding(b"ab", "reporter", "c").aad_bytes()
    b = Binding(b"a", "reporter", "bc").aad_bytes()
    assert a != b


@pytest.mark.parametrize("author", ["", "admin", "staff:", "staff:x", "Reporter", "system "])
def test_unknown_authors_are_refused(author: str) -> None:
    with pytest.raises(ValueError):
        _seal(Binding(b"r", author))


def test_record_ids_are_random_16_bytes() -> None:
    ids = {envelope.new_record_id() for _ in range(100)}
    assert len(ids) == 100 and {len(i) for i in ids} == {16}
