"""Outgoing Message-IDs that name the record a mail was written from, so replies file themselves.

``<crm.{record_type}.{record id hex}.{nonce}.{mac}@{domain}>``: the MAC (HMAC-SHA256 over everything left of
the MAC, truncated to 128 bits) proves we made it, so nobody can file mail into a record by forging a
References header. Without a record the id is random and names nothing. Everything we generate is lower-case
ASCII, so decoding ignores case (some servers rewrite it) and never trusts the domain (not covered by the MAC,
since forwarding gateways may rewrite it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid

from kontor.mail_import.mails.schemas import RECORD_TYPES, RecordRef

PREFIX = "crm"
MAC_HEX = 32  # 128 bits of HMAC-SHA256
_SHAPE = re.compile(r"^crm\.([a-z_]+)\.([0-9a-f]{32})\.([0-9a-f]{16})\.([0-9a-f]{32})$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")


def _mac(key: bytes, signed: str) -> str:
    return hmac.new(key, signed.encode("ascii"), hashlib.sha256).hexdigest()[:MAC_HEX]


def new_message_id(record: RecordRef | None, *, key: bytes, domain: str) -> str:
    domain = domain.strip().lower()
    if not _DOMAIN.match(domain):
        raise ValueError("the Message-ID domain must be a host name")
    nonce = secrets.token_hex(8)
    if record is None:
        return f"<{secrets.token_hex(16)}.{nonce}@{domain}>"
    if record.type not in RECORD_TYPES:
        raise ValueError(f"record type {record.type!r} cannot be filed to")
    signed = f"{PREFIX}.{record.type}.{record.id.hex}.{nonce}"
    return f"<{signed}.{_mac(key, signed)}@{domain}>"


def record_from_message_id(value: str | None, *, key: bytes) -> RecordRef | None:
    """The record an id of ours names; None for any other id, a forged or damaged one, or no id at all."""
    if not value or not key:
        return None
    local = value.strip().removeprefix("<").removesuffix(">").rpartition("@")[0].lower()
    match = _SHAPE.match(local)
    if match is None:
        return None
    record_type, id_hex, nonce, mac = match.groups()
    if record_type not in RECORD_TYPES:
        return None
    if not hmac.compare_digest(mac, _mac(key, f"{PREFIX}.{record_type}.{id_hex}.{nonce}")):
        return None
    return RecordRef(record_type, uuid.UUID(hex=id_hex))
