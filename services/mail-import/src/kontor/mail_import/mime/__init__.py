"""Robust reading of imported mail: parse raw MIME into plain data or a quarantine reason, store attachments.

    result = mime.parse(raw, mime.Limits())
    if isinstance(result, mime.Quarantine): keep raw with result.reason
    else: addresses = await mime.store_attachments(result, blob_store, str(tenant_id))

See docs/mail-import.md, "Parsing and quarantine".
"""

from kontor.mail_import.mime.headers import normalise_address, normalise_message_id
from kontor.mail_import.mime.limits import REASONS, Limits, Quarantine
from kontor.mail_import.mime.model import Address, Attachment, Defect, InvalidAddress, ParsedMail
from kontor.mail_import.mime.parser import parse
from kontor.mail_import.mime.storage import all_attachments, store_attachments

__all__ = [
    "REASONS", "Address", "Attachment", "Defect", "InvalidAddress", "Limits", "ParsedMail", "Quarantine",
    "all_attachments", "normalise_address", "normalise_message_id", "parse", "store_attachments",
]
