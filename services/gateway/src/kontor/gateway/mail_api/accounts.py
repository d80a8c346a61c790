"""/api/v1/mail/accounts: mail accounts (personal and shared mailboxes), their credentials and a connection
test. mail-import decides (rights, validation); these routes only translate. Accounts carry their version as
ETag; PATCH requires If-Match. Credentials are write-only: no response carries them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from kontor.protos.mail.v1 import accounts_pb2 as pb

from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag
from kontor.gateway.mail_api.convert import (
    account_read, connection_test_read, create_account_pb, credentials_pb, update_account_pb,
)
from kontor.gateway.mail_api.schemas import (
    AccountCreate, AccountList, AccountRead, AccountUpdate, ConnectionTestRead, CredentialsWrite,
)
from kontor.gateway.mail_api.upstream import call

COLLECTION = "/api/v1/mail/accounts"
AccountId = Annotated[str, Path(description="UUID of the mail account; anything else answers 422 naming account_id")]
PageSize = Annotated[int, Query(ge=1, le=200, description="Items per page")]
PageToken = Annotated[str, Query(max_length=512, description="next_page_token of the previous page")]


def _answer(account: pb.MailAccount, response: Response) -> AccountRead:
    set_etag(response, account.version)
    return account_read(account)


def router(stubs) -> APIRouter:
    api = APIRouter(prefix=COLLECTION, tags=["mail accounts"])

    @api.get("", response_model=AccountList, summary="The mail accounts you may use",
             description="Your own, your teams' shared mailboxes (managers: all of the organisation's), by address.")
    async def list_accounts(page_size: PageSize = 50, page_token: PageToken = "") -> AccountList:
        answer = await call(stubs().mail_accounts.ListAccounts,
                            pb.ListAccountsRequest(page_size=page_size, page_token=page_token))
        return AccountList(items=[account_read(a) for a in answer.accounts], next_page_token=answer.next_page_token)

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=AccountRead, responses=problems(403, 409),
              summary="Add a mail account; its credentials are stored encrypted",
              description="`provider` says which settings object applies (`graph` or `imap`; sending the other "
                          "answers 422 naming it). Shared accounts and accounts of other users take a manager.")
    async def create_account(body: AccountCreate, response: Response) -> AccountRead:
        created = await call(stubs().mail_accounts.CreateAccount, create_account_pb(body))
        response.headers["Location"] = f"{COLLECTION}/{created.id}"
        return _answer(created, response)

    @api.get("/{account_id}", response_model=AccountRead, responses=problems(403),
             summary="Read a mail account (never its credentials)")
    async def get_account(account_id: AccountId, response: Response) -> AccountRead:
        return _answer(await call(stubs().mail_accounts.GetAccount, pb.GetAccountRequest(
            id=path_id(account_id, "account_id"))), response)

    @api.patch("/{account_id}", response_model=AccountRead, responses=problems(403, 409, 412, 428),
               summary="Change a mail account: only the fields sent (If-Match required)")
    async def update_account(account_id: AccountId, body: AccountUpdate, response: Response,
                             if_match: IfMatch = None) -> AccountRead:
        request = update_account_pb(path_id(account_id, "account_id"), expected_version(if_match), body)
        return _answer(await call(stubs().mail_accounts.UpdateAccount, request), response)

    @api.put("/{account_id}/credentials", response_model=AccountRead, responses=problems(403),
             summary="Replace the account's secret (write-only); the import resumes if it waited for it",
             description="Send exactly one of `password`, `client_secret` or `certificate`. The answer is the "
                         "account with `has_credentials`, never the secret.")
    async def set_credentials(account_id: AccountId, body: CredentialsWrite, response: Response) -> AccountRead:
        return _answer(await call(stubs().mail_accounts.SetCredentials, pb.SetCredentialsRequest(
            id=path_id(account_id, "account_id"), credentials=credentials_pb(body))), response)

    @api.post("/{account_id}/test", response_model=ConnectionTestRead, responses=problems(403),
              summary="Sign in and find the import folder, without importing",
              description="`ok` false is an answer, not an error: `code` says what failed and `message` what to do, "
                          "in your language (Accept-Language: German or English).")
    async def test_account(account_id: AccountId) -> ConnectionTestRead:
        return connection_test_read(await call(stubs().mail_accounts.TestConnection, pb.TestConnectionRequest(
            id=path_id(account_id, "account_id"))))

    @api.delete("/{account_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403),
                summary="Remove a mail account: importing stops, its credentials are deleted, imported mail stays")
    async def delete_account(account_id: AccountId) -> Response:
        await call(stubs().mail_accounts.DeleteAccount, pb.DeleteAccountRequest(id=path_id(account_id, "account_id")))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
