"""Reading a JSON request body: capped before it is read, strict in what it accepts.

Every API view that takes JSON declares it with :func:`accepts_json` (the fields it knows
and the largest body it reads) and gets the document from :func:`json_object`:

* a body whose ``Content-Length`` is over the view's cap is refused with 413 before a byte
  of it is read (``refuse_oversized_json``, run before every API view); a body without a
  length (chunked) is read up to the cap plus one byte and refused with 413 when longer, so
  no more than the cap is ever held in memory;
* the document must be a JSON object of known fields: unknown fields are refused with 422
  naming them (nested objects too, e.g. the report's ``identity``);
* malformed JSON, duplicate keys, ``NaN``/``Infinity``, nesting deeper than
  ``MAX_DEPTH`` and anything but an object at the top are refused with 400.

Field values are checked by each view's own validation (422 with the field named).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import current_app, request
from flask_babel import gettext

from sipadu.web.user_errors import UserFacingError

F = TypeVar("F", bound=Callable[..., Any])
KIB = 1024
DEFAULT_JSON_LIMIT = 64 * KIB
# A text field of 20 000 characters sent by a client that escapes everything (``\\ud83d
# \\ude00``: 12 bytes per character) needs 240 KB; a whole report, its eight texts, 512 KiB.
MESSAGE_JSON_LIMIT = 256 * KIB
REPORT_JSON_LIMIT = 512 * KIB
MAX_DEPTH = 4
# At most this many unknown fields are named in a 422, each cut to this many characters.
MAX_NAMED = 20
MAX_NAME_CHARS = 64
JSON_TYPES = ("application/json",)
# A field spec maps each known field to None (any value) or to the spec of a nested object.
FieldSpec = Mapping[str, "FieldSpec | None"]
_LIMIT_ATTRIBUTE = "_sipadu_json_limit"
_FIELDS_ATTRIBUTE = "_sipadu_json_fields"


class JsonBodyError(UserFacingError):
    """A JSON body refused before the view used it (answered like any ``UserFacingError``)."""

    def __init__(
        self, status: int, message: str, code: str, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message, status=status, code=code, fields=fields)


# What every JSON operation may answer besides its own errors (listed in the API document).
JSON_BODY_ERRORS = (400, 413, 415, 422)


def json_request_body(
    schema: Mapping[str, Any],
    max_bytes: int = DEFAULT_JSON_LIMIT,
) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a JSON operation, its cap stated."""
    return {
        "required": True,
        "description": (
            f"One JSON object of at most {max_bytes // KIB} KiB (413 above). "
            "Unknown fields are refused (422 naming them); malformed JSON, "
            "duplicate keys, NaN and nesting deeper than "
            f"{MAX_DEPTH} levels are refused with 400."
        ),
        "content": {"application/json": {"schema": dict(schema)}},
    }


def accepts_json(fields: FieldSpec, max_bytes: int = DEFAULT_JSON_LIMIT) -> Callable[[F], F]:
    """Declare that a view reads a JSON object of ``fields``, at most ``max_bytes`` long."""

    def decorate(view: F) -> F:
        setattr(view, _LIMIT_ATTRIBUTE, max_bytes)
        setattr(view, _FIELDS_ATTRIBUTE, fields)
        return view

    return decorate


def json_limit_of(view: Callable[..., Any] | None) -> int | None:
    """The JSON body cap a view declared (None: the view reads no JSON)."""
    return getattr(view, _LIMIT_ATTRIBUTE, None)


def fields_of(view: Callable[..., Any] | None) -> FieldSpec:
    """The fields a view declared (empty when it reads no JSON)."""
    fields: FieldSpec = getattr(view, _FIELDS_ATTRIBUTE, {})
    return fields


def _current_view() -> Callable[..., Any] | None:
    return current_app.view_functions.get(request.endpoint or "")


def too_large(limit: int) -> JsonBodyError:
    """The 413 for a JSON body over ``limit`` bytes."""
    return JsonBodyError(
        413,
        gettext("The JSON body is too large (at most %(limit)s KiB).", limit=limit // KIB),
        "too_large",
    )


def refuse_oversized_json() -> None:
    """Before a JSON view runs: a declared length over its cap is refused with 413."""
    view = _current_view()
    limit = json_limit_of(view)
    length = request.content_length
    if limit is None or length is None or length <= limit:
        return None
    # A view that also takes files caps its multipart and file bodies with the upload limits.
    if getattr(view, "_sipadu_accepts_uploads", False) and request.mimetype not in JSON_TYPES:
        return None
    raise too_large(limit)


def _read_capped(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError("duplicate key")
        document[key] = value
    return document


def _no_constant(_name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _has_lone_surrogate(value: object) -> bool:
    """True if a key or string holds half a surrogate pair: valid JSON, but not text."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _malformed() -> JsonBodyError:
    return JsonBodyError(
        400,
        gettext("The body is not valid JSON: send one JSON object, without repeated keys."),
        "invalid_json",
    )


def parse_json_object(data: bytes | str, fields: FieldSpec) -> dict[str, Any]:
    """Parse and check one JSON object of ``fields``; raises JsonBodyError."""
    try:
        document = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise _malformed() from None
    if not isinstance(document, dict):
        raise JsonBodyError(400, gettext("Send a JSON object."), "bad_request")
    if _depth(document) > MAX_DEPTH or _has_lone_surrogate(document):
        raise _malformed()
    # Named back as sent, but a few and short: the answer stays small whatever the body.
    unknown = [name[:MAX_NAME_CHARS] for name in unknown_fields(document, fields)][:MAX_NAMED]
    if unknown:
        raise JsonBodyError(
            422,
            gettext("Unknown fields: %(fields)s.", fields=", ".join(unknown)),
            "unknown_fields",
            {name: gettext("This field is not known.") for name in unknown},
        )
    return document


def unknown_fields(document: Mapping[str, Any], fields: FieldSpec, prefix: str = "") -> list[str]:
    """Dotted names of the fields ``fields`` does not know, nested objects included."""
    unknown = []
    for name, value in document.items():
        if name not in fields:
            unknown.append(prefix + name)
            continue
        nested = fields[name]
        if nested is not None and isinstance(value, Mapping):
            unknown.extend(unknown_fields(value, nested, f"{prefix}{name}."))
    return unknown


def json_object() -> dict[str, Any]:
    """The current request's JSON object, read within the view's cap and checked."""
    view = _current_view()
    limit = json_limit_of(view)
    if limit is None:
        raise RuntimeError("the view did not declare @accepts_json")
    if request.mimetype not in JSON_TYPES:
        raise JsonBodyError(
            415, gettext("Send the body as application/json."), "unsupported_media_type"
        )
    return parse_json_object(_read_capped(limit), fields_of(view))


def json_text_part(text: str | None) -> dict[str, Any] | None:
    """A JSON object sent as a multipart text part (the report beside its files)."""
    view = _current_view()
    limit = json_limit_of(view) or DEFAULT_JSON_LIMIT
    if text is None:
        return None
    if len(text.encode("utf-8")) > limit:
        raise too_large(limit)
    return parse_json_object(text, fields_of(view))
