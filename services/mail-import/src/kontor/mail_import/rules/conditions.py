"""Filter rule conditions: checking what a caller sent, the proto and JSON forms, and matching a message.

``providers.base.RuleConditions`` is the one form the code works with; the rule row stores it as JSON
(``to_json``/``from_json``), the API sends it as ``kontor.mail.v1.RuleConditions`` (``from_proto`` checks and
normalises, ``to_proto``). ``matches`` is what the importer (apply.py) and TestRule use; the Graph server
evaluates the same conditions itself as a ``messageRule`` (providers/graph/mapping.py ``rule_body``).

Semantics (rules.proto): every given condition must hold (AND); a list holds when any entry does (OR).
Addresses and domains compare case-free; "example.com" also matches "sub.example.com"; recipients are To
and Cc; ``subject_contains`` are case-free substrings; ``has_attachment`` None means either. Conditions with
nothing in them match nothing: a rule must never move a whole folder by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kontor.platform.errors import InvalidArgument
from kontor.protos.mail.v1 import rules_pb2 as pb

from kontor.mail_import.providers.base import MessageSummary, RuleConditions

MAX_ENTRIES = 20  # per list; Outlook's rules have small limits too, and every entry is checked per message
MAX_SUBJECT_TEXT = 255
MAX_ADDRESS = 320
LISTS = ("sender_addresses", "sender_domains", "recipient_addresses", "subject_contains")

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_PART = re.compile(r"^[^@\s\"(),:;<>\[\\\]]{1,64}$")


def _domain_or_none(value: str) -> str | None:
    """The domain in lower case (internationalised names kept as written), None when it is none."""
    text = value.strip().lower().rstrip(".")
    if not text or len(text) > 253:
        return None
    try:
        ascii_form = text.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_form.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return text


def _address_or_none(value: str) -> str | None:
    text = value.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or len(text) > MAX_ADDRESS or not _LOCAL_PART.match(local) or _domain_or_none(domain) is None:
        return None
    return f"{local}@{_domain_or_none(domain)}"


def _checked_list(values: Iterable[str], field: str, check) -> tuple[str, ...]:
    """Normalised entries, duplicates dropped (order kept); INVALID_ARGUMENT naming ``field[i]``."""
    values = list(values)
    if len(values) > MAX_ENTRIES:
        raise InvalidArgument(field, f"at most {MAX_ENTRIES} entries")
    out: list[str] = []
    for index, value in enumerate(values):
        normalised = check(value, f"{field}[{index}]")
        if normalised not in out:
            out.append(normalised)
    return tuple(out)


def _address(value: str, field: str) -> str:
    address = _address_or_none(value)
    if address is None:
        raise InvalidArgument(field, "is not a mail address (name@example.com)")
    return address


def _domain(value: str, field: str) -> str:
    domain = _domain_or_none(value.strip().removeprefix("@"))
    if domain is None:
        raise InvalidArgument(field, "is not a domain (example.com)")
    return domain


def _subject_text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument(field, "must not be empty")
    if len(text) > MAX_SUBJECT_TEXT:
        raise InvalidArgument(field, f"at most {MAX_SUBJECT_TEXT} characters")
    return text


def checked(conditions: RuleConditions, field: str = "conditions") -> RuleConditions:
    """``conditions`` normalised (lower-case addresses and domains, trimmed texts), or INVALID_ARGUMENT naming
    the field, e.g. ``conditions.sender_domains[1]``."""
    result = RuleConditions(
        sender_addresses=_checked_list(conditions.sender_addresses, f"{field}.sender_addresses", _address),
        sender_domains=_checked_list(conditions.sender_domains, f"{field}.sender_domains", _domain),
        recipient_addresses=_checked_list(conditions.recipient_addresses, f"{field}.recipient_addresses", _address),
        subject_contains=_checked_list(conditions.subject_contains, f"{field}.subject_contains", _subject_text),
        has_attachment=conditions.has_attachment,
    )
    if is_empty(result):
        raise InvalidArgument(field, "give at least one condition (sender, sender domain, recipient, subject text "
                                     "or attachment)")
    return result


def is_empty(conditions: RuleConditions) -> bool:
    return not any(getattr(conditions, name) for name in LISTS) and conditions.has_attachment is None


# ---- forms ----------------------------------------------------------------------------------------------------


def from_proto(message: pb.RuleConditions, field: str = "conditions") -> RuleConditions:
    """Checked conditions from the API (``checked``)."""
    return checked(RuleConditions(
        sender_addresses=tuple(message.sender_addresses), sender_domains=tuple(message.sender_domains),
        recipient_addresses=tuple(message.recipient_addresses), subject_contains=tuple(message.subject_contains),
        has_attachment=message.has_attachment if message.HasField("has_attachment") else None,
    ), field)


def to_proto(conditions: RuleConditions) -> pb.RuleConditions:
    message = pb.RuleConditions(**{name: list(getattr(conditions, name)) for name in LISTS})
    if conditions.has_attachment is not None:
        message.has_attachment = conditions.has_attachment
    return message


def to_json(conditions: RuleConditions) -> dict:
    out: dict = {name: list(getattr(conditions, name)) for name in LISTS if getattr(conditions, name)}
    if conditions.has_attachment is not None:
        out["has_attachment"] = conditions.has_attachment
    return out


def from_json(data: dict) -> RuleConditions:
    """The stored form back (written by ``to_json`` from checked conditions, so not checked again)."""
    has_attachment = data.get("has_attachment")
    return RuleConditions(**{name: tuple(str(v) for v in data.get(name) or ()) for name in LISTS},
                          has_attachment=has_attachment if isinstance(has_attachment, bool) else None)


# ---- matching -------------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return text.casefold()


def _domain_matches(address: str, domains: Iterable[str]) -> bool:
    host = address.rpartition("@")[2].rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (_fold(x).removeprefix("@") for x in domains))


def matches(conditions: RuleConditions, summary: MessageSummary) -> bool:
    """Whether the message satisfies every given condition (see the module's docstring)."""
    if is_empty(conditions):
        return False
    sender = _fold(summary.sender.email) if summary.sender is not None else ""
    if conditions.sender_addresses and sender not in {_fold(a) for a in conditions.sender_addresses}:
        return False
    if conditions.sender_domains and not (sender and _domain_matches(sender, conditions.sender_domains)):
        return False
    if conditions.recipient_addresses:
        wanted = {_fold(a) for a in conditions.recipient_addresses}
        if not any(_fold(m.email) in wanted for m in (*summary.to, *summary.cc)):
            return False
    if conditions.subject_contains:
        subject = _fold(summary.subject or "")
        if not any(_fold(part) in subject for part in conditions.subject_contains):
            return False
    return conditions.has_attachment is None or conditions.has_attachment == summary.has_attachments
