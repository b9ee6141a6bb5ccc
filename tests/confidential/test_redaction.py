"""Redaction suggestions (local, no text leaves the server) and the redacted export view."""

from __future__ import annotations

import pytest

from sipadu.confidential.redaction import MARK, SpanKind, redact, suggest_spans

TEXT = (
    "Bapak Ahmad Sulaiman (NIP 19780312 200501 1 002, NIK 3174012345678901) bisa dihubungi "
    "di 0812-3456-7890 atau +62 813 1111 2222, e-mail ahmad.s@dinas.jakarta.go.id. "
    "Ibu Siti menerima uang Rp 1.500.000 pada 12 Maret 2026 di loket 3."
)


def test_every_kind_is_found_in_an_ordinary_report() -> None:
    found = [(span.kind, TEXT[span.start : span.end]) for span in suggest_spans(TEXT)]
    assert found == [
        (SpanKind.NAME, "Ahmad Sulaiman"),
        (SpanKind.NIP, "19780312 200501 1 002"),
        (SpanKind.NIK, "3174012345678901"),
        (SpanKind.PHONE, "0812-3456-7890"),
        (SpanKind.PHONE, "+62 813 1111 2222"),
        (SpanKind.EMAIL, "ahmad.s@dinas.jakarta.go.id"),
        (SpanKind.NAME, "Siti"),
    ]


def test_amounts_dates_and_counters_are_left_alone() -> None:
    redacted = redact(TEXT)
    for kept in ("Rp 1.500.000", "12 Maret 2026", "loket 3", "Bapak", "Ibu"):
        assert kept in redacted
    for gone in ("Ahmad", "Sulaiman", "3174012345678901", "0812", "dinas.jakarta", "Siti"):
        assert gone not in redacted
    assert redacted.count(MARK) == 7


@pytest.mark.parametrize(
    "text",
    [
        "NIP 197803122005011002",  # 18 digits in one run is a NIP, not a NIK
        "nomor 081234567890",
        "hubungi 62-812-1234-5678",
    ],
)
def test_number_formats(text: str) -> None:
    assert len(suggest_spans(text)) == 1
    assert not any(ch.isdigit() for ch in redact(text).split(" ", 1)[1].replace(MARK, ""))


def test_a_longer_run_of_digits_is_not_cut_into_a_nik() -> None:
    assert suggest_spans("rekening 12345678901234567890") == []


def test_redaction_of_given_spans_only() -> None:
    spans = [s for s in suggest_spans(TEXT) if s.kind == SpanKind.EMAIL]
    assert redact(TEXT, spans).count(MARK) == 1


def test_a_typed_phrase_is_found_whatever_its_case_and_overlaps_join() -> None:
    from sipadu.confidential.redaction import merge_spans, phrase_spans

    text = "Kantor SUKAMAJU dan kelurahan Sukamaju"
    found = phrase_spans(text, "sukamaju")
    assert [text[s.start : s.end] for s in found] == ["SUKAMAJU", "Sukamaju"]
    joined = merge_spans([*found, *phrase_spans(text, "Kantor SUKA")])
    assert [text[s.start : s.end] for s in joined] == ["Kantor SUKAMAJU", "Sukamaju"]
    assert redact(text, joined) == f"{MARK} dan kelurahan {MARK}"


def test_landlines_and_the_involved_list_are_suggested() -> None:
    from sipadu.confidential.redaction import involved_spans

    text = "Telepon kantor 021-555-0199, (021) 5550199 atau +62 21 555 0199; Rp 1.500.000."
    phones = [text[s.start : s.end] for s in suggest_spans(text) if s.kind == SpanKind.PHONE]
    assert phones == ["021-555-0199", "(021) 5550199", "+62 21 555 0199"]
    who = "Joko Santoso (Kepala Seksi), Rina Wati (bendahara);\nDinas Teknis"
    assert [who[s.start : s.end] for s in involved_spans(who)] == ["Joko Santoso", "Rina Wati"]
    assert suggest_spans(who) == []  # only the "who is involved" field lists bare names
