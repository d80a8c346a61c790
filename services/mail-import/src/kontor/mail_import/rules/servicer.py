"""gRPC edge of filter rules (kontor.mail.v1.FilterRuleService): translate, open the unit of work, call the
service. Rights: "read" on "mail_account" to list and test, "update" to change (record rules: service.py)."""

from __future__ import annotations

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.errors import Conflict, InvalidArgument, Unavailable
from kontor.platform.pagination import parse_uuid
from kontor.protos.mail.v1 import rules_pb2 as pb
from kontor.protos.mail.v1 import rules_pb2_grpc as pb_grpc

from kontor.mail_import import texts
from kontor.mail_import.accounts.connect import OpenProvider
from kontor.mail_import.accounts.service import get_account
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.edge import authorised
from kontor.mail_import.rules import conditions as rule_conditions
from kontor.mail_import.rules import schemas, service
from kontor.mail_import.rules.service import ServerRuleFailed

ENTITY = "mail_account"

texts.register({
    "rules.not_saved": {"en": "Nothing was saved.", "de": "Nichts wurde gespeichert."},
    "rules.server_busy": {
        "en": "The mail server asks to wait. Try again in a few minutes.",
        "de": "Der Mailserver bittet zu warten. Bitte in einigen Minuten erneut "
              "versuchen."},
    "rules.server_unreachable": {
        "en": "The mail server cannot be reached. Try again later.",
        "de": "Der Mailserver ist nicht erreichbar. Bitte später erneut versuchen."},
    "rules.server_failed": {
        "en": "The mail server did not take the rule. Try again later.",
        "de": "Der Mailserver hat die Regel nicht angenommen. Bitte später erneut "
              "versuchen."},
    "rules.needs_auth": {
        "en": "The mail server refuses the account's sign-in. Set the account's credentials "
              "again, then save the rule.",
        "de": "Der Mailserver lehnt die Anmeldung des Kontos ab. Bitte die Zugangsdaten "
              "des Kontos neu hinterlegen und die Regel dann speichern."},
    "rules.import_folder_missing": {
        "en": "The account's import folder does not exist on the mail server. Create it or "
              "change the account's import folder, then save the rule.",
        "de": "Der Importordner des Kontos existiert auf dem Mailserver nicht. Bitte "
              "den Ordner anlegen oder den Importordner des Kontos ändern und die Regel dann speichern."},
})


def _conditions(request, *, required: bool):
    if not request.HasField("conditions"):
        if required:
            raise InvalidArgument("conditions", "give at least one condition")
        return None
    return rule_conditions.from_proto(request.conditions)


def _failed(exc: ServerRuleFailed, context, *, saving: bool = True) -> Exception:
    """UNAVAILABLE (try again) or FAILED_PRECONDITION (fix the account first), in the caller's language."""
    lang = texts.caller_language(context)
    message = texts.text(exc.code, lang)
    if saving:
        message = f"{message} {texts.text('rules.not_saved', lang)}"
    return Unavailable(message) if exc.kind == "unavailable" else Conflict(message)


class FilterRuleServicer(pb_grpc.FilterRuleServiceServicer):
    def __init__(self, db: Database, contacts: ContactsClient, open_provider: OpenProvider):
        self._db, self._contacts, self._open_provider = db, contacts, open_provider

    async def CreateRule(self, request, context):
        data = schemas.RuleCreate(
            account_id=parse_uuid(request.account_id, "account_id"), name=schemas.checked_name(request.name),
            conditions=_conditions(request, required=True),
            source_folder=schemas.checked_folder(request.source_folder),
            enabled=request.enabled if request.HasField("enabled") else True)
        try:
            async with authorised(self._db, self._contacts, ENTITY, "update") as (session, caller):
                rule = await service.create_rule(session, caller, self._open_provider, data)
                return schemas.rule_to_proto(rule)
        except ServerRuleFailed as exc:
            raise _failed(exc, context) from None

    async def ListRules(self, request, context):
        account_id = parse_uuid(request.account_id, "account_id")
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            rules = await service.list_rules(session, caller, account_id)
            return pb.ListRulesResponse(rules=[schemas.rule_to_proto(r) for r in rules])

    async def UpdateRule(self, request, context):
        rule_id = parse_uuid(request.id, "id")
        changes = schemas.RuleChanges(
            name=schemas.checked_name(request.name) if request.HasField("name") else None,
            conditions=_conditions(request, required=False),
            enabled=request.enabled if request.HasField("enabled") else None,
            position=schemas.checked_position(request.position) if request.HasField("position") else None)
        try:
            async with authorised(self._db, self._contacts, ENTITY, "update") as (session, caller):
                rule = await service.update_rule(session, caller, self._open_provider, rule_id,
                                                 expected_version=request.expected_version, changes=changes)
                return schemas.rule_to_proto(rule)
        except ServerRuleFailed as exc:
            raise _failed(exc, context) from None

    async def DeleteRule(self, request, context):
        rule_id = parse_uuid(request.id, "id")
        try:
            async with authorised(self._db, self._contacts, ENTITY, "update") as (session, caller):
                await service.delete_rule(session, caller, self._open_provider, rule_id)
        except ServerRuleFailed as exc:
            raise _failed(exc, context) from None
        return Empty()

    async def TestRule(self, request, context):
        account_id = parse_uuid(request.account_id, "account_id")
        conditions = _conditions(request, required=True)
        source = schemas.checked_folder(request.source_folder)
        limit = schemas.checked_limit(request.limit)
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, caller):
            account = await get_account(session, caller, account_id)
        try:  # network: outside the transaction
            found, tested = await service.test_rule(self._open_provider, account, conditions, source, limit)
        except ServerRuleFailed as exc:
            raise _failed(exc, context, saving=False) from None
        return pb.TestRuleResponse(matches=[schemas.summary_to_proto(s) for s in found], tested=tested)


def register(server: grpc.aio.Server, db: Database, contacts: ContactsClient, open_provider: OpenProvider) -> list[str]:
    pb_grpc.add_FilterRuleServiceServicer_to_server(FilterRuleServicer(db, contacts, open_provider), server)
    return [pb.DESCRIPTOR.services_by_name["FilterRuleService"].full_name]
