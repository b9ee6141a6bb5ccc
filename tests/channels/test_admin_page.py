"""The admin console lists the service accounts (read only, never a token); no other role
sees the page."""

from __future__ import annotations

from sipadu.channels.accounts import revoke_account, set_webhook
from sipadu.db import db_session
from tests.casework.conftest import web_client
from tests.channels.conftest import Channels
from tests.support.factories import make_staff


def test_admin_sees_the_service_accounts(channels: Channels) -> None:
    app = channels.app
    with app.app_context():
        db = db_session()
        key = channels.audit_key()
        set_webhook(db, "jaki", "https://crm.test/hook", server_key=key, audit_key=key)
        revoke_account(db, "lapor", key)
        admin = web_client(app, db, make_staff(app, db, "admin"))
        others = [web_client(app, db, make_staff(app, db, r)) for r in ("supervisor", "auditor")]
        db.commit()
    page = admin.get("/admin/service-accounts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Akun layanan" in html and "https://crm.test/hook" in html
    assert "jaki" in html and "dicabut pada" in html
    assert channels.jaki not in html and channels.lapor not in html
    assert 'href="/admin/service-accounts"' in admin.get("/admin/").get_data(as_text=True)
    for client in others:
        assert client.get("/admin/service-accounts").status_code == 403
    anonymous = app.test_client().get("/admin/service-accounts")
    assert anonymous.status_code in (302, 303, 401)
