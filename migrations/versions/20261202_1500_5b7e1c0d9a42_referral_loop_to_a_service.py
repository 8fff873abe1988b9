"""referral loop to a service: service, agency, sent_on, service_contact_on; status_since; assignment team

Revision ID: 5b7e1c0d9a42
Revises: 2fe65af7dc63
Create Date: 2026-12-02 15:00:00

Existing referrals keep working: a sent or closed one gets a null service (it was
sent before services were recorded), its ``sent_on`` is the clinic-local date of its
move to ``sent``, and ``status_since`` is the time of its last move (or its opening).
A family assignment now keeps the visitor's team at the time (transfers between
teams); earlier assignments keep a null team, since it cannot be known afterwards.
"""

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import clinic.db

revision = '5b7e1c0d9a42'
down_revision = '2fe65af7dc63'
branch_labels = None
depends_on = None

SERVICES = ("early_intervention", "community_service", "home_visitor_support", "other")


def _backfill() -> None:
    """status_since and sent_on from each referral's own history, in Python so the
    local date is the clinic's (CLINIC_TIMEZONE, as the app reads it)."""
    zone = ZoneInfo(os.environ.get("CLINIC_TIMEZONE", "UTC"))
    when = clinic.db.UTCDateTime(timezone=True)
    referrals = sa.table(
        "referrals",
        sa.column("id", sa.Integer),
        sa.column("created_at", when),
        sa.column("status_since", when),
        sa.column("sent_on", sa.Date),
    )
    transitions = sa.table(
        "referral_transitions",
        sa.column("referral_id", sa.Integer),
        sa.column("to_status", sa.String),
        sa.column("at", when),
    )
    conn = op.get_bind()
    last_move = dict(
        conn.execute(
            sa.select(transitions.c.referral_id, sa.func.max(transitions.c.at)).group_by(transitions.c.referral_id)
        ).all()
    )
    sent_at = dict(
        conn.execute(
            sa.select(transitions.c.referral_id, sa.func.max(transitions.c.at))
            .where(transitions.c.to_status == "sent")
            .group_by(transitions.c.referral_id)
        ).all()
    )
    for referral_id, created_at in conn.execute(sa.select(referrals.c.id, referrals.c.created_at)).all():
        since = last_move.get(referral_id) or created_at
        sent = sent_at.get(referral_id)
        conn.execute(
            referrals.update()
            .where(referrals.c.id == referral_id)
            .values(
                status_since=_aware(since),
                sent_on=_aware(sent).astimezone(zone).date() if sent is not None else None,
            )
        )


def _aware(value):
    # max() over a UTCDateTime column comes back as the driver's value: naive on SQLite.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table('family_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_family_assignments_team_id_teams'), 'teams', ['team_id'], ['id'], ondelete='RESTRICT'
        )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_since', clinic.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('service', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('agency', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('sent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('service_contact_on', sa.Date(), nullable=True))
    _backfill()
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.alter_column('status_since', existing_type=clinic.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.create_check_constraint(op.f('ck_referrals_service'), f"service IS NULL OR service IN {SERVICES}")
        batch_op.create_check_constraint(op.f('ck_referrals_service_when_sent'), "service IS NULL OR status IN ('sent', 'closed')")
        batch_op.create_check_constraint(
            op.f('ck_referrals_contact_after_sent'),
            "service_contact_on IS NULL OR (sent_on IS NOT NULL AND service_contact_on >= sent_on)",
        )
        batch_op.create_index('ix_referrals_status_since', ['status', 'status_since'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_status_since')
        batch_op.drop_constraint(op.f('ck_referrals_contact_after_sent'), type_='check')
        batch_op.drop_constraint(op.f('ck_referrals_service_when_sent'), type_='check')
        batch_op.drop_constraint(op.f('ck_referrals_service'), type_='check')
        batch_op.drop_column('service_contact_on')
        batch_op.drop_column('sent_on')
        batch_op.drop_column('agency')
        batch_op.drop_column('service')
        batch_op.drop_column('status_since')
    with op.batch_alter_table('family_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_family_assignments_team_id_teams'), type_='foreignkey')
        batch_op.drop_column('team_id')
