"""Header fields read defensively: every reader answers a value or a fallback and never raises."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address as EmailAddress

from kontor.mail_import.mime.model import Address, InvalidAddress
from kontor.mail_import.mime.text import clean

ADDRESS_FIELDS = ("from", "to", "cc", "reply-to")
_MSG_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_BARE_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+")


def raw_values(message, name: str) -> list[str]:
    """Every occurrence of a field, unparsed, cleaned (unfolded)."""
    name = name.lower()
    return [clean(value).replace("\r", "").replace("\n", "") for key, value in message.raw_items()
            if key.lower() == name]


def first(message, name: str) -> str | None:
    values = raw_values(message, name)
    return values[0] if values else None


def normalise_message_id(value: str | None) -> str | None:
    """``<local@domain>`` with the domain lower-cased; a bare token is accepted too (broken senders omit <>)."""
    if not value:
        return None
    match = _MSG_ID.search(value)
    if match is None and ("<" in value or ">" in value):
        return None  # "<>", "<a b>", unbalanced: no id
    token = match.group(1) if match else value.strip()
    if not token or any(ch.isspace() for ch in token) or len(token) > 995:
        return None
    local, at, domain = token.rpartition("@")
    return f"<{local}@{domain.lower()}>" if at and local else f"<{token}>"


def content_id(value: str | None) -> str | None:
    """The id inside <...> exactly as sent: HTML refers to it as cid:<id>, case-sensitively."""
    if not value:
        return None
    match = _MSG_ID.search(value)
    return (match.group(1) if match else value.strip())[:998] or None


def message_ids(value: str | None, limit: int) -> tuple[str, ...]:
    """Ids in References / In-Reply-To, in order, without repeats."""
    if not value:
        return ()
    seen: dict[str, None] = {}
    for match in _MSG_ID.finditer(value):
        normalised = normalise_message_id(match.group(0))
        if normalised:
            seen.setdefault(normalised, None)
            if len(seen) >= limit:
                break
    return tuple(seen)


def normalise_address(local: str, domain: str) -> str | None:
    """``local@domain`` lower-cased with an IDNA (ASCII) domain; None when it cannot be a deliverable address."""
    local, domain = local.strip().lower(), domain.strip().rstrip(".").lower()
    if not local or not domain or any(ch.isspace() or ch in "<>@,;" for ch in local + domain):
        return None
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if "." not in ascii_domain and ascii_domain != "localhost":
        return None
    return f"{local}@{ascii_domain}"


def addresses(message, name: str, max_field: int) -> tuple[list[Address], list[InvalidAddress], bool]:
    """Parsed addresses, invalid ones, and whether a lenient reading was needed.

    Fields up to ``max_field`` go to the stdlib parser; when it fails on the field (one bad address makes it
    raise for all), each comma-separated item is parsed alone, and items it still refuses are searched for
    a bare address. Longer fields are only searched (linear time): addresses survive, display names not."""
    found: list[Address] = []
    invalid: list[InvalidAddress] = []
    lenient = False
    for value in raw_values(message, name):
        if len(value) > max_field:
            lenient = True
            _search(name, value, found, invalid)
            continue
        parsed = _structured(name, value)
        if parsed is not None:
            _take(name, parsed, found, invalid)
            # Nothing usable in a non-empty field ("undisclosed-recipients:;" is an empty group, not an error).
            if not parsed and value.strip() and not value.rstrip().endswith(";"):
                invalid.append(InvalidAddress(field=name, value=value[:320]))
            continue
        lenient = True
        for item in _split_list(value):
            parsed = _structured(name, item)
            if parsed:
                _take(name, parsed, found, invalid)
            else:
                _search(name, item, found, invalid)
    return found, invalid, lenient


def _structured(name: str, value: str):
    try:
        return policy.default.header_factory(name, value).addresses
    except Exception:  # noqa: BLE001 - IndexError on "a@", RecursionError on nested comments, ...
        return None


def _take(name: str, parsed, found: list[Address], invalid: list[InvalidAddress]) -> None:
    for item in parsed:
        email = _checked(item)
        if email:
            found.append(Address(email=email, display_name=clean(item.display_name or "")[:320]))
        else:
            invalid.append(InvalidAddress(field=name, value=clean(str(item))[:320]))


def _search(name: str, value: str, found: list[Address], invalid: list[InvalidAddress]) -> None:
    matched = False
    for match in _BARE_ADDRESS.finditer(value):
        matched = True
        local, _, domain = match.group(0).rpartition("@")
        email = normalise_address(local, domain)
        if email:
            found.append(Address(email=email))
        else:
            invalid.append(InvalidAddress(field=name, value=match.group(0)[:320]))
    if not matched and value.strip():
        invalid.append(InvalidAddress(field=name, value=value.strip()[:320]))


def _split_list(value: str) -> list[str]:
    """Split an address list at commas outside quotes, comments and angle brackets (one linear pass)."""
    items, current, quoted, depth, angle, escaped = [], [], False, 0, False, False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"' and not depth:
            quoted = not quoted
        elif not quoted:
            if ch == "(":
                depth += 1
            elif ch == ")" and depth:
                depth -= 1
            elif ch == "<" and not depth:
                angle = True
            elif ch == ">" and not depth:
                angle = False
            elif ch == "," and not depth and not angle:
                items.append("".join(current))
                current = []
                continue
        current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _checked(item: EmailAddress) -> str | None:
    try:
        return normalise_address(item.username, item.domain)
    except Exception:  # noqa: BLE001
        return None


def subject(message, max_field: int) -> str:
    value = first(message, "subject")
    if value is None:
        return ""
    value = value[:max_field]
    try:
        decoded = clean(str(policy.default.header_factory("subject", value))).strip()
    except Exception:  # noqa: BLE001 - undecodable encoded words: show the field as it came
        return value.strip()
    return decoded or value.strip()  # an encoded word that decodes to nothing (bad base64): show it as sent


def date(message) -> datetime | None:
    value = first(message, "date")
    if not value:
        return None
    try:
        parsed = policy.default.header_factory("date", value[:256]).datetime
    except Exception:  # noqa: BLE001 - dates like "yesterday" or out-of-range years
        return None
    if parsed is None:
        return None
    # RFC 5322 "-0000": UTC, sender's zone unknown; email answers a naive datetime for it.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
