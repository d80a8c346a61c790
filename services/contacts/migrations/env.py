from kontor.platform.migrations import run_env

from kontor.contacts.models import metadata

run_env(metadata)
