"""Choosing the blob store: SIPADU_BLOB_STORE, SIPADU_BLOB_DIR and the SIPADU_S3_* settings,
with the credentials file checked like a key file and never quoted."""

from __future__ import annotations

from pathlib import Path

import pytest

from sipadu.settings import SettingsError, settings_from_env
from sipadu.storage import FilesystemBlobStore
from sipadu.storage.factory import blob_store_from_settings
from sipadu.storage.s3 import S3BlobStore

SECRET = "s3cr3t-never-printed-9f8e7d"
KEY_ID = "AKIDNEVERPRINTED42"


def _credentials(folder: Path, text: str | None = None, mode: int = 0o600) -> Path:
    path = folder / "s3.credentials"
    path.write_text(
        text if text is not None else f"access_key_id = {KEY_ID}\nsecret_access_key = {SECRET}\n"
    )
    path.chmod(mode)
    return path


def _s3_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "SIPADU_INSTANCE_DIR": str(tmp_path / "instance"),
        "SIPADU_BLOB_STORE": "s3",
        "SIPADU_S3_BUCKET": "sipadu-blobs",
        "SIPADU_S3_ENDPOINT_URL": "http://127.0.0.1:8333",
        "SIPADU_S3_CREDENTIALS_FILE": str(_credentials(tmp_path)),
    }
    env.update(extra)
    return env


def test_the_filesystem_store_is_the_default_and_its_folder_can_move(tmp_path: Path) -> None:
    settings = settings_from_env({"SIPADU_INSTANCE_DIR": str(tmp_path / "instance")})
    assert settings.blob_store == "file" and settings.s3 is None
    assert settings.blob_dir == (tmp_path / "instance" / "blobs").resolve()
    moved = settings_from_env({"SIPADU_BLOB_DIR": str(tmp_path / "elsewhere")})
    store = blob_store_from_settings(moved)
    assert isinstance(store, FilesystemBlobStore)
    assert store.root == (tmp_path / "elsewhere").resolve()


def test_s3_settings_build_an_s3_store(tmp_path: Path) -> None:
    settings = settings_from_env(_s3_env(tmp_path, SIPADU_S3_REGION="ap-southeast-3"))
    assert settings.s3 is not None
    assert (settings.s3.bucket, settings.s3.endpoint_url, settings.s3.region) == (
        "sipadu-blobs",
        "http://127.0.0.1:8333",
        "ap-southeast-3",
    )
    assert settings.s3.credentials.secret_access_key == SECRET
    assert SECRET not in repr(settings) and KEY_ID not in repr(settings)
    store = blob_store_from_settings(settings)
    assert isinstance(store, S3BlobStore) and store.bucket == "sipadu-blobs"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SIPADU_BLOB_STORE", "ftp"),
        ("SIPADU_S3_BUCKET", ""),
        ("SIPADU_S3_BUCKET", "Upper_Case"),
        ("SIPADU_S3_BUCKET", "ab"),
        ("SIPADU_S3_ENDPOINT_URL", "127.0.0.1:8333"),
        ("SIPADU_S3_ENDPOINT_URL", "ftp://store"),
        ("SIPADU_S3_CREDENTIALS_FILE", ""),
        ("SIPADU_S3_CREDENTIALS_FILE", "/nonexistent/s3.credentials"),
    ],
)
def test_bad_store_settings_stop_the_start_by_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_env(_s3_env(tmp_path, **{name: value}))


@pytest.mark.parametrize(
    ("text", "mode", "problem"),
    [
        (None, 0o644, "other users"),
        (f"access_key_id = {KEY_ID}\n", 0o600, "no secret_access_key"),
        (f"secret_access_key = {SECRET}\n", 0o600, "no access_key_id"),
        (f"access_key_id {KEY_ID}\nsecret_access_key = {SECRET}\n", 0o600, "line 1"),
        (f"password = {SECRET}\naccess_key_id = {KEY_ID}\n", 0o600, "line 1"),
        (f"access_key_id = {KEY_ID}\naccess_key_id = {SECRET}\n", 0o600, "line 2"),
    ],
)
def test_a_bad_credentials_file_is_refused_without_quoting_it(
    tmp_path: Path, text: str | None, mode: int, problem: str
) -> None:
    folder = tmp_path / "creds"
    folder.mkdir()
    path = _credentials(folder, text, mode)
    with pytest.raises(SettingsError, match="SIPADU_S3_CREDENTIALS_FILE") as refused:
        settings_from_env(_s3_env(tmp_path, SIPADU_S3_CREDENTIALS_FILE=str(path)))
    message = str(refused.value)
    assert problem in message
    assert SECRET not in message and KEY_ID not in message


def test_comments_and_blank_lines_are_allowed(tmp_path: Path) -> None:
    path = _credentials(
        tmp_path,
        f"# SIPADU's S3 key pair\n\naccess_key_id = {KEY_ID}\nsecret_access_key={SECRET}\n",
    )
    settings = settings_from_env(_s3_env(tmp_path, SIPADU_S3_CREDENTIALS_FILE=str(path)))
    assert settings.s3 is not None and settings.s3.credentials.access_key_id == KEY_ID


def test_s3_settings_are_ignored_for_the_filesystem_store(tmp_path: Path) -> None:
    env = _s3_env(tmp_path, SIPADU_BLOB_STORE="file", SIPADU_S3_CREDENTIALS_FILE="")
    assert settings_from_env(env).s3 is None
