"""A gunicorn server for the upload benchmark: the real app plus one bench-only endpoint.

Run as ``python -m bench.upload_server`` by :mod:`bench.upload_bench`, with the instance
folder and limits in ``SIPADU_*`` variables. The product has no such route: the blueprint is
registered here, on an app this module builds, and nowhere else.
"""

from __future__ import annotations

import os
import sys

from flask import Blueprint, Flask, current_app

from sipadu.app import create_app
from sipadu.db import get_engine
from sipadu.keyring import generate_missing_keys
from sipadu.serve import SipaduServer, gunicorn_options
from sipadu.settings import settings_from_env
from sipadu.storage.uploads import accepts_uploads, encrypted_uploads
from sipadu.web.auth import public
from sipadu.web.security import csrf

UPLOAD_PATH = "/bench/upload"


def _blueprint() -> Blueprint:
    bp = Blueprint("bench_upload", __name__)

    @bp.post(UPLOAD_PATH)
    @public
    @accepts_uploads
    def upload() -> tuple[str, int]:
        """Parse the body through EncryptingRequest, commit each blob, then delete it."""
        uploads = encrypted_uploads()
        refused = [item.refusal or "" for item in uploads if item.refusal]
        if refused:
            return "refused:" + ",".join(refused), 422
        store = current_app.extensions["sipadu.blobs"]
        sizes = []
        for item in uploads:
            # Committed like a real attachment (fsync, rename), then removed: the bench
            # must not leave gigabytes in its temporary instance.
            store.delete(item.commit())
            sizes.append(str(item.size))
        return ",".join(sizes), 200

    csrf.exempt(bp)
    return bp


def build_bench_app() -> Flask:
    """Create keys and schema in the temporary instance, then the app with the probe."""
    settings = settings_from_env()
    settings.instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    generate_missing_keys(settings.keys_dir)
    app = create_app()
    with app.app_context():
        from sipadu import migrate

        migrate.upgrade(get_engine(), "head")
    app.register_blueprint(_blueprint())
    return app


class BenchServer(SipaduServer):
    """SipaduServer whose workers load the bench app instead of the product app."""

    def load(self) -> Flask:
        return build_bench_app()


def main() -> None:
    """Serve on the loopback address given as the only argument, one sync worker."""
    bind = sys.argv[1]
    if not bind.startswith("127.0.0.1:"):
        raise SystemExit("the bench server listens on 127.0.0.1 only")
    os.umask(0o077)
    options = gunicorn_options(bind, workers=1, timeout=600)
    options["accesslog"] = None
    BenchServer(options).run()


if __name__ == "__main__":
    main()
