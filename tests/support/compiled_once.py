"""What every test app would compile again, compiled once per test process.

Nearly every test creates an app of its own, and an app compiles its routes and its
templates anew: together most of the time a small test takes. ``install()`` (called by
``tests/conftest.py``) makes the apps of a test process share both. Tests only: a server
creates its app once.

Routes: Werkzeug compiles two URL builders for every route when an app registers it: it writes a
function's syntax tree and compiles it to byte code (``Rule._compile_builder``). SIPADU has
over five hundred routes, so that compiling was about four fifths of ``create_app`` and the
suite creates an app for nearly every test (thousands per run). The compiled function
depends only on what the rule says (its parsed parts, defaults and converters) and takes its
rule as its first argument when called, so the same function serves every app that has the
same rule, and Werkzeug is made to reuse it.

Templates: each app's Jinja environment parses and compiles every template it renders. A
process-wide bytecode cache (Jinja's own mechanism, keyed by the template's name and checked
against its source, so an edited template is compiled again) hands the next app the compiled
code. Every test app comes from ``create_app``, so their Jinja environments are configured
alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing.rules import Rule

Builder = Callable[..., tuple[str, str]]
_BUILDERS: dict[tuple[object, ...], Builder] = {}
_ORIGINAL: list[Callable[[Rule, bool], Builder]] = []


def _rule_shape(rule: Rule, append_unknown: bool) -> tuple[object, ...]:
    """Everything ``_compile_builder`` reads of the rule."""
    converters: dict[str, Any] = rule._converters
    # A converter's settings, not the map it belongs to (one per app).
    settings = {
        name: (type(c).__qualname__, repr({k: v for k, v in vars(c).items() if k != "map"}))
        for name, c in converters.items()
    }
    return (
        rule.rule,
        tuple(rule._trace),
        repr(sorted((rule.defaults or {}).items())),
        tuple(sorted(settings.items())),
        append_unknown,
    )


def _reused_builder(rule: Rule, append_unknown: bool = True) -> Builder:
    key = _rule_shape(rule, append_unknown)
    builder = _BUILDERS.get(key)
    if builder is None:
        builder = _BUILDERS[key] = _ORIGINAL[0](rule, append_unknown)
    return builder


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates in memory, for every Jinja environment of the process."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # dropped by Jinja if the source changed

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = ProcessBytecodeCache()


def install() -> None:
    """Make every later app of this process reuse compiled URL builders and templates."""
    if not _ORIGINAL:
        _ORIGINAL.append(Rule._compile_builder)
        setattr(Rule, "_compile_builder", _reused_builder)  # noqa: B010 - mypy refuses a method assignment
        Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": TEMPLATES}


def werkzeug_builder_compiler() -> Callable[[Rule, bool], Builder]:
    """Werkzeug's own ``Rule._compile_builder`` (for the test comparing the two)."""
    install()
    return _ORIGINAL[0]
