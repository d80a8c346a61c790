from kontor.platform.migrations import run_env

from kontor.mail_import.models import metadata

run_env(metadata)
