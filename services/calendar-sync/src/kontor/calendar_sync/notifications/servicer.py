"""gRPC ``kontor.calendar.v1.ChangeNotificationService``: the gateway hands over what its webhook received."""

from __future__ import annotations

import grpc

from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, PermissionDenied
from kontor.protos.calendar.v1 import notifications_pb2 as pb
from kontor.protos.calendar.v1 import notifications_pb2_grpc as pb_grpc

from kontor.calendar_sync.notifications.receive import MAX_NOTIFICATIONS, Notification, receive
from kontor.calendar_sync.sync.now import SyncTrigger

SERVICE_ROLE = "service"  # the gateway's own token (it mints it: a webhook has no user)
MAX_ID = 128


def _notifications(request: pb.DeliverGraphNotificationsRequest) -> list[Notification]:
    if len(request.notifications) > MAX_NOTIFICATIONS:
        raise InvalidArgument("notifications", f"at most {MAX_NOTIFICATIONS} per call")
    items = []
    for i, n in enumerate(request.notifications):
        if len(n.subscription_id) > MAX_ID:
            raise InvalidArgument(f"notifications[{i}].subscription_id", f"at most {MAX_ID} characters")
        for name in ("subscription_id", "client_state", "azure_tenant_id"):
            if "\x00" in getattr(n, name):  # PostgreSQL cannot compare text with NUL in it
                raise InvalidArgument(f"notifications[{i}].{name}", "must not contain NUL characters")
        items.append(Notification(subscription_id=n.subscription_id, client_state=n.client_state,
                                  change_type=n.change_type, lifecycle_event=n.lifecycle_event,
                                  azure_tenant_id=n.azure_tenant_id[:64]))
    return items


class ChangeNotificationServicer(pb_grpc.ChangeNotificationServiceServicer):
    def __init__(self, db: Database, trigger: SyncTrigger | None) -> None:
        self._db, self._trigger = db, trigger

    async def DeliverGraphNotifications(self, request, context: grpc.aio.ServicerContext):
        if SERVICE_ROLE not in current_principal().roles:
            raise PermissionDenied("only the gateway may deliver change notifications")
        received = await receive(self._db, _notifications(request))
        # Queued after the commit, so the task sees the due mark; an unreachable broker leaves it to beat.
        if self._trigger is not None:
            for run in received.runs:
                await self._trigger.request(run.tenant_id, run.connector_id, countdown=run.wait_s)
        return pb.DeliverGraphNotificationsResponse(accepted=received.accepted, ignored=received.ignored,
                                                    runs_requested=len(received.runs))


def register(server: grpc.aio.Server, db: Database, trigger: SyncTrigger | None) -> list[str]:
    pb_grpc.add_ChangeNotificationServiceServicer_to_server(ChangeNotificationServicer(db, trigger), server)
    return [pb.DESCRIPTOR.services_by_name["ChangeNotificationService"].full_name]
