"""gRPC stubs of the services behind the gateway, one channel each."""

from dataclasses import dataclass

import grpc

from kontor.platform import grpc_client
from kontor.protos.billing.v1 import billing_pb2_grpc
from kontor.protos.calendar.v1 import attachments_pb2_grpc
from kontor.protos.calendar.v1 import calendar_pb2_grpc
from kontor.protos.calendar.v1 import connectors_pb2_grpc
from kontor.protos.calendar.v1 import notifications_pb2_grpc
from kontor.protos.calendar.v1 import sync_pb2_grpc
from kontor.protos.contacts.v1 import companions_pb2_grpc, data_pb2_grpc, persons_pb2_grpc
from kontor.protos.contacts.v1 import access_pb2_grpc, contacts_pb2_grpc, identity_pb2_grpc
from kontor.protos.contacts.v1 import dashboard_pb2_grpc
from kontor.protos.mail.v1 import accounts_pb2_grpc as mail_accounts_pb2_grpc
from kontor.protos.mail.v1 import imports_pb2_grpc as mail_imports_pb2_grpc
from kontor.protos.mail.v1 import mailbox_pb2_grpc, mails_pb2_grpc
from kontor.protos.mail.v1 import rules_pb2_grpc as mail_rules_pb2_grpc

from kontor.gateway.edge import languages

from kontor.gateway.edge.request_ids import RequestIdClientInterceptor

from kontor.gateway.settings import GatewaySettings


@dataclass
class Upstreams:
    channels: list[grpc.aio.Channel]
    companies: contacts_pb2_grpc.CompanyServiceStub
    persons: persons_pb2_grpc.ContactPersonServiceStub
    comments: companions_pb2_grpc.CommentServiceStub
    traces: companions_pb2_grpc.TraceServiceStub
    pools: companions_pb2_grpc.PoolServiceStub
    groups: companions_pb2_grpc.GroupServiceStub
    clients: billing_pb2_grpc.ClientServiceStub
    tenants: identity_pb2_grpc.TenantServiceStub
    users: identity_pb2_grpc.UserServiceStub
    search: data_pb2_grpc.SearchServiceStub
    imports: data_pb2_grpc.ImportServiceStub
    gdpr: data_pb2_grpc.GdprServiceStub
    access: access_pb2_grpc.AccessServiceStub
    assignments: access_pb2_grpc.AssignmentServiceStub
    rules: access_pb2_grpc.AssignmentRuleServiceStub
    substitutions: access_pb2_grpc.SubstitutionServiceStub
    handovers: access_pb2_grpc.HandoverServiceStub
    followups: dashboard_pb2_grpc.FollowUpServiceStub
    dashboard: dashboard_pb2_grpc.DashboardServiceStub
    groupware_servers: connectors_pb2_grpc.GroupwareServerServiceStub
    connectors: connectors_pb2_grpc.ConnectorServiceStub
    appointments: calendar_pb2_grpc.AppointmentServiceStub
    attachments: attachments_pb2_grpc.AttachmentServiceStub
    resources: calendar_pb2_grpc.ResourceServiceStub
    sync: sync_pb2_grpc.SyncServiceStub
    graph_notifications: notifications_pb2_grpc.ChangeNotificationServiceStub
    mail_accounts: mail_accounts_pb2_grpc.MailAccountServiceStub
    mail_imports: mail_imports_pb2_grpc.ImportServiceStub
    mail_rules: mail_rules_pb2_grpc.FilterRuleServiceStub
    mailbox: mailbox_pb2_grpc.MailboxServiceStub
    mails: mails_pb2_grpc.MailServiceStub

    @classmethod
    def connect(cls, settings: GatewaySettings) -> "Upstreams":
        contacts = grpc_client.channel(settings.contacts_addr, default_timeout_s=settings.upstream_timeout_s,
                                       interceptors=[RequestIdClientInterceptor()])
        billing = grpc_client.channel(settings.billing_addr, default_timeout_s=settings.upstream_timeout_s,
                                      interceptors=[RequestIdClientInterceptor()])
        calendar_sync = grpc_client.channel(settings.calendar_sync_addr, default_timeout_s=settings.upstream_timeout_s,
                                            interceptors=[RequestIdClientInterceptor()])
        # mail-import renders readable texts (health, log, connection tests) in the caller's language.
        mail_import = grpc_client.channel(settings.mail_import_addr, default_timeout_s=settings.upstream_timeout_s,
                                          interceptors=[RequestIdClientInterceptor(),
                                                        *languages.client_interceptors()])
        return cls(
            channels=[contacts, billing, calendar_sync, mail_import],
            companies=contacts_pb2_grpc.CompanyServiceStub(contacts),
            persons=persons_pb2_grpc.ContactPersonServiceStub(contacts),
            comments=companions_pb2_grpc.CommentServiceStub(contacts),
            traces=companions_pb2_grpc.TraceServiceStub(contacts),
            pools=companions_pb2_grpc.PoolServiceStub(contacts),
            groups=companions_pb2_grpc.GroupServiceStub(contacts),
            clients=billing_pb2_grpc.ClientServiceStub(billing),
            tenants=identity_pb2_grpc.TenantServiceStub(contacts),
            users=identity_pb2_grpc.UserServiceStub(contacts),
            search=data_pb2_grpc.SearchServiceStub(contacts),
            imports=data_pb2_grpc.ImportServiceStub(contacts),
            gdpr=data_pb2_grpc.GdprServiceStub(contacts),
            access=access_pb2_grpc.AccessServiceStub(contacts),
            assignments=access_pb2_grpc.AssignmentServiceStub(contacts),
            rules=access_pb2_grpc.AssignmentRuleServiceStub(contacts),
            substitutions=access_pb2_grpc.SubstitutionServiceStub(contacts),
            handovers=access_pb2_grpc.HandoverServiceStub(contacts),
            followups=dashboard_pb2_grpc.FollowUpServiceStub(contacts),
            dashboard=dashboard_pb2_grpc.DashboardServiceStub(contacts),
            groupware_servers=connectors_pb2_grpc.GroupwareServerServiceStub(calendar_sync),
            connectors=connectors_pb2_grpc.ConnectorServiceStub(calendar_sync),
            appointments=calendar_pb2_grpc.AppointmentServiceStub(calendar_sync),
            attachments=attachments_pb2_grpc.AttachmentServiceStub(calendar_sync),
            resources=calendar_pb2_grpc.ResourceServiceStub(calendar_sync),
            sync=sync_pb2_grpc.SyncServiceStub(calendar_sync),
            graph_notifications=notifications_pb2_grpc.ChangeNotificationServiceStub(calendar_sync),
            mail_accounts=mail_accounts_pb2_grpc.MailAccountServiceStub(mail_import),
            mail_imports=mail_imports_pb2_grpc.ImportServiceStub(mail_import),
            mail_rules=mail_rules_pb2_grpc.FilterRuleServiceStub(mail_import),
            mailbox=mailbox_pb2_grpc.MailboxServiceStub(mail_import),
            mails=mails_pb2_grpc.MailServiceStub(mail_import),
        )

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
