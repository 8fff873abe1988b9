"""screening drafts and form tokens

Revision ID: 9fddae9bbc67
Revises: 9c3d5e7f1a20
Create Date: 2026-12-02 15:43:35.434747

A half-filled screening form kept for its author (one draft per person and child),
so an idle sign-out loses nothing; and a one-time token per screening form, unique,
so a double submission saves one screening. Existing screenings keep a null token.
"""

import sqlalchemy as sa
from alembic import op

import clinic.db

revision = '9fddae9bbc67'
down_revision = '9c3d5e7f1a20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('screening_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('updated_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_screening_drafts_child_id_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_screening_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_drafts')),
    sa.UniqueConstraint('user_id', 'child_id', name=op.f('uq_screening_drafts_user_id_child_id'))
    )
    with op.batch_alter_table('screening_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_drafts_child_id'), ['child_id'], unique=False)

    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_screenings_form_token'), ['form_token'])



def downgrade() -> None:
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_screenings_form_token'), type_='unique')
        batch_op.drop_column('form_token')

    with op.batch_alter_table('screening_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_drafts_child_id'))

    op.drop_table('screening_drafts')
