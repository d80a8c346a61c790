"""The one description of the local stack: services, ports and environments.

Everything that needs to know which services exist, in which order they
start, which ports they use or what environment a service process gets reads
it from here. Every port can be moved with an environment variable
``KONTOR_DEV_<...>_PORT`` (see :func:`load_topology`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from kontor.devstack.ports import LOOPBACK, free_port
from kontor.devstack.signing_key import ensure_secret_keys
from kontor.devstack.servers import service_database_url, service_role_name

GATEWAY = "gateway"


@dataclass(frozen=True)
class ServiceSpec:
    """One Kontor service as the local stack runs it."""

    name: str
    grpc_port: int
    http_port: int
    has_celery: bool = False
    calls: tuple[str, ...] = ()  # services whose gRPC API this one calls
    # Stores credentials sealed with kontor.platform.secrets_box: gets SECRET_KEYS (a key made once per data dir).
    has_secret_keys: bool = False
    # Keeps files in a kontor.platform.blobs store: gets BLOB_STORE_URL, a folder under the data dir.
    has_blob_store: bool = False
    # Runs background work as its users (calendar-sync's scheduled sync): gets GATEWAY_ADDR and SERVICE_SECRET
    # (made once per data dir); the gateway's SERVICE_CLIENTS lists the secret's SHA-256 under this name.
    delegates_users: bool = False
    # Settings that hold a random secret of the service's own (mail-import's MESSAGE_ID_KEY): each gets one, made
    # once per data dir, so it survives restarts.
    random_secrets: tuple[str, ...] = ()

    @property
    def env_prefix(self) -> str:
        """``KONTOR_CALENDAR_SYNC_`` for ``calendar-sync``: the prefix of its settings."""
        return "KONTOR_" + _upper_snake(self.name) + "_"

    @property
    def executable(self) -> str:
        """Console script of the service (``kontor-calendar-sync``)."""
        return f"kontor-{self.name}"

    @property
    def database(self) -> str:
        """Name of its database, which is also its role and password."""
        return service_role_name(self.name)

    @property
    def grpc_addr(self) -> str:
        return f"{LOOPBACK}:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def readyz_url(self) -> str:
        return f"{self.http_url}/readyz"


@dataclass(frozen=True)
class InfraPorts:
    """Where the shared infrastructure listens (all on 127.0.0.1)."""

    postgres: int
    nats: int
    nats_monitor: int
    redis: int

    @property
    def nats_url(self) -> str:
        return f"nats://{LOOPBACK}:{self.nats}"

    @property
    def nats_monitor_url(self) -> str:
        return f"http://{LOOPBACK}:{self.nats_monitor}"

    @property
    def redis_url(self) -> str:
        return f"redis://{LOOPBACK}:{self.redis}/0"

    def database_url(self, service: str) -> str:
        return service_database_url(service, self.postgres)


@dataclass(frozen=True)
class EmulatorSpec:
    """A groupware emulator (``emulators/``) the stack runs as a supervised process.

    It serves HTTPS with a CA it makes at every start; the CA file and the seed file it loads
    live in ``<data dir>/<name>/``. Its state is in memory: every start re-seeds it.
    """

    name: str  # process name, e.g. "graph-emulator"
    port: int
    executable: str  # console script, e.g. "kontor-emulator-graph"
    display_name: str
    env_var: str  # the variable that moves its port

    @property
    def base_url(self) -> str:
        return f"https://{LOOPBACK}:{self.port}"

    @property
    def health_url(self) -> str:
        return f"{self.base_url}/_control/health"

    def data_dir(self, data_dir: Path) -> Path:
        return Path(data_dir).absolute() / self.name

    def ca_path(self, data_dir: Path) -> Path:
        """The emulator's CA certificate (PEM), rewritten at every start; clients trust this file."""
        return self.data_dir(data_dir) / "ca.pem"

    def seed_path(self, data_dir: Path) -> Path:
        """The JSON the emulator loads at every start (``--seed``), written by ``kontor-dev up``."""
        return self.data_dir(data_dir) / "seed.json"

    def command(self, executable: str, data_dir: Path) -> tuple[str, ...]:
        return (executable, "--host", LOOPBACK, "--port", str(self.port),
                "--ca-path", str(self.ca_path(data_dir)), "--seed", str(self.seed_path(data_dir)))


@dataclass(frozen=True)
class PortClaim:
    """A port the stack needs, what needs it, and the variable that moves it."""

    port: int
    what: str
    env_var: str


@dataclass(frozen=True)
class Topology:
    """Services in start order plus the infrastructure ports."""

    services: tuple[ServiceSpec, ...]
    infra: InfraPorts
    emulators: tuple[EmulatorSpec, ...] = ()
    _by_name: dict[str, ServiceSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {service.name: service for service in self.services})
        for service in self.services:
            unknown = [callee for callee in service.calls if callee not in self._by_name]
            if unknown:
                raise ValueError(f"{service.name} calls unknown services: {', '.join(unknown)}")
        _reject_duplicate_ports(self.port_claims())

    @property
    def service_names(self) -> tuple[str, ...]:
        return tuple(service.name for service in self.services)

    def service(self, name: str) -> ServiceSpec:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"unknown service {name!r}; known: {', '.join(self.service_names)}") from None

    def emulator(self, name: str) -> EmulatorSpec:
        for emulator in self.emulators:
            if emulator.name == name:
                return emulator
        raise KeyError(f"unknown emulator {name!r}; known: {', '.join(e.name for e in self.emulators)}")

    def port_claims(self) -> list[PortClaim]:
        """Every port the stack binds, infrastructure first, the emulators last."""
        claims = [
            PortClaim(self.infra.postgres, "PostgreSQL", infra_port_env_var("pg")),
            PortClaim(self.infra.nats, "NATS", infra_port_env_var("nats")),
            PortClaim(self.infra.nats_monitor, "NATS monitoring", infra_port_env_var("nats_monitor")),
            PortClaim(self.infra.redis, "Redis", infra_port_env_var("redis")),
        ]
        for service in self.services:
            claims.append(PortClaim(service.grpc_port, f"{service.name} gRPC",
                                    service_port_env_var(service.name, "grpc")))
            claims.append(PortClaim(service.http_port, f"{service.name} HTTP",
                                    service_port_env_var(service.name, "http")))
        for emulator in self.emulators:
            claims.append(PortClaim(emulator.port, emulator.display_name, emulator.env_var))
        return claims

    def infra_port_claims(self) -> list[PortClaim]:
        return self.port_claims()[:4]


# Start order matters: callees before callers, the gateway (which calls
# contacts and billing) last.
DEFAULT_SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("contacts", grpc_port=50051, http_port=8001, has_celery=True),
    ServiceSpec("billing", grpc_port=50054, http_port=8004, has_celery=True, calls=("contacts",)),
    ServiceSpec("calendar-sync", grpc_port=50052, http_port=8002, has_celery=True, has_secret_keys=True,
                has_blob_store=True, delegates_users=True, calls=("contacts",)),
    ServiceSpec("mail-import", grpc_port=50053, http_port=8003, has_celery=True, has_secret_keys=True,
                has_blob_store=True, delegates_users=True, calls=("contacts", "calendar-sync"),
                random_secrets=("message_id_key",)),
    ServiceSpec("portal", grpc_port=50055, http_port=8005),
    ServiceSpec(GATEWAY, grpc_port=50050, http_port=8000, has_celery=True,
                calls=("contacts", "billing", "calendar-sync", "mail-import")),
)

# Below Linux's ephemeral range (32768-60999): there, any outgoing connection may hold
# the port for a while, and `make dev` would fail at random with "port in use".
DEFAULT_INFRA = InfraPorts(postgres=25432, nats=24222, nats_monitor=28222, redis=26379)

GRAPH_EMULATOR = "graph-emulator"
# Microsoft Graph + identity platform stand-in (emulators/graph); the branch server of the demo tenant.
# Below the ephemeral range too, so the URL stored in the demo server record stays valid across runs.
DEFAULT_EMULATORS: tuple[EmulatorSpec, ...] = (
    EmulatorSpec(GRAPH_EMULATOR, port=28443, executable="kontor-emulator-graph",
                 display_name="Microsoft Graph emulator", env_var="KONTOR_DEV_GRAPH_EMULATOR_PORT"),
)


def infra_port_env_var(component: str) -> str:
    """``KONTOR_DEV_PG_PORT``, ``KONTOR_DEV_NATS_MONITOR_PORT``..."""
    return f"KONTOR_DEV_{component.upper()}_PORT"


def service_port_env_var(service: str, kind: str) -> str:
    """``KONTOR_DEV_CALENDAR_SYNC_HTTP_PORT`` for (``calendar-sync``, ``http``)."""
    return f"KONTOR_DEV_{_upper_snake(service)}_{kind.upper()}_PORT"


def load_topology(environ: Mapping[str, str] | None = None) -> Topology:
    """The default topology with the ``KONTOR_DEV_*_PORT`` overrides applied.

    ``environ`` defaults to the process environment.
    """
    env = os.environ if environ is None else environ
    infra = InfraPorts(
        postgres=_port_from_env(env, infra_port_env_var("pg"), DEFAULT_INFRA.postgres),
        nats=_port_from_env(env, infra_port_env_var("nats"), DEFAULT_INFRA.nats),
        nats_monitor=_port_from_env(env, infra_port_env_var("nats_monitor"), DEFAULT_INFRA.nats_monitor),
        redis=_port_from_env(env, infra_port_env_var("redis"), DEFAULT_INFRA.redis),
    )
    services = tuple(
        replace(
            service,
            grpc_port=_port_from_env(env, service_port_env_var(service.name, "grpc"), service.grpc_port),
            http_port=_port_from_env(env, service_port_env_var(service.name, "http"), service.http_port),
        )
        for service in DEFAULT_SERVICES
    )
    emulators = tuple(
        replace(emulator, port=_port_from_env(env, emulator.env_var, emulator.port))
        for emulator in DEFAULT_EMULATORS
    )
    return Topology(services=services, infra=infra, emulators=emulators)


def free_port_env() -> dict[str, str]:
    """``KONTOR_DEV_*_PORT`` overrides that move every port of the stack (infrastructure, services, emulators) to
    a distinct free one, for ``load_topology``: a test or benchmark stack next to a running ``make dev``."""
    taken: set[int] = set()

    def distinct_port() -> str:
        # The OS may hand out a port again once its probe socket closed; the topology refuses duplicates.
        port = free_port()
        while port in taken:
            port = free_port()
        taken.add(port)
        return str(port)

    default = load_topology({})
    env = {infra_port_env_var(c): distinct_port() for c in ("pg", "nats", "nats_monitor", "redis")}
    for service in default.service_names:
        for kind in ("grpc", "http"):
            env[service_port_env_var(service, kind)] = distinct_port()
    for emulator in default.emulators:
        env[emulator.env_var] = distinct_port()
    return env


# ------------------------------------------------------------ data dir layout


def signing_key_path(data_dir: Path) -> Path:
    """The gateway's Ed25519 private key (PEM), generated once by the CLI."""
    return Path(data_dir) / "secrets" / "gateway-signing-key.pem"


def secret_keys_path(data_dir: Path, service: str) -> Path:
    """The key(s) ``service`` seals stored credentials with (its SECRET_KEYS setting), made once."""
    return Path(data_dir) / "secrets" / f"{service}-secret-keys"


def service_secret_path(data_dir: Path, service: str) -> Path:
    """``service``'s client secret at the gateway's TokenService (its SERVICE_SECRET), made once."""
    return Path(data_dir) / "secrets" / f"{service}-service-secret"


def random_secret_path(data_dir: Path, service: str, setting: str) -> Path:
    """One of ``service``'s ``random_secrets`` (e.g. mail-import's message_id_key), made once."""
    return Path(data_dir) / "secrets" / f"{service}-{setting.replace('_', '-')}"


def blob_store_path(data_dir: Path, service: str) -> Path:
    """The folder ``service`` keeps its blobs in (attachment content); production uses S3 instead."""
    return Path(data_dir) / "blobs" / service


def beat_schedule_path(data_dir: Path, service: str) -> Path:
    """Celery beat's schedule state file of ``service``."""
    return Path(data_dir) / "celery" / f"{service}-beat-schedule"


# ------------------------------------------------------------ service env


def service_env(
    service: str | ServiceSpec,
    infra: InfraPorts,
    data_dir: Path,
    *,
    topology: Topology | None = None,
) -> dict[str, str]:
    """The environment (settings only, no inherited variables) of one service process.

    ``infra`` says where the running infrastructure listens; ``topology``
    (default: :func:`load_topology`) gives the service ports, including those
    of the gateway (for the JWKS URL) and of the services this one calls.
    """
    topology = topology or load_topology()
    spec = topology.service(service if isinstance(service, str) else service.name)
    gateway = topology.service(GATEWAY)
    prefix = spec.env_prefix
    env = {
        f"{prefix}DATABASE_URL": infra.database_url(spec.name),
        f"{prefix}NATS_URL": infra.nats_url,
        f"{prefix}REDIS_URL": infra.redis_url,
        f"{prefix}GRPC_PORT": str(spec.grpc_port),
        f"{prefix}HTTP_PORT": str(spec.http_port),
        f"{prefix}JWKS_URL": f"{gateway.http_url}/.well-known/jwks.json",
        f"{prefix}LOG_LEVEL": "INFO",
        f"{prefix}ENVIRONMENT": "dev",
        # `kontor-dev up` runs `migrate` for every service before serving, so
        # several processes of one service never race to migrate.
        f"{prefix}MIGRATE_ON_START": "false",
        "OTEL_SERVICE_NAME": spec.name,
    }
    if spec.has_celery:
        env[f"{prefix}CELERY_BEAT_SCHEDULE_FILE"] = str(beat_schedule_path(data_dir, spec.name))
    if spec.name == GATEWAY:
        env[f"{prefix}SIGNING_KEY_FILE"] = str(signing_key_path(data_dir))
        # Only digests: the gateway never holds a service's secret.
        env[f"{prefix}SERVICE_CLIENTS"] = ",".join(
            f"{s.name}:{hashlib.sha256(_service_secret(data_dir, s.name).encode()).hexdigest()}"
            for s in topology.services if s.delegates_users)
    if spec.delegates_users:
        env[f"{prefix}GATEWAY_ADDR"] = gateway.grpc_addr
        env[f"{prefix}SERVICE_SECRET"] = _service_secret(data_dir, spec.name)
    if spec.has_secret_keys:
        env[f"{prefix}SECRET_KEYS"] = ensure_secret_keys(secret_keys_path(data_dir, spec.name))
    if spec.has_blob_store:
        env[f"{prefix}BLOB_STORE_URL"] = Path(blob_store_path(data_dir, spec.name)).resolve().as_uri()
    for setting in spec.random_secrets:
        env[f"{prefix}{setting.upper()}"] = ensure_secret_keys(random_secret_path(data_dir, spec.name, setting))
    for callee in spec.calls:
        env[f"{prefix}{_upper_snake(callee)}_ADDR"] = topology.service(callee).grpc_addr
    return env


# ------------------------------------------------------------------ helpers


def _service_secret(data_dir: Path, service: str) -> str:
    # The same random format as SECRET_KEYS (32 bytes, url-safe base64), kept with the data dir.
    return ensure_secret_keys(service_secret_path(data_dir, service))


def _upper_snake(name: str) -> str:
    return name.upper().replace("-", "_")


def _port_from_env(env: Mapping[str, str], var: str, default: int) -> int:
    raw = env.get(var, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{var}={raw!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"{var}={port} is outside the port range 1-65535")
    return port


def _reject_duplicate_ports(claims: list[PortClaim]) -> None:
    seen: dict[int, PortClaim] = {}
    for claim in claims:
        first = seen.setdefault(claim.port, claim)
        if first is not claim:
            raise ValueError(
                f"Port {claim.port} is configured for both {first.what} ({first.env_var}) "
                f"and {claim.what} ({claim.env_var})"
            )
