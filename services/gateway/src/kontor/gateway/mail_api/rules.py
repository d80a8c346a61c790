"""Filter rules: /api/v1/mail/accounts/{id}/rules (list, create, test) and /api/v1/mail/rules/{id} (change,
remove). Matching mail is moved into the account's import folder. Rules carry their version as ETag; PATCH
requires If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kontor.protos.mail.v1 import rules_pb2 as pb

from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag
from kontor.gateway.mail_api.accounts import AccountId
from kontor.gateway.mail_api.convert import conditions_pb, rule_read, summary_read
from kontor.gateway.mail_api.schemas import RuleCreate, RuleList, RuleRead, RuleTest, RuleTestRead, RuleUpdate
from kontor.gateway.mail_api.upstream import call

OF_ACCOUNT = "/api/v1/mail/accounts/{account_id}/rules"
ITEM = "/api/v1/mail/rules"
RuleId = Annotated[str, Path(description="UUID of the rule; anything else answers 422 naming rule_id")]


def _answer(rule: pb.FilterRule, response: Response) -> RuleRead:
    set_etag(response, rule.version)
    return rule_read(rule)


def router(stubs) -> APIRouter:
    api = APIRouter(tags=["mail rules"])

    @api.get(OF_ACCOUNT, response_model=RuleList, responses=problems(403), summary="The account's filter rules")
    async def list_rules(account_id: AccountId) -> RuleList:
        answer = await call(stubs().mail_rules.ListRules, pb.ListRulesRequest(
            account_id=path_id(account_id, "account_id")))
        return RuleList(items=[rule_read(r) for r in answer.rules])

    @api.post(OF_ACCOUNT, status_code=status.HTTP_201_CREATED, response_model=RuleRead, responses=problems(403, 409),
              summary="Add a filter rule: matching mail moves into the import folder",
              description="Where the server runs rules itself (Exchange) the rule is created there too "
                          "(`applied_by` server); otherwise the importer moves matching mail each round.")
    async def create_rule(account_id: AccountId, body: RuleCreate, response: Response) -> RuleRead:
        request = pb.CreateRuleRequest(account_id=path_id(account_id, "account_id"), name=body.name,
                                       conditions=conditions_pb(body.conditions), source_folder=body.source_folder,
                                       enabled=body.enabled)
        created = await call(stubs().mail_rules.CreateRule, request)
        response.headers["Location"] = f"{ITEM}/{created.id}"
        return _answer(created, response)

    @api.post(OF_ACCOUNT + "/test", response_model=RuleTestRead, responses=problems(403),
              summary="Which recent messages the conditions match, before the rule is saved")
    async def test_rule(account_id: AccountId, body: RuleTest) -> RuleTestRead:
        answer = await call(stubs().mail_rules.TestRule, pb.TestRuleRequest(
            account_id=path_id(account_id, "account_id"), conditions=conditions_pb(body.conditions),
            source_folder=body.source_folder, limit=body.limit))
        return RuleTestRead(matches=[summary_read(m) for m in answer.matches], tested=answer.tested)

    @api.patch(ITEM + "/{rule_id}", response_model=RuleRead, responses=problems(403, 409, 412, 428),
               summary="Change a filter rule: only the fields sent (If-Match required)")
    async def update_rule(rule_id: RuleId, body: RuleUpdate, response: Response,
                          if_match: IfMatch = None) -> RuleRead:
        sent = body.model_fields_set
        request = pb.UpdateRuleRequest(id=path_id(rule_id, "rule_id"), expected_version=expected_version(if_match),
                                       **{name: getattr(body, name) for name in ("name", "enabled", "position")
                                          if name in sent and getattr(body, name) is not None})
        if "conditions" in sent and body.conditions is not None:
            request.conditions.CopyFrom(conditions_pb(body.conditions))
        return _answer(await call(stubs().mail_rules.UpdateRule, request), response)

    @api.delete(ITEM + "/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403),
                summary="Remove a filter rule (and its server-side copy)")
    async def delete_rule(rule_id: RuleId) -> Response:
        await call(stubs().mail_rules.DeleteRule, pb.DeleteRuleRequest(id=path_id(rule_id, "rule_id")))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
