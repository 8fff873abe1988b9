"""Outbox: the claim token and hand-over time of each attempt, the unknown status,
and an index for the reminder pass's NOT EXISTS check.

Revision ID: b7c41e2d9a60
Revises: 5b7e1c0d9a42
Create Date: 2026-12-02 15:15:00
"""

import sqlalchemy as sa
from alembic import op

import clinic.db

revision = 'b7c41e2d9a60'
down_revision = '5b7e1c0d9a42'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('queued', 'sending', 'sent', 'kept', 'failed', 'cancelled')"
NEW_STATUSES = "status IN ('queued', 'sending', 'sent', 'kept', 'failed', 'cancelled', 'unknown')"


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('handed_over_at', clinic.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_messages_status'), NEW_STATUSES)
        batch_op.create_index('ix_outbox_messages_follow_up_id_caregiver_id', ['follow_up_id', 'caregiver_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_follow_up_id_caregiver_id')
        batch_op.drop_constraint(batch_op.f('ck_outbox_messages_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_messages_status'), OLD_STATUSES)
        batch_op.drop_column('handed_over_at')
        batch_op.drop_column('claim_token')
