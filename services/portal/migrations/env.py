from kontor.platform.migrations import run_env

from kontor.portal.models import metadata

run_env(metadata)
