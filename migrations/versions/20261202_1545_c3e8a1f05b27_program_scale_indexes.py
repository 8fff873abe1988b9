"""Program scale: the referral queue read in order, and trigram indexes for the
caseload's name search on PostgreSQL.

The trigram indexes (pg_trgm, GIN) serve ``lower(...) LIKE '%text%'`` on family
names and children's full names; SQLite has no such index and searches a
visitor's few families by scanning them. They are not in the models: autogenerate
would create them on SQLite too.

Revision ID: c3e8a1f05b27
Revises: 9fddae9bbc67
Create Date: 2026-12-02 15:45:00
"""

from alembic import op

revision = 'c3e8a1f05b27'
down_revision = '9fddae9bbc67'
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = {
    "trgm_families_name": "families USING gin (lower(name) gin_trgm_ops)",
    "trgm_children_full_name": "children USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops)",
}


def upgrade() -> None:
    # Not in batch mode: SQLite adds an index in place, without copying the table.
    op.create_index('ix_referrals_status_since_id', 'referrals', ['status_since', 'id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, definition in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX {name}")
        # The extension stays: other objects may use it by now.
    op.drop_index('ix_referrals_status_since_id', table_name='referrals')
