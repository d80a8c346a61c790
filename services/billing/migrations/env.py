from kontor.platform.migrations import run_env

from kontor.billing.models import metadata

run_env(metadata)
