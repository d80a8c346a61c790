"""Every table of the mail-import service, for Alembic."""

from kontor.platform.consumer import InboxEntry  # noqa: F401 - platform tables live in each service's schema
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent  # noqa: F401

from kontor.mail_import.accounts import models as accounts  # noqa: F401
from kontor.mail_import.imports import models as imports  # noqa: F401
from kontor.mail_import.mails import models as mails  # noqa: F401
from kontor.mail_import.rules import models as rules  # noqa: F401

metadata = Base.metadata
