"""What the rules API takes and answers: checked inputs (names, folders, limits) and the proto forms."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kontor.platform.errors import InvalidArgument
from kontor.protos.mail.v1 import mailbox_pb2, mails_pb2
from kontor.protos.mail.v1 import rules_pb2 as pb

from kontor.mail_import.edge import timestamp
from kontor.mail_import.providers.base import MessageSummary, RuleConditions
from kontor.mail_import.rules import conditions as rule_conditions
from kontor.mail_import.rules.models import FilterRule

MAX_NAME = 200
MAX_FOLDER = 500
DEFAULT_SOURCE = "inbox"
TEST_LIMIT_DEFAULT = 50
TEST_LIMIT_MAX = 200


@dataclass(frozen=True)
class RuleCreate:
    account_id: uuid.UUID
    name: str
    conditions: RuleConditions
    source_folder: str
    enabled: bool = True


@dataclass(frozen=True)
class RuleChanges:
    """What UpdateRule sent; None: leave as it is."""

    name: str | None = None
    conditions: RuleConditions | None = None
    enabled: bool | None = None
    position: int | None = None


def checked_name(value: str, field: str = "name") -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidArgument(field, "give the rule a name")
    if len(name) > MAX_NAME:
        raise InvalidArgument(field, f"at most {MAX_NAME} characters")
    return name


def checked_folder(value: str, field: str = "source_folder") -> str:
    """A folder id, well-known name or path; empty means the inbox."""
    folder = value.strip()
    if not folder:
        return DEFAULT_SOURCE
    if len(folder) > MAX_FOLDER or any(ord(c) < 32 for c in folder):
        raise InvalidArgument(field, f"a folder id, well-known name or path of at most {MAX_FOLDER} characters")
    return folder


def checked_position(value: int, field: str = "position") -> int:
    if value < 0:
        raise InvalidArgument(field, "must not be negative")
    return value


def checked_limit(value: int, field: str = "limit") -> int:
    if value < 0 or value > TEST_LIMIT_MAX:
        raise InvalidArgument(field, f"between 1 and {TEST_LIMIT_MAX} (0 means {TEST_LIMIT_DEFAULT})")
    return value or TEST_LIMIT_DEFAULT


def rule_to_proto(rule: FilterRule) -> pb.FilterRule:
    return pb.FilterRule(
        id=str(rule.id), account_id=str(rule.account_id), name=rule.name,
        conditions=rule_conditions.to_proto(rule_conditions.from_json(rule.conditions)),
        source_folder=rule.source_folder, enabled=rule.enabled, position=rule.position,
        applied_by=rule.applied_by, version=rule.version,
    )


def _address(mailbox) -> mails_pb2.Address:
    return mails_pb2.Address(email=mailbox.email, name=mailbox.name)


def summary_to_proto(summary: MessageSummary) -> mailbox_pb2.MessageSummary:
    message = mailbox_pb2.MessageSummary(
        ref=summary.ref, folder_id=summary.folder_id, subject=summary.subject,
        to=[_address(m) for m in summary.to], cc=[_address(m) for m in summary.cc],
        unread=summary.unread, has_attachments=summary.has_attachments,
    )
    if summary.sender is not None:
        getattr(message, "from").CopyFrom(_address(summary.sender))  # "from" is a Python keyword
    if summary.received_at is not None:
        message.received_at.CopyFrom(timestamp(summary.received_at))
    return message
