# syntax=docker/dockerfile:1
#
# One Dockerfile for every Kontor service; SERVICE picks which one:
#
#   docker build --build-arg SERVICE=contacts -t ghcr.io/kontor/kontor-contacts:0.1.0 .
#
# SERVICE is a folder under services/ (gateway, contacts, calendar-sync,
# mail-import, billing, portal). The image is named kontor-<SERVICE>, which is
# what the Helm chart expects (<defaults.image.registry>/kontor-<name>). It
# runs the console script kontor-<SERVICE>: `serve` by default; the chart
# passes `migrate`, `worker` or `beat` as arguments.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_VERSION=0.13

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# --- manifests ----------------------------------------------------------------
# Only the files dependency resolution reads: uv.lock and every workspace
# member's pyproject.toml (uv needs them all to know the workspace). COPY
# --from this stage is cached by content, so the dependency layer below is
# rebuilt only when these files change, not on every source edit.
FROM ${PYTHON_IMAGE} AS manifests
WORKDIR /src
RUN --mount=type=bind,target=/src \
    mkdir /manifests \
    && cp uv.lock /manifests/ \
    && find . -name pyproject.toml -not -path '*/.venv/*' -exec cp --parents {} /manifests/ \;

# --- builder ------------------------------------------------------------------
# Must be the same Python image as the runtime stage: the virtualenv links to
# its interpreter by absolute path.
FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app

ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<folder under services/>" >&2; exit 1; }

# Third-party dependencies of this one service, straight from uv.lock
# (--frozen: the lock is the truth, nothing is re-resolved at build time).
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.cache/uv \
    test -f "services/${SERVICE}/pyproject.toml" \
        || { echo "no such service: services/${SERVICE}" >&2; exit 1; } \
    && uv sync --frozen --no-dev --no-install-workspace --package "kontor-${SERVICE}"

# The workspace members (libs/platform, libs/protos and the service) are
# installed editable, i.e. imported from this source tree, which therefore
# ships in the image: services/<name>/migrations is found next to the code.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    test -d "services/${SERVICE}/migrations" \
        || { echo "services/${SERVICE}/migrations is missing" >&2; exit 1; } \
    && uv sync --frozen --no-dev --package "kontor-${SERVICE}" \
    && python -m compileall -q -j 0 --invalidation-mode unchecked-hash libs "services/${SERVICE}"

# --- runtime ------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE

# tini as PID 1 forwards SIGTERM and reaps zombies (Celery forks workers);
# a Python process as PID 1 would ignore SIGTERM unless it installs a handler.
# Unpinned on purpose: Debian's archive drops old versions, and the base image
# tag already fixes the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

# A numeric, non-root user: Kubernetes' runAsNonRoot can only verify numeric
# IDs. The chart's podSecurityContext uses the same 10001.
RUN groupadd --system --gid 10001 kontor \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin kontor

# Code and virtualenv stay owned by root, so the service cannot modify itself.
# Only what this service imports is copied: its own folder, the shared libs and
# the virtualenv (other services, tools/devstack and tests stay behind).
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /app/libs /app/libs
COPY --from=builder /app/services/${SERVICE} /app/services/${SERVICE}

ENV PATH=/app/.venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KONTOR_SERVICE=${SERVICE}

LABEL org.opencontainers.image.title="kontor-${SERVICE}" \
      org.opencontainers.image.description="Kontor ${SERVICE} service" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"

USER 10001:10001
# gRPC and HTTP (/healthz, /readyz, /metrics).
EXPOSE 50051 8080

# ENTRYPOINT cannot expand build args, so a shell resolves kontor-$SERVICE once
# and `exec`s it: the service replaces the shell, arguments pass through.
ENTRYPOINT ["/usr/bin/tini", "--", "/bin/sh", "-c", "exec \"kontor-${KONTOR_SERVICE}\" \"$@\"", "kontor"]
CMD ["serve"]
