"""The rows numbered 3 in docs/performance.md's table: one large file up and down through
``sipadu serve``, as ratios to raw AES-GCM, beside what this machine allows any transfer
(``transfer_limits``)."""

from __future__ import annotations

from bench import crypto_bench, transfer_limits, upload_bench
from bench.report import Figure

MIB = 1024 * 1024
UPLOAD_MEMORY_TARGET_MIB = 64
TRANSFER_RATIO_TARGET = 0.15  # upload and download / raw AES-GCM
KEY_CHECK_RUNS = 3


def raw_baseline(size: int = 64 * MIB, rounds: int = 8) -> float:
    """Raw AES-GCM MiB/s on 64 KiB chunks, best of ``rounds``: the upload figures' baseline."""
    run_once = crypto_bench.raw_aesgcm_run(size // rounds)
    best = min(crypto_bench.timed(run_once) for _ in range(rounds))
    return size / rounds / MIB / best


def upload_figures(size: int) -> list[Figure]:
    """Upload and download of one ``size``-byte file through ``sipadu serve``, as ratios to
    raw AES-GCM measured just before and after; the machine's limits; worker memory."""
    before = raw_baseline()
    result = upload_bench.upload_download(size)
    limits = transfer_limits.measure(size)
    key_check = crypto_bench.argon2_time(KEY_CHECK_RUNS).median
    raw = max(before, raw_baseline())
    return [
        *_upload_part(result, raw),
        *_limit_part(result, limits, raw, key_check),
        *_download_part(result, limits, raw),
        _memory_figure(result),
    ]


def _upload_part(result: upload_bench.UploadResult, raw: float) -> list[Figure]:
    label = f"{result.size / MIB:g} MiB"
    up = result.upload_mib_s / raw
    where = (
        "`sipadu serve` (gunicorn, 1 sync worker) on 127.0.0.1, temporary instance on "
        "the bench's temporary folder; client in another process"
    )
    return [
        Figure(
            "upload_raw_aesgcm_mib_s",
            "Raw AES-256-GCM, 64 KiB chunks (upload baseline)",
            raw,
            "MiB/s",
            "baseline",
            None,
            "Best of 8 rounds of 8 MiB before and after "
            "the transfers (the better of the two), same run.",
        ),
        Figure(
            "upload_mib_s",
            f"Upload {label} (API, file as the body)",
            result.upload_mib_s,
            "MiB/s",
            "-",
            None,
            f"POST /api/v1/case/attachments, application/octet-stream, through {where}: "
            "case-key check (one Argon2id), metadata sniffing, streamed encryption, "
            "blob commit (fsync) and row; end to end.",
        ),
        Figure(
            "upload_ratio",
            f"Upload {label} / raw AES-GCM",
            up,
            "x",
            f">= {TRANSFER_RATIO_TARGET}",
            up >= TRANSFER_RATIO_TARGET,
            f"{result.upload_mib_s:.1f} / {raw:.1f} MiB/s.",
        ),
        Figure(
            "upload_multipart_mib_s",
            f"Upload {label} (API, multipart/form-data)",
            result.multipart_mib_s,
            "MiB/s",
            "-",
            None,
            f"The same file as a multipart part (the web form's path); ratio "
            f"{result.multipart_mib_s / raw:.3f}.",
        ),
    ]


def _limit_part(
    result: upload_bench.UploadResult,
    limits: transfer_limits.TransferLimits,
    raw: float,
    key_check: float,
) -> list[Figure]:
    label = f"{result.size / MIB:g} MiB"
    ceiling = limits.upload_ceiling_mib_s(result.size, raw, key_check)
    reachable = "within" if ceiling / raw >= TRANSFER_RATIO_TARGET else "above"
    return [
        Figure(
            "store_write_mib_s",
            "Durable write through the blob store (no encryption)",
            limits.store_write_mib_s,
            "MiB/s",
            "baseline",
            None,
            f"{label} in 1 MiB pieces through FilesystemBlobStore's writer (its "
            "writeback window, the commit's fsync), after the transfers.",
        ),
        Figure(
            "loopback_store_mib_s",
            "Loopback TCP into the blob store (no HTTP, encryption or key check)",
            limits.loopback_store_mib_s,
            "MiB/s",
            "baseline",
            None,
            f"{label} sent by another process over 127.0.0.1 in 256 KiB pieces, received "
            "with recv_into and written through the store: an upload with nothing of "
            "SIPADU's in it.",
        ),
        Figure(
            "upload_ceiling_ratio",
            "Upload bound of one receiving thread / raw AES-GCM",
            ceiling / raw,
            "x",
            "baseline",
            None,
            f"A model from the rates above: {label} at the loopback-into-store rate, "
            f"encrypted at raw AES-GCM speed, after one key check ({key_check:.3f} s, "
            f"Argon2id median of {KEY_CHECK_RUNS}) = {ceiling:.1f} MiB/s. The upload "
            f"reached {result.upload_mib_s / ceiling:.0%} of it; the "
            f"{TRANSFER_RATIO_TARGET} target is {reachable} this bound.",
        ),
    ]


def _download_part(
    result: upload_bench.UploadResult, limits: transfer_limits.TransferLimits, raw: float
) -> list[Figure]:
    label = f"{result.size / MIB:g} MiB"
    cold, cached = result.download_mib_s / raw, result.cached_download_mib_s / raw
    how = (
        "GET /api/v1/staff/cases/<code>/attachments/<id> as a supervisor (Bearer), read "
        "in 256 KiB pieces, each compared with what was sent"
    )
    return [
        Figure(
            "download_mib_s",
            f"Download {label} (staff API, blob read from disk)",
            result.download_mib_s,
            "MiB/s",
            "-",
            None,
            f"{how}; the blob's pages dropped from the page cache first.",
        ),
        Figure(
            "download_ratio",
            f"Download {label} from disk / raw AES-GCM",
            cold,
            "x",
            f">= {TRANSFER_RATIO_TARGET}",
            cold >= TRANSFER_RATIO_TARGET,
            f"{result.download_mib_s:.1f} / {raw:.1f} MiB/s.",
        ),
        Figure(
            "download_cached_mib_s",
            f"Download {label} (staff API, blob in page cache)",
            result.cached_download_mib_s,
            "MiB/s",
            "-",
            None,
            f"{how}; the blob read once before, so no disk read is measured.",
        ),
        Figure(
            "download_cached_ratio",
            f"Download {label} from page cache / raw AES-GCM",
            cached,
            "x",
            f">= {TRANSFER_RATIO_TARGET}",
            cached >= TRANSFER_RATIO_TARGET,
            f"{result.cached_download_mib_s:.1f} / {raw:.1f} MiB/s.",
        ),
        Figure(
            "cold_read_mib_s",
            "Cold sequential read of a blob (disk reference)",
            limits.cold_read_mib_s,
            "MiB/s",
            "baseline",
            None,
            f"{label} blob, its pages dropped, read through FilesystemBlobStore.open (its "
            f"read-ahead included) in 1 MiB pieces, nothing else done, after the transfers "
            f"(/ raw AES-GCM = {limits.cold_read_mib_s / raw:.3f}; the download from disk "
            f"reached {result.download_mib_s / limits.cold_read_mib_s:.0%} of it). This "
            f"disk's rate varies from minute to minute.",
        ),
    ]


def _memory_figure(result: upload_bench.UploadResult) -> Figure:
    above = result.above_idle / MIB
    return Figure(
        "upload_peak_above_idle_mib",
        f"Upload {result.size / MIB:g} MiB: peak worker memory above idle",
        above,
        "MiB",
        f"< {UPLOAD_MEMORY_TARGET_MIB} MiB",
        above < UPLOAD_MEMORY_TARGET_MIB,
        f"{result.method}, from the end of the case-key check to the answer. Idle "
        f"{result.idle_rss / MIB:.1f} MiB, peak {result.peak_rss / MIB:.1f} MiB. "
        f"The whole request, its Argon2id (64 MiB by design) included: "
        f"{result.request_above_idle / MIB:.1f} MiB above idle.",
    )
