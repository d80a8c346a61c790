"""Mail import: accounts and sealed credentials, import state/log/quarantine, mails, mailbox references, record
links, filter rules.

Revision ID: 0002
Revises: 0001

Every table but mail_tenants is tenant-isolated (row-level security). mail_tenants is service-wide (only tenant
ids) so the importer's beat, which starts in the system scope, knows which tenants to visit.

Uniqueness carries the design (see the models' docstrings):
- one live account per (tenant, provider, address): a soft-deleted one frees its address;
- mails.dedup_key per tenant: the importer inserts ON CONFLICT DO NOTHING, so the same mail from three mailboxes
  is one row;
- one mailbox reference and one quarantine entry per (account, folder, message ref);
- one mail_links row per (mail, record) ever: re-matching inserts ON CONFLICT DO NOTHING and so never revives a
  removed link (its tombstone row stays).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kontor.platform import rls
from kontor.platform.migrations import tenant_column as _tenant, timestamp_column as _timestamp, uuid_column as _uuid

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TENANT_TABLES = ("mail_accounts", "mail_account_credentials", "mail_import_states", "mail_import_log",
                 "mail_quarantine", "mails", "mailbox_references", "mail_links", "mail_filter_rules")


def _account_fk(table: str, *, primary_key: bool = False) -> sa.Column:
    return _uuid("account_id", sa.ForeignKey("mail_accounts.id", ondelete="CASCADE",
                                             name=f"fk_{table}_account_id_mail_accounts"),
                 primary_key=primary_key, nullable=False)


def _mail_fk(table: str) -> sa.Column:
    return _uuid("mail_id", sa.ForeignKey("mails.id", ondelete="CASCADE", name=f"fk_{table}_mail_id_mails"),
                 nullable=False)


def _jsonb(name: str, default: str) -> sa.Column:
    return sa.Column(name, postgresql.JSONB(), nullable=False, server_default=sa.text(f"'{default}'::jsonb"))


def upgrade() -> None:
    op.create_table(
        "mail_tenants",
        _uuid("tenant_id", primary_key=True),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
    )

    op.create_table(
        "mail_accounts",
        _uuid("id", primary_key=True),
        _tenant(),
        sa.Column("kind", sa.String(16), nullable=False),
        _uuid("owner_user_id", nullable=True),
        _uuid("team_id", nullable=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("address_key", sa.Text(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
        _jsonb("settings", "{}"),
        sa.Column("import_folder", sa.String(500), nullable=False),
        sa.Column("import_folder_id", sa.String(500), nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        _timestamp("deleted_at", nullable=True),
        sa.CheckConstraint("kind IN ('personal', 'shared')", name="ck_mail_accounts_kind"),
        # A personal account has its owner, a shared one its team: access follows from exactly that column.
        sa.CheckConstraint("(kind = 'personal' AND owner_user_id IS NOT NULL AND team_id IS NULL) OR "
                           "(kind = 'shared' AND team_id IS NOT NULL AND owner_user_id IS NULL)",
                           name="ck_mail_accounts_holder"),
        sa.CheckConstraint("provider IN ('graph', 'imap')", name="ck_mail_accounts_provider"),
    )
    op.create_index("ix_mail_accounts_tenant_id", "mail_accounts", ["tenant_id"])
    op.create_index("uq_mail_accounts_address", "mail_accounts", ["tenant_id", "provider", "address_key"],
                    unique=True, postgresql_where=sa.text("deleted_at IS NULL"))

    op.create_table(
        "mail_account_credentials",
        _account_fk("mail_account_credentials", primary_key=True),
        _tenant(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        _timestamp("set_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('password', 'client_secret', 'certificate')",
                           name="ck_mail_account_credentials_kind"),
    )
    op.create_index("ix_mail_account_credentials_tenant_id", "mail_account_credentials", ["tenant_id"])

    op.create_table(
        "mail_import_states",
        _account_fk("mail_import_states", primary_key=True),
        _tenant(),
        sa.Column("folder_id", sa.String(500), nullable=False, server_default=""),
        sa.Column("cursor", postgresql.JSONB(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="never_synced"),
        _timestamp("last_attempt_at", nullable=True),
        _timestamp("last_success_at", nullable=True),
        _timestamp("retry_at", nullable=True),
        sa.Column("last_error_code", sa.String(64), nullable=False, server_default=""),
        sa.Column("progress_total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("progress_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("folder_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("imported_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("quarantined_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("gap", sa.Integer(), nullable=False, server_default="0"),
        _timestamp("reconciled_at", nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        sa.CheckConstraint("state IN ('never_synced', 'importing', 'healthy', 'gap', 'throttled', 'needs_auth', "
                           "'failing', 'disabled')", name="ck_mail_import_states_state"),
    )
    op.create_index("ix_mail_import_states_tenant_id", "mail_import_states", ["tenant_id"])

    op.create_table(
        "mail_import_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        _tenant(),
        _account_fk("mail_import_log"),
        _timestamp("at", nullable=False, server_default=sa.func.now()),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _jsonb("details", "{}"),
        sa.CheckConstraint("level IN ('info', 'warning', 'error')", name="ck_mail_import_log_level"),
    )
    op.create_index("ix_mail_import_log_tenant_id", "mail_import_log", ["tenant_id"])
    op.create_index("ix_mail_import_log_account_at", "mail_import_log", ["account_id", "at"])

    op.create_table(
        "mail_quarantine",
        _uuid("id", primary_key=True),
        _tenant(),
        _account_fk("mail_quarantine"),
        sa.Column("folder_id", sa.String(500), nullable=False),
        sa.Column("ref", sa.String(500), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("size", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("raw_address", sa.String(80), nullable=False, server_default=""),
        _timestamp("quarantined_at", nullable=False, server_default=sa.func.now()),
        _timestamp("gone_at", nullable=True),
    )
    op.create_index("ix_mail_quarantine_tenant_id", "mail_quarantine", ["tenant_id"])
    op.create_index("uq_mail_quarantine_ref", "mail_quarantine", ["account_id", "folder_id", "ref"], unique=True)

    op.create_table(
        "mails",
        _uuid("id", primary_key=True),
        _tenant(),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("raw_address", sa.String(80), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False, server_default="received"),
        sa.Column("subject", sa.Text(), nullable=False, server_default=""),
        sa.Column("from_address", sa.String(320), nullable=False, server_default=""),
        sa.Column("from_name", sa.Text(), nullable=False, server_default=""),
        _jsonb("to", "[]"),
        _jsonb("cc", "[]"),
        _timestamp("sent_at", nullable=True),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("references", postgresql.ARRAY(sa.Text()), nullable=False,
                  server_default=sa.text("ARRAY[]::text[]")),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        _jsonb("attachments", "[]"),
        _jsonb("defects", "[]"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("direction IN ('received', 'sent')", name="ck_mails_direction"),
    )
    op.create_index("ix_mails_tenant_id", "mails", ["tenant_id"])
    op.create_index("uq_mails_dedup_key", "mails", ["tenant_id", "dedup_key"], unique=True)
    # Thread matching looks up the mails a reply's In-Reply-To / References name.
    op.create_index("ix_mails_message_id", "mails", ["tenant_id", "message_id"])

    op.create_table(
        "mailbox_references",
        _uuid("id", primary_key=True),
        _tenant(),
        _mail_fk("mailbox_references"),
        _account_fk("mailbox_references"),
        sa.Column("folder_id", sa.String(500), nullable=False),
        sa.Column("ref", sa.String(500), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False, server_default="0"),
        _timestamp("imported_at", nullable=False, server_default=sa.func.now()),
        _timestamp("gone_at", nullable=True),
    )
    op.create_index("ix_mailbox_references_tenant_id", "mailbox_references", ["tenant_id"])
    op.create_index("uq_mailbox_references_ref", "mailbox_references", ["account_id", "folder_id", "ref"],
                    unique=True)
    # Visibility asks "which mailboxes was this mail imported from".
    op.create_index("ix_mailbox_references_mail", "mailbox_references", ["mail_id"])

    op.create_table(
        "mail_links",
        _uuid("id", primary_key=True),
        _tenant(),
        _mail_fk("mail_links"),
        sa.Column("record_type", sa.String(16), nullable=False),
        _uuid("record_id", nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("removed_at", nullable=True),
        sa.Column("removed_by", sa.String(200), nullable=True),
        sa.CheckConstraint("record_type IN ('company', 'contact_person', 'deal', 'project')",
                           name="ck_mail_links_record_type"),
        sa.CheckConstraint("origin IN ('auto', 'thread', 'sent', 'manual')", name="ck_mail_links_origin"),
    )
    op.create_index("ix_mail_links_tenant_id", "mail_links", ["tenant_id"])
    op.create_index("uq_mail_links_record", "mail_links", ["mail_id", "record_type", "record_id"], unique=True)
    # A record's mails (the record's mail tab).
    op.create_index("ix_mail_links_record", "mail_links", ["tenant_id", "record_type", "record_id"])

    op.create_table(
        "mail_filter_rules",
        _uuid("id", primary_key=True),
        _tenant(),
        _account_fk("mail_filter_rules"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("conditions", postgresql.JSONB(), nullable=False),
        sa.Column("source_folder", sa.String(500), nullable=False, server_default="inbox"),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("applied_by", sa.String(8), nullable=False, server_default="importer"),
        sa.Column("server_rule_id", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="1"),
        _timestamp("created_at", nullable=False, server_default=sa.func.now()),
        _timestamp("updated_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("applied_by IN ('server', 'importer')", name="ck_mail_filter_rules_applied_by"),
    )
    op.create_index("ix_mail_filter_rules_tenant_id", "mail_filter_rules", ["tenant_id"])
    op.create_index("ix_mail_filter_rules_account", "mail_filter_rules", ["account_id", "position"])

    for table in TENANT_TABLES:
        rls.enable_tenant_isolation(table)


def downgrade() -> None:
    for table in reversed(TENANT_TABLES):
        op.drop_table(table)
    op.drop_table("mail_tenants")
