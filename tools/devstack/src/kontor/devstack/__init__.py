"""The local Kontor stack: real PostgreSQL, NATS JetStream and Redis from pip wheels.

Modules:
    ports       free ports and the "port busy" error
    servers     PostgresServer, NatsServer, RedisServer
    infra       the three servers as one unit
    topology    services, ports and the environment of every service process
    supervisor  restarts crashed children and streams their output
    cli         the ``kontor-dev`` command
"""
