"""The service serves every gRPC API of accounts.proto … rules.proto (grpc_api.REGISTRATIONS) and closes what it
opened at stop."""

from __future__ import annotations

import grpc

from kontor.platform.runtime import Runtime
from kontor.platform.secrets_box import generate_key

from kontor.mail_import import grpc_api
from kontor.mail_import.settings import MailImportSettings


async def test_register_all_serves_every_mail_api_and_close_releases_the_channel():
    settings = MailImportSettings(database_url="postgresql+asyncpg://u:p@127.0.0.1:1/db", nats_url="nats://x:1",
                                  jwks_url="http://x/jwks", contacts_addr="127.0.0.1:1", secret_keys=generate_key(),
                                  message_id_key="k" * 32)
    rt = Runtime(name="mail-import", settings=settings, db=None, verifier=None)  # type: ignore[arg-type]
    names = grpc_api.register_all(grpc.aio.server(), rt)
    assert set(names) == {f"kontor.mail.v1.{name}" for name in (
        "MailAccountService", "ImportService", "MailService", "FilterRuleService", "MailboxService")}
    assert len(names) == len(set(names))
    assert rt.extras["contacts"] is not None and rt.extras["blobs"] is None  # no BLOB_STORE_URL: no store
    await grpc_api.close(rt)
    assert rt.extras == {}
