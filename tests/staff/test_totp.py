"""TOTP: the ±1 step window, replay refusal, strict parsing and a CSP-safe QR code."""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from flask import Flask
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from sipadu.staff.totp import (
    STEP_SECONDS,
    InvalidTotpError,
    InvalidTotpSecretError,
    TotpError,
    TotpReplayError,
    current_step,
    new_totp_secret,
    provisioning_uri,
    qr_svg,
    verify_totp,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # 15 s into a step, so ±1 step is exactly ±30 s away
STEP = int(NOW // STEP_SECONDS)


def code_at(step: int, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


def test_new_secrets_are_random_base32_of_160_bits() -> None:
    secrets = {new_totp_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_in_the_window_are_accepted_and_return_their_step(offset: int) -> None:
    assert verify_totp(SECRET, code_at(STEP + offset), None, now=NOW) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3, 1000])
def test_codes_outside_the_window_are_refused(offset: int) -> None:
    code = code_at(STEP + offset)
    if code in {code_at(STEP + d) for d in (-1, 0, 1)}:
        pytest.skip("this code happens to collide with one in the window")
    with pytest.raises(InvalidTotpError):
        verify_totp(SECRET, code, None, now=NOW)


def test_window_edges_follow_the_clock() -> None:
    start = STEP * STEP_SECONDS
    assert verify_totp(SECRET, code_at(STEP - 1), None, now=start + 29.999) == STEP - 1
    with pytest.raises(InvalidTotpError):
        verify_totp(SECRET, code_at(STEP - 1), None, now=start + 30.0)


def test_a_used_code_is_refused_again() -> None:
    step = verify_totp(SECRET, code_at(STEP), None, now=NOW)
    with pytest.raises(TotpReplayError):
        verify_totp(SECRET, code_at(STEP), step, now=NOW)
    # ...also a few seconds later, while it is still inside the window.
    with pytest.raises(TotpReplayError):
        verify_totp(SECRET, code_at(STEP), step, now=NOW + STEP_SECONDS)


def test_an_older_code_is_refused_after_a_newer_one() -> None:
    step = verify_totp(SECRET, code_at(STEP + 1), None, now=NOW)
    with pytest.raises(TotpReplayError):
        verify_totp(SECRET, code_at(STEP - 1), step, now=NOW)
    with pytest.raises(TotpReplayError):
        verify_totp(SECRET, code_at(STEP), step, now=NOW)


def test_the_next_code_is_accepted_after_one_was_used() -> None:
    step = verify_totp(SECRET, code_at(STEP), None, now=NOW)
    later = NOW + STEP_SECONDS
    assert verify_totp(SECRET, code_at(STEP + 1), step, now=later) == STEP + 1


def test_replay_errors_are_totp_errors_but_distinguishable() -> None:
    assert issubclass(TotpReplayError, TotpError) and issubclass(InvalidTotpError, TotpError)
    assert not issubclass(TotpReplayError, InvalidTotpError)


@pytest.mark.parametrize("spaced", ["{a} {b}", " {a}{b} ", "{a}\t{b}", "{a[0]} {a[1]} {a[2]} {b}"])
def test_codes_with_spaces_are_accepted(spaced: str) -> None:
    code = code_at(STEP)
    assert verify_totp(SECRET, spaced.format(a=code[:3], b=code[3:]), None, now=NOW) == STEP


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "abcdef",
        "123-456",
        "+12345",
        "-12345",
        "12345.",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        "١٢٣٤٥٦",
        "੧੨੩੪੫੬",
        "123456\x00",
        "0x1234",
        "1e5678",
        " " * 40 + "123456",
        "123456" * 10,
    ],
)
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidTotpError):
        verify_totp(SECRET, bad, None, now=NOW)


@pytest.mark.parametrize("bad", [None, 123456, b"123456"])
def test_non_strings_are_refused(bad: object) -> None:
    with pytest.raises(InvalidTotpError):
        verify_totp(SECRET, bad, None, now=NOW)  # type: ignore[arg-type]


def test_a_unicode_lookalike_of_the_right_code_is_refused() -> None:
    fullwidth = "".join(chr(ord(c) - ord("0") + 0xFF10) for c in code_at(STEP))
    with pytest.raises(InvalidTotpError):
        verify_totp(SECRET, fullwidth, None, now=NOW)


def test_another_accounts_code_is_refused() -> None:
    other = new_totp_secret()
    code = code_at(STEP, other)
    if code in {code_at(STEP + d) for d in (-1, 0, 1)}:
        pytest.skip("collision")
    with pytest.raises(InvalidTotpError):
        verify_totp(SECRET, code, None, now=NOW)


@pytest.mark.parametrize(
    "secret", ["", "short", "jbswy3dpehpk3pxp", "JBSWY3DPEHPK3PX1", "JBSWY3DPEHPK3PXP="]
)
def test_unusable_secrets_are_programming_errors(secret: str) -> None:
    with pytest.raises(InvalidTotpSecretError):
        verify_totp(secret, "123456", None, now=NOW)


def test_default_clock_is_now() -> None:
    secret = new_totp_secret()
    code = pyotp.TOTP(secret).now()
    assert abs(verify_totp(secret, code, None) - current_step()) <= 1


@given(st.text(max_size=40))
def test_arbitrary_input_never_crashes_unexpectedly(code: str) -> None:
    with contextlib.suppress(TotpError):
        verify_totp(SECRET, code, None, now=NOW)


def test_provisioning_uri_names_issuer_account_and_secret() -> None:
    uri = provisioning_uri(SECRET, "pemeriksa.satu")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == "/SIPADU Inspektorat:pemeriksa.satu"
    query = parse_qs(parts.query)
    assert query["secret"] == [SECRET] and query["issuer"] == ["SIPADU Inspektorat"]
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == SECRET and parsed.digits == 6 and parsed.interval == 30


def test_provisioning_uri_escapes_odd_usernames() -> None:
    uri = provisioning_uri(SECRET, "a b&c=d?e#f:g", issuer="Uji")
    assert " " not in uri and "#" not in uri.split("?", 1)[0]
    assert pyotp.parse_uri(uri).secret == SECRET


def _parse_svg(markup: str) -> ET.Element:
    # Inline SVG in HTML has no namespace; add it only to parse the markup as XML.
    return ET.fromstring(markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))  # noqa: S314


def test_qr_svg_is_inline_markup_that_csp_allows() -> None:
    markup = qr_svg(provisioning_uri(SECRET, "pemeriksa.satu"), title="Kode QR")
    assert markup.startswith("<svg ") and markup.endswith("</svg>")
    lowered = markup.lower()
    for forbidden in (
        "<?xml",
        "<!doctype",
        "<script",
        "style",
        "javascript:",
        "href",
        "<foreignobject",
        "onload",
        "<image",
        "http://",
        "https://",
    ):
        assert forbidden not in lowered, forbidden
    root = _parse_svg(markup)
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    title = root.find(f"{namespace}title")
    assert title is not None and title.text == "Kode QR"
    assert root.findall(f".//{namespace}path")
    for element in root.iter():
        assert not any(name.startswith("on") or name == "style" for name in element.attrib)


def test_qr_svg_escapes_its_title() -> None:
    markup = qr_svg("otpauth://totp/x?secret=" + SECRET, title='<script>alert(1)</script>"')
    assert "<script" not in markup
    assert _parse_svg(markup).find("{http://www.w3.org/2000/svg}title") is not None


def test_qr_svg_default_title_is_translated(sqlite_app: Flask) -> None:
    uri = provisioning_uri(SECRET, "pemeriksa.satu")
    with sqlite_app.test_request_context("/"):
        with force_locale("id"):
            indonesian = qr_svg(uri)
        with force_locale("en"):
            english = qr_svg(uri)
    assert "Kode QR" in indonesian
    assert "QR code to add SIPADU" in english
