"""The Celery app of the mail-import service: the platform's housekeeping plus each domain's tasks.

Each domain adds its module to ``TASK_MODULES``; a module offers ``register(app, settings)`` that defines its
tasks and beat entries (see calendar-sync's tasks.py).
"""

from __future__ import annotations

from collections.abc import Callable

from kontor.platform.celery_app import create_celery_app

from kontor.mail_import.settings import MailImportSettings

# Modules with ``register(app, settings)``: imports (import rounds, helper "importer"), rules, ...
TASK_MODULES: list[str] = [
    "kontor.mail_import.imports.tasks",
    "kontor.mail_import.imports.housekeeping_tasks",
]


def _register_function(module: str) -> Callable:
    import importlib  # noqa: PLC0415

    return importlib.import_module(module).register


def celery_app(settings: MailImportSettings):
    app = create_celery_app("mail-import", settings)
    for module in TASK_MODULES:
        _register_function(module)(app, settings)
    return app
