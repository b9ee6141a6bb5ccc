"""A new report whose drawn case code is taken derives its next key outside the transaction.

The key is enrolled before the transaction; if its code turned out to be in use, the next
key used to be derived inside the transaction, holding SQLite's write lock for the whole
Argon2 derivation. Rare (one in a billion codes), but a rule with exceptions is no rule.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sipadu.cases import service as case_service
from sipadu.crypto.casekey import CaseKey, generate_case_key, parse_case_key
from tests.reporting.conftest import BASE_REPORT, Ready
from tests.support.argon2probe import Argon2Probe, installed_probe


@pytest.fixture
def argon2_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Argon2Probe]:
    yield from installed_probe(monkeypatch)


def test_a_taken_code_is_redrawn_outside_the_transaction(
    ready: Ready, monkeypatch: pytest.MonkeyPatch, argon2_probe: Argon2Probe
) -> None:
    client = ready.app.test_client()
    first = client.post("/api/v1/reports", json=BASE_REPORT)
    assert first.status_code == 201
    taken = parse_case_key(first.get_json()["case_key"]).code
    draws: list[str] = []

    def taken_first(code: str | None = None) -> CaseKey:
        key = generate_case_key(taken if not draws else code)
        draws.append(key.code)
        return key

    monkeypatch.setattr(case_service, "generate_case_key", taken_first)
    argon2_probe.reset()
    second = client.post("/api/v1/reports", json=BASE_REPORT)
    assert second.status_code == 201
    assert draws[0] == taken and len(draws) == 2
    assert parse_case_key(second.get_json()["case_key"]).code == draws[1] != taken
    argon2_probe.assert_outside(at_least=2)
