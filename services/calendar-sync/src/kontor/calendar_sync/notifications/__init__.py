"""Microsoft Graph change notifications: a subscription per synced mailbox, so a change in Outlook makes
that mailbox sync now instead of at its next poll. Polling stays the safety net: notifications can be lost.

| module | job |
|---|---|
| `models.py` | `graph_subscriptions`: service-wide (a notification names no Kontor tenant), ids, a hash, times |
| `client_state.py` | the per-subscription secret: made, hashed, compared in constant time |
| `graph_api.py` | `/subscriptions` calls over the provider's Graph client |
| `manage.py` | create for mailboxes that synced, renew before expiry, remove for disabled or removed ones |
| `receive.py` | verify delivered notifications, ask their mailboxes to sync now |
| `servicer.py`, `tasks.py` | gRPC `ChangeNotificationService` (gateway only), Celery beat for `manage` |
"""
