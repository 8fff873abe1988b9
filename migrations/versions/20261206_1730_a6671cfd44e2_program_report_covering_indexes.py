"""program report at scale: indexes it reads without the tables

Rule 11's "screenings missing at least one milestone, per domain" joined every
answer of the period's screenings (811,000 answers on the large program, read in
full) to find the few "not_yet" ones. A partial index holds only those (~3% of
answers: 0.7 MB), with the domain, so the report reads them from the index alone;
an answer that is not "not_yet" is never written to it.

The screenings of a period were found by ``administered_on`` and then read from
the table for their result (per month) and revision (to match the answers); the
index on the date now carries both, and the id, so both counts read the index
alone. It replaces the index on the date alone (the same one write per
screening; 8 MB instead of 1.4 MB on the large program).

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
    # Not in batch mode: SQLite adds and drops an index in place, without copying the table.
    op.create_index(
        'ix_screening_responses_missed',
        'screening_responses',
        ['screening_id', 'revision', 'domain'],
        unique=False,
        postgresql_where=MISSED,
        sqlite_where=MISSED,
    )
    op.create_index(
        'ix_screenings_administered_on_result',
        'screenings',
        ['administered_on', 'result', 'revision', 'id'],
        unique=False,
    )
    op.drop_index('ix_screenings_administered_on', table_name='screenings')


def downgrade() -> None:
    op.create_index('ix_screenings_administered_on', 'screenings', ['administered_on'], unique=False)
    op.drop_index('ix_screenings_administered_on_result', table_name='screenings')
    op.drop_index('ix_screening_responses_missed', table_name='screening_responses')
