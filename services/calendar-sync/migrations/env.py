from kontor.platform.migrations import run_env

from kontor.calendar_sync.models import metadata

run_env(metadata)
