"""Every table of the contacts service, for Alembic."""

from kontor.platform.consumer import InboxEntry  # noqa: F401 - platform tables live in each service's schema
from kontor.platform.db import Base
from kontor.platform.outbox import OutboxEvent  # noqa: F401

from kontor.contacts.access.models import Engagement  # noqa: F401
from kontor.contacts.assignment.models import Assignment, AssignmentRule, RoundRobinCursor  # noqa: F401
from kontor.contacts.audit.models import AuditEntry  # noqa: F401
from kontor.contacts.comments.models import Comment  # noqa: F401
from kontor.contacts.companies.models import Company, CompanyHistory  # noqa: F401
from kontor.contacts.followups.models import FollowUp  # noqa: F401
from kontor.contacts.groups.models import CustomerGroup, GroupMember  # noqa: F401
from kontor.contacts.pools.models import Pool, PoolMember  # noqa: F401
from kontor.contacts.traces.models import Trace, TraceSettings  # noqa: F401
from kontor.contacts.identity.models import Team, Tenant, User, UserTeam  # noqa: F401
from kontor.contacts.identity.rights import RightOverride  # noqa: F401
from kontor.contacts.persons.models import ContactPerson  # noqa: F401
from kontor.contacts.imports.models import ImportJob, ImportRow  # noqa: F401
from kontor.contacts.gdpr.models import GdprAuditEntry  # noqa: F401
from kontor.contacts.substitution.models import Substitution  # noqa: F401

metadata = Base.metadata
