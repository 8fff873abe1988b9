"""program report at scale: a partial index on the answers that miss a milestone

Rule 11's "screenings missing at least one milestone, per domain" joined every
answer of the period's screenings (811,000 answers on the large program, read in
full) to find the few "not_yet" ones. The partial index holds only those (~3% of
answers: 0.7 MB), with the domain, so the report reads them from the index alone;
an answer that is not "not_yet" is never written to it.

Revision ID: a6671cfd44e2
Revises: c3e8a1f05b27
Create Date: 2026-12-06 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'a6671cfd44e2'
down_revision = 'c3e8a1f05b27'
branch_labels = None
depends_on = None

MISSED = sa.text("response = 'not_yet'")


def upgrade() -> None:
    # Not in batch mode: SQLite adds an index in place, without copying the table.
    op.create_index(
        'ix_screening_responses_missed',
        'screening_responses',
        ['screening_id', 'revision', 'domain'],
        unique=False,
        postgresql_where=MISSED,
        sqlite_where=MISSED,
    )


def downgrade() -> None:
    op.drop_index('ix_screening_responses_missed', table_name='screening_responses')
