"""The one check for redirect targets a visitor supplies (``next`` after sign-in, after a
language switch).

An open redirect would make a perfect phishing link: a link to SIPADU's own address that
lands a staff member on a look-alike sign-in page. Browsers are generous about what they read
as "another site": they drop tabs and line breaks inside a URL, treat a backslash as a slash,
and read ``//host`` as a host. So a target is accepted only when it is plainly a path of this
site — a single leading ``/``, printable ASCII only, no backslash, no scheme — both as sent
and once percent-decoded (a server or browser further along may decode it once more).
Anything else falls back to a page the caller names; nothing here ever raises, so a hostile
``next`` cannot cause a 500 either.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

# Longer targets are not ours: SIPADU's own paths are short.
MAX_TARGET_CHARS = 2048
_PRINTABLE_ASCII = frozenset(chr(code) for code in range(0x21, 0x7F))


def _plain_local_path(target: str) -> bool:
    if not target.startswith("/") or "//" in target:
        return False  # SIPADU's paths never hold "//": no "//host", no "/.//host" games
    if "\\" in target or not set(target) <= _PRINTABLE_ASCII:
        return False  # control characters (C0, DEL, C1), spaces, non-ASCII look-alikes
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def is_safe_target(target: object) -> bool:
    """True when ``target`` is a path on this site and nothing a browser could read as
    another one, as sent and once percent-decoded."""
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET_CHARS:
        return False
    # Invalid UTF-8 decodes to U+FFFD, which is not ASCII: refused like any non-ASCII.
    decoded = unquote(target, errors="replace")
    return _plain_local_path(target) and _plain_local_path(decoded)


def safe_target(target: object, default: str) -> str:
    """``target`` when it is a safe same-site path (see ``is_safe_target``), else
    ``default``."""
    return target if isinstance(target, str) and is_safe_target(target) else default
