"""The blob store interface.

A blob store keeps opaque byte strings (always ciphertext in SIPADU) under
ids it generates itself. Callers never choose a name, so nothing a user sends
can become a path. A blob is written through a :class:`BlobWriter` and only
becomes visible, atomically, on :meth:`BlobWriter.commit`.

Every store and writer class counts the failures of its own operations in the
``sipadu_blob_store_errors`` metric (by operation name) without writing a line for it:
``__init_subclass__`` wraps the methods a subclass defines, so a new store is measured too.
"""

from __future__ import annotations

import functools
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator
from typing import Any, BinaryIO

from sipadu.metrics import count_blob_store_error

BLOB_ID_PATTERN = re.compile(r"[0-9a-f]{32}")


class BlobStoreError(Exception):
    """Base class of blob store errors."""


class InvalidBlobIdError(BlobStoreError):
    """A blob id is not 32 lower-case hex characters."""


class BlobNotFoundError(BlobStoreError):
    """No blob with this id exists."""


class BlobExistsError(BlobStoreError):
    """A blob with this id exists already; stores never overwrite one."""


class BlobStoreUnavailableError(BlobStoreError):
    """The store cannot be reached or refused a request (an object store's network, its
    credentials); whatever was being written has been discarded."""


class BlobTooLargeError(BlobStoreError):
    """A writer received more bytes than its size limit."""


class BlobStoreFullError(BlobStoreError):
    """The store has no space (or quota) left; the partial blob has been discarded."""


# What a caller did wrong, not the store: not counted as a blob-store error.
_CALLER_ERRORS = (InvalidBlobIdError, BlobNotFoundError, BlobTooLargeError)
_WRITE_OPERATIONS = frozenset({"open_writer", "write", "commit"})
# When (time.monotonic) this process last saw a store refuse a write: a failed upload has no
# log line (reporter requests are not logged), so /readyz checks the store again at once.
_last_write_failure = [0.0]


def last_write_failure() -> float:
    """The monotonic time of this process's last failed blob write (0.0: none yet)."""
    return _last_write_failure[0]


def _counting_errors(operation: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def counted(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except _CALLER_ERRORS:
            raise
        except Exception:
            count_blob_store_error(operation)
            if operation in _WRITE_OPERATIONS:
                _last_write_failure[0] = time.monotonic()
            raise

    return counted


def count_errors_of(cls: type, operations: tuple[str, ...]) -> None:
    """Count the failures of the ``operations`` a store class defines itself
    (``sipadu_blob_store_errors``): every store, present or future, is measured alike."""
    for operation in operations:
        method = cls.__dict__.get(operation)
        if callable(method):
            setattr(cls, operation, _counting_errors(operation, method))


def validate_blob_id(blob_id: object) -> str:
    """Return ``blob_id`` if it is a well-formed id, else raise InvalidBlobIdError."""
    if not isinstance(blob_id, str) or not BLOB_ID_PATTERN.fullmatch(blob_id):
        raise InvalidBlobIdError("invalid blob id")
    return blob_id


class BlobWriter(ABC):
    """A blob being written. Used as a context manager it aborts unless
    :meth:`commit` was called, so an exception never leaves a partial blob."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        count_errors_of(cls, ("write", "commit", "abort"))

    @abstractmethod
    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Append ``data``; returns the number of bytes written."""

    @abstractmethod
    def commit(self) -> str:
        """Make the blob durable and visible; returns its new id."""

    @abstractmethod
    def abort(self) -> None:
        """Discard everything written. Idempotent; a no-op after commit."""

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.abort()


class BlobStore(ABC):
    """Storage of opaque blobs under store-generated ids."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        count_errors_of(cls, ("open_writer", "open", "delete", "exists", "size", "sweep_orphans"))

    @abstractmethod
    def open_writer(self, *, max_size: int | None = None) -> BlobWriter:
        """Start a new blob; at most ``max_size`` bytes if given."""

    @abstractmethod
    def open(self, blob_id: str) -> BinaryIO:
        """Open a committed blob for reading (BlobNotFoundError if missing)."""

    @abstractmethod
    def delete(self, blob_id: str) -> None:
        """Remove a blob for good (BlobNotFoundError if missing)."""

    @abstractmethod
    def exists(self, blob_id: str) -> bool:
        """True if a committed blob with this id exists."""

    @abstractmethod
    def size(self, blob_id: str) -> int:
        """Size in bytes of a committed blob."""

    @abstractmethod
    def check(self) -> None:
        """Raise a BlobStoreError, naming the setting to fix, when the store cannot be used
        at all (checked before a server starts)."""

    @abstractmethod
    def blob_ids(self) -> Iterator[str]:
        """The id of every committed blob, in no particular order."""

    @abstractmethod
    def import_blob(self, blob_id: str, source: BinaryIO) -> int:
        """Store the bytes of ``source`` under exactly ``blob_id`` (a restore keeps the ids
        its database rows name); returns the size. BlobExistsError if the id is taken."""

    @abstractmethod
    def sweep_orphans(
        self,
        known_ids: Collection[str],
        older_than_seconds: float = 3600,
        *,
        now: float | None = None,
    ) -> list[str]:
        """Remove blobs not in ``known_ids`` and abandoned partial writes, both only when
        older than ``older_than_seconds`` at ``now`` (default: the clock); returns what was
        removed."""
