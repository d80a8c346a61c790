"""Kontor's shared service runtime.

Every service builds on these modules and nothing else of another service:
settings, db (unit of work + tenant row-level security), outbox and consumer
(events over NATS JetStream), grpc_server / grpc_client, http (FastAPI),
auth (tokens), telemetry and logs, celery.
"""
