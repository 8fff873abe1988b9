"""program report indexes: screenings, referrals, risk factors and observations by date

Revision ID: 9c3d5e7f1a20
Revises: 5b7e1c0d9a42
Create Date: 2026-12-02 15:30:00

Rule 11's report selects each of these by a period; the screenings' index on
(child, instrument, date) answers "screened with this instrument inside its window".
"""

from alembic import op

revision = '9c3d5e7f1a20'
down_revision = '5b7e1c0d9a42'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_screenings_administered_on', 'screenings', ['administered_on'])
    op.create_index(
        'ix_screenings_child_instrument_administered_on',
        'screenings',
        ['child_id', 'instrument_code', 'administered_on'],
    )
    op.create_index('ix_referrals_sent_on', 'referrals', ['sent_on'])
    op.create_index('ix_referrals_created_at', 'referrals', ['created_at'])
    op.create_index('ix_risk_factors_noted_on', 'risk_factors', ['noted_on'])
    op.create_index('ix_observations_family_observed_on', 'observations', ['family_id', 'observed_on'])


def downgrade() -> None:
    op.drop_index('ix_observations_family_observed_on', table_name='observations')
    op.drop_index('ix_risk_factors_noted_on', table_name='risk_factors')
    op.drop_index('ix_referrals_created_at', table_name='referrals')
    op.drop_index('ix_referrals_sent_on', table_name='referrals')
    op.drop_index('ix_screenings_child_instrument_administered_on', table_name='screenings')
    op.drop_index('ix_screenings_administered_on', table_name='screenings')
