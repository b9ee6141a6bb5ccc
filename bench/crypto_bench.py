"""Throughput of raw AES-GCM, of our streamed attachment format, and Argon2id cost."""

from __future__ import annotations

import io
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sipadu.crypto.params import DEFAULT_ARGON2, Argon2Params, argon2id
from sipadu.crypto.stream import CHUNK_SIZE, StreamEncryptor, decrypt_stream

MIB = 1024 * 1024


@dataclass(frozen=True)
class Throughput:
    """Bytes processed and the best wall time over the rounds, as MiB/s."""

    size: int
    seconds: float

    @property
    def mib_per_s(self) -> float:
        """Throughput in MiB per second."""
        return self.size / MIB / self.seconds


class _Discard:
    """A sink that counts and drops what it is given (the blob store is not measured here)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview, /) -> int:
        self.size += len(data)
        return len(data)


def _pieces(size: int) -> tuple[bytes, int]:
    """One random 64 KiB piece reused for the whole run (content does not affect AES)."""
    return secrets.token_bytes(CHUNK_SIZE), -(-size // CHUNK_SIZE)


def timed(run: Callable[[], None]) -> float:
    """Wall seconds of one call of ``run``."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def raw_aesgcm_run(size: int) -> Callable[[], None]:
    """AESGCM.encrypt on 64 KiB chunks, one key, counter nonces: the ceiling for our format."""
    piece, count = _pieces(size)
    aead = AESGCM(secrets.token_bytes(32))
    prefix = secrets.token_bytes(8)
    header = b"\x01" + prefix[:7]

    def run() -> None:
        for counter in range(count):
            aead.encrypt(prefix + counter.to_bytes(4, "big"), piece, header)

    return run


def stream_encrypt_run(size: int) -> Callable[[], None]:
    """StreamEncryptor fed 64 KiB pieces into a discarding sink (padding on, as uploads)."""
    piece, count = _pieces(size)
    key = secrets.token_bytes(32)

    def run() -> None:
        encryptor = StreamEncryptor(_Discard(), key)
        for _ in range(count):
            encryptor.write(piece)
        encryptor.close()

    return run


def _encrypted_blob(size: int, key: bytes) -> bytes:
    piece, count = _pieces(size)
    sink = io.BytesIO()
    encryptor = StreamEncryptor(sink, key, pad=False)
    for _ in range(count):
        encryptor.write(piece)
    encryptor.close()
    return sink.getvalue()


def stream_decrypt_run(size: int) -> Callable[[], None]:
    """decrypt_stream over a BytesIO blob, chunks dropped as a download would send them.

    The ciphertext sits in memory so disk speed is not measured; the decryptor still reads it
    record by record like a file.
    """
    key = secrets.token_bytes(32)
    blob = _encrypted_blob(size, key)

    def run() -> None:
        for _chunk in decrypt_stream(io.BytesIO(blob), key):
            pass

    return run


def raw_aesgcm_decrypt_run(size: int) -> Callable[[], None]:
    """AESGCM.decrypt over ``size`` bytes of distinct 64 KiB records (not one hot buffer).

    Not a target baseline: it shows how much of the decrypt gap is reading ciphertext that
    is not already in the CPU cache, which any decryptor must do.
    """
    aead = AESGCM(secrets.token_bytes(32))
    prefix = secrets.token_bytes(8)
    header = b"\x01" + prefix[:7]
    records = [
        aead.encrypt(prefix + n.to_bytes(4, "big"), secrets.token_bytes(CHUNK_SIZE), header)
        for n in range(-(-size // CHUNK_SIZE))
    ]

    def run() -> None:
        for counter, record in enumerate(records):
            aead.decrypt(prefix + counter.to_bytes(4, "big"), record, header)

    return run


@dataclass(frozen=True)
class StreamResults:
    """Raw AES-GCM, streamed encrypt and decrypt, measured in interleaved rounds."""

    raw: Throughput
    encrypt: Throughput
    decrypt: Throughput
    raw_decrypt: Throughput
    rounds: int
    encrypt_ratios: list[float]
    decrypt_ratios: list[float]

    @property
    def encrypt_ratio(self) -> float:
        """Streamed encrypt speed over raw AES-GCM speed (best rounds)."""
        return self.encrypt.mib_per_s / self.raw.mib_per_s

    @property
    def decrypt_ratio(self) -> float:
        """Streamed decrypt speed over raw AES-GCM speed (best rounds)."""
        return self.decrypt.mib_per_s / self.raw.mib_per_s


def stream_throughputs(total: int, rounds: int) -> StreamResults:
    """Process ``total`` bytes with each method, in ``rounds`` interleaved rounds.

    On a shared machine the speed varies from second to second; interleaving gives every
    method the same weather, and the best round of each is its least disturbed speed.
    The per-round ratios are kept so the spread can be reported too.
    """
    size = max(CHUNK_SIZE, total // rounds // CHUNK_SIZE * CHUNK_SIZE)
    runs = [
        raw_aesgcm_run(size),
        stream_encrypt_run(size),
        stream_decrypt_run(size),
        raw_aesgcm_decrypt_run(size),
    ]
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for index, run in enumerate(runs):
            times[index].append(timed(run))
    raw, enc, dec, raw_dec = (Throughput(size, min(series)) for series in times)
    return StreamResults(
        raw,
        enc,
        dec,
        raw_dec,
        rounds,
        encrypt_ratios=[r / e for r, e in zip(times[0], times[1], strict=True)],
        decrypt_ratios=[r / d for r, d in zip(times[0], times[2], strict=True)],
    )


@dataclass(frozen=True)
class Argon2Timing:
    """Median and spread of several Argon2id derivations."""

    params: Argon2Params
    runs: list[float]

    @property
    def median(self) -> float:
        """Median seconds per derivation."""
        return statistics.median(self.runs)


def argon2_time(runs: int = 5, params: Argon2Params = DEFAULT_ARGON2) -> Argon2Timing:
    """Time ``runs`` Argon2id key derivations at ``params`` (the configured default)."""
    salt = secrets.token_bytes(16)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        argon2id(b"correct horse battery staple", salt, params, 32)
        times.append(time.perf_counter() - start)
    return Argon2Timing(params, times)
