"""Limits that keep parsing one message bounded in time and memory, and the quarantine it answers past them.

Every limit exceeded yields a ``Quarantine`` with a stable reason code (stored and counted by the importer,
shown to users) and a detail sentence that names sizes and limits only, never message content.
"""

from __future__ import annotations

from dataclasses import dataclass

# Stable reason codes: the importer stores them and health reports count them; never rename one.
RAW_TOO_LARGE = "raw_too_large"
HEADERS_TOO_LARGE = "headers_too_large"
TOO_MANY_PARTS = "too_many_parts"
NESTING_TOO_DEEP = "nesting_too_deep"
NO_HEADERS = "no_headers"
EMPTY = "empty"
UNPARSEABLE = "unparseable"

REASONS = frozenset({RAW_TOO_LARGE, HEADERS_TOO_LARGE, TOO_MANY_PARTS, NESTING_TOO_DEEP, NO_HEADERS, EMPTY,
                     UNPARSEABLE})


@dataclass(frozen=True)
class Limits:
    max_raw_bytes: int = 64 * 1024 * 1024
    # All header fields of the message and of all its parts together.
    max_header_bytes: int = 4 * 1024 * 1024
    # One header field that is parsed structurally. The stdlib's header parser is super-linear on some inputs
    # (nested comments, thousands of encoded words), so longer fields are truncated (or, for address fields,
    # read with a linear fallback) and a defect is recorded instead.
    max_field_bytes: int = 4 * 1024
    max_parts: int = 10_000
    # Multipart nesting and attached messages together.
    max_depth: int = 32
    # Search text kept; longer text is truncated (the raw message is kept whole, so nothing is lost).
    max_text_chars: int = 1_000_000
    # HTML handed to the HTML-to-text converter per part.
    max_html_chars: int = 4_000_000
    max_references: int = 200


@dataclass(frozen=True)
class Quarantine:
    """The message was not imported; it is kept raw with this reason."""

    reason: str
    detail: str
    content_hash: str

    def __post_init__(self):
        if self.reason not in REASONS:
            raise ValueError(f"unknown quarantine reason {self.reason!r}")
