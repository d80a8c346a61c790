from kontor.platform.migrations import run_env

from kontor.gateway.models import metadata

run_env(metadata)
