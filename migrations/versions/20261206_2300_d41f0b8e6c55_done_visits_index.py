"""rule 10's "not seen": a family's visits done, read from an index

A family is not seen when its last screening, observation or visit done is more
than 90 days old. The visits done were found by reading every follow-up done in the
program (~20,000 on the large program, half of them calls and screenings) and
keeping the scope's visits: most of the dashboard's "not seen" statement. A
partial index holds only visits done (~10,000 entries), by family and date, so
each family's last one is read from it.

Revision ID: d41f0b8e6c55
Revises: a6671cfd44e2
Create Date: 2026-12-06 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'd41f0b8e6c55'
down_revision = 'a6671cfd44e2'
branch_labels = None
depends_on = None

VISIT_DONE = sa.text("kind = 'visit' AND status = 'done'")


def upgrade() -> None:
    op.create_index(
        'ix_follow_ups_visits_done',
        'follow_ups',
        ['family_id', 'due_on'],
        unique=False,
        postgresql_where=VISIT_DONE,
        sqlite_where=VISIT_DONE,
    )


def downgrade() -> None:
    op.drop_index('ix_follow_ups_visits_done', table_name='follow_ups')
