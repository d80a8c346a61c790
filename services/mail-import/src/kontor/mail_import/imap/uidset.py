"""RFC 3501 sequence-set text ("1:3,7,9:10") to UIDs and back, as used by VANISHED responses (RFC 7162)."""

from __future__ import annotations

from collections.abc import Iterable


def parse_uid_set(text: str | bytes) -> frozenset[int]:
    """UIDs named by a sequence set; ``*`` is not meaningful in server responses and is rejected."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    uids: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        low, _, high = part.partition(":")
        first, last = int(low), int(high or low)
        if first > last:
            first, last = last, first
        uids.update(range(first, last + 1))
    return frozenset(uids)


def parse_vanished(data: Iterable[str | bytes]) -> frozenset[int]:
    """UIDs from the payloads of ``* VANISHED [(EARLIER)] <set>`` responses."""
    uids: set[int] = set()
    for item in data:
        if isinstance(item, bytes):
            item = item.decode("ascii")
        item = item.strip()
        if item.upper().startswith("(EARLIER)"):
            item = item[len("(EARLIER)"):]
        uids |= parse_uid_set(item)
    return frozenset(uids)


def format_uid_set(uids: Iterable[int]) -> str:
    """The shortest sequence set naming exactly ``uids`` (ranges collapsed), for commands on many UIDs."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}:{ordered[j]}")
        i = j + 1
    return ",".join(parts)
