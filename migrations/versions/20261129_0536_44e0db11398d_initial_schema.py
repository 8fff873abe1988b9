"""initial schema: staff, cases, screening, referrals, outbox

Revision ID: 44e0db11398d
Revises: 
Create Date: 2026-11-29 05:36:04.136919
"""

import sqlalchemy as sa
from alembic import op

import clinic.db

revision = '44e0db11398d'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_index(op.f('ix_teams_supervisor_id'), 'teams', ['supervisor_id'], unique=False)
    op.create_table('worker_locks',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('expires_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_locks'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('session_nonce', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('deactivated_at', clinic.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('home_visitor', 'supervisor', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_users_team_id_teams'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_index(op.f('ix_users_team_id'), 'users', ['team_id'], unique=False)
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    # Teams and users refer to each other: the team's supervisor is added once
    # both tables exist (batch mode, so SQLite can add it too).
    with op.batch_alter_table('teams') as batch_op:
        batch_op.create_foreign_key(
            op.f('fk_teams_supervisor_id_users'), 'users', ['supervisor_id'], ['id'], ondelete='RESTRICT'
        )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', clinic.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('record_type', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('detail', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_index(op.f('ix_audit_events_family_id'), 'audit_events', ['family_id'], unique=False)
    op.create_index('ix_audit_events_occurred_at', 'audit_events', ['occurred_at'], unique=False)
    op.create_index('ix_audit_events_record', 'audit_events', ['record_type', 'record_id'], unique=False)
    op.create_index(op.f('ix_audit_events_user_id'), 'audit_events', ['user_id'], unique=False)
    op.create_table('families',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('assigned_visitor_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'closed')", name=op.f('ck_families_status')),
    sa.ForeignKeyConstraint(['assigned_visitor_id'], ['users.id'], name=op.f('fk_families_assigned_visitor_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_families'))
    )
    op.create_index(op.f('ix_families_name'), 'families', ['name'], unique=False)
    op.create_index('ix_families_visitor_status', 'families', ['assigned_visitor_id', 'status'], unique=False)
    op.create_table('caregivers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('relationship', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('email_opt_in', sa.Boolean(), nullable=False),
    sa.Column('opted_out_at', clinic.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_caregivers_family_id_families'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caregivers'))
    )
    op.create_index(op.f('ix_caregivers_family_id'), 'caregivers', ['family_id'], unique=False)
    op.create_table('children',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('gestational_age_weeks', sa.Integer(), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('gestational_age_weeks IS NULL OR gestational_age_weeks BETWEEN 20 AND 45', name=op.f('ck_children_gestational_age_weeks')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_children_family_id_families'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_children'))
    )
    op.create_index(op.f('ix_children_family_id'), 'children', ['family_id'], unique=False)
    op.create_index('ix_children_last_first', 'children', ['last_name', 'first_name'], unique=False)
    op.create_table('family_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=5000), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_family_assignments_assigned_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_family_assignments_family_id_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visitor_id'], ['users.id'], name=op.f('fk_family_assignments_visitor_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_assignments'))
    )
    op.create_index(op.f('ix_family_assignments_family_id'), 'family_assignments', ['family_id'], unique=False)
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('updated_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reasons_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name=op.f('ck_referrals_closed_has_outcome')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('completed', 'declined', 'unable_to_contact')", name=op.f('ck_referrals_outcome')),
    sa.CheckConstraint("status IN ('open', 'reviewed', 'sent', 'closed')", name=op.f('ck_referrals_status')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_referrals_family_id_families'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    op.create_index(op.f('ix_referrals_family_id'), 'referrals', ['family_id'], unique=False)
    op.create_index('ix_referrals_status', 'referrals', ['status'], unique=False)
    op.create_index('uq_referrals_one_active_per_family', 'referrals', ['family_id'], unique=True, sqlite_where=sa.text("status IN ('open', 'reviewed')"), postgresql_where=sa.text("status IN ('open', 'reviewed')"))
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('instrument_code', sa.String(length=50), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_time', sa.Time(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', clinic.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('screening', 'visit', 'call')", name=op.f('ck_follow_ups_kind')),
    sa.CheckConstraint("status IN ('scheduled', 'done', 'cancelled', 'missed')", name=op.f('ck_follow_ups_status')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_follow_ups_child_id_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_follow_ups_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_follow_ups_family_id_families'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    op.create_index(op.f('ix_follow_ups_child_id'), 'follow_ups', ['child_id'], unique=False)
    op.create_index(op.f('ix_follow_ups_family_id'), 'follow_ups', ['family_id'], unique=False)
    op.create_index('ix_follow_ups_status_due_on', 'follow_ups', ['status', 'due_on'], unique=False)
    op.create_table('observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('caregiver_id', sa.Integer(), nullable=True),
    sa.Column('instrument_version', sa.Integer(), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('observed_by_id', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['caregiver_id'], ['caregivers.id'], name=op.f('fk_observations_caregiver_id_caregivers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_observations_child_id_children'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_observations_family_id_families'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['observed_by_id'], ['users.id'], name=op.f('fk_observations_observed_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations'))
    )
    op.create_index(op.f('ix_observations_family_id'), 'observations', ['family_id'], unique=False)
    op.create_table('referral_summaries',
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('reasons_revision', sa.Integer(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('compiled_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_summaries_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_referral_summaries'))
    )
    op.create_table('referral_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_referral_transitions_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_transitions_referral_id_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_transitions'))
    )
    op.create_index(op.f('ix_referral_transitions_referral_id'), 'referral_transitions', ['referral_id'], unique=False)
    op.create_table('risk_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('caregiver_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('catalog_version', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('noted_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(child_id IS NULL) <> (caregiver_id IS NULL)', name=op.f('ck_risk_factors_child_or_caregiver')),
    sa.CheckConstraint('resolved_on IS NULL OR resolved_on >= noted_on', name=op.f('ck_risk_factors_resolved_after_noted')),
    sa.ForeignKeyConstraint(['caregiver_id'], ['caregivers.id'], name=op.f('fk_risk_factors_caregiver_id_caregivers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_risk_factors_child_id_children'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_risk_factors_family_id_families'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['noted_by_id'], ['users.id'], name=op.f('fk_risk_factors_noted_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_factors'))
    )
    op.create_index(op.f('ix_risk_factors_caregiver_id'), 'risk_factors', ['caregiver_id'], unique=False)
    op.create_index(op.f('ix_risk_factors_child_id'), 'risk_factors', ['child_id'], unique=False)
    op.create_index(op.f('ix_risk_factors_family_id'), 'risk_factors', ['family_id'], unique=False)
    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('instrument_code', sa.String(length=50), nullable=False),
    sa.Column('instrument_version', sa.Integer(), nullable=False),
    sa.Column('administered_on', sa.Date(), nullable=False),
    sa.Column('administered_by_id', sa.Integer(), nullable=False),
    sa.Column('age_months', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("result IN ('on_track', 'monitor', 'concern')", name=op.f('ck_screenings_result')),
    sa.ForeignKeyConstraint(['administered_by_id'], ['users.id'], name=op.f('fk_screenings_administered_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_screenings_child_id_children'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screenings'))
    )
    op.create_index('ix_screenings_child_administered_on', 'screenings', ['child_id', 'administered_on'], unique=False)
    op.create_table('observation_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('cue_id', sa.String(length=100), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("rating IN ('attuned', 'partly', 'not_attuned', 'not_observed')", name=op.f('ck_observation_ratings_rating')),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_observation_ratings_observation_id_observations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation_ratings')),
    sa.UniqueConstraint('observation_id', 'cue_id', name=op.f('uq_observation_ratings_observation_id_cue_id'))
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('headers', sa.Text(), nullable=True),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('follow_up_id', sa.Integer(), nullable=True),
    sa.Column('caregiver_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('next_attempt_at', clinic.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', clinic.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'kept', 'failed', 'cancelled')", name=op.f('ck_outbox_messages_status')),
    sa.ForeignKeyConstraint(['caregiver_id'], ['caregivers.id'], name=op.f('fk_outbox_messages_caregiver_id_caregivers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_outbox_messages_family_id_families'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_ups.id'], name=op.f('fk_outbox_messages_follow_up_id_follow_ups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_messages_key'))
    )
    op.create_index(op.f('ix_outbox_messages_family_id'), 'outbox_messages', ['family_id'], unique=False)
    op.create_index('ix_outbox_messages_status_next_attempt_at', 'outbox_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_table('referral_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('caregiver_id', sa.Integer(), nullable=True),
    sa.Column('domain', sa.String(length=50), nullable=True),
    sa.Column('code', sa.String(length=100), nullable=True),
    sa.Column('screening_id', sa.Integer(), nullable=True),
    sa.Column('risk_factor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('repeated_missed_milestones', 'risk_factor')", name=op.f('ck_referral_reasons_kind')),
    sa.ForeignKeyConstraint(['caregiver_id'], ['caregivers.id'], name=op.f('fk_referral_reasons_caregiver_id_caregivers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], name=op.f('fk_referral_reasons_child_id_children'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_reasons_referral_id_referrals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['risk_factor_id'], ['risk_factors.id'], name=op.f('fk_referral_reasons_risk_factor_id_risk_factors'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_referral_reasons_screening_id_screenings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_reasons'))
    )
    op.create_index(op.f('ix_referral_reasons_referral_id'), 'referral_reasons', ['referral_id'], unique=False)
    op.create_table('screening_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('amended_by_id', sa.Integer(), nullable=False),
    sa.Column('amended_at', clinic.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('previous_result', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['amended_by_id'], ['users.id'], name=op.f('fk_screening_amendments_amended_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_screening_amendments_screening_id_screenings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_amendments')),
    sa.UniqueConstraint('screening_id', 'revision', name=op.f('uq_screening_amendments_screening_id_revision'))
    )
    op.create_table('screening_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=100), nullable=False),
    sa.Column('domain', sa.String(length=50), nullable=False),
    sa.Column('response', sa.String(length=20), nullable=False),
    sa.CheckConstraint("response IN ('yes', 'sometimes', 'not_yet')", name=op.f('ck_screening_responses_response')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_screening_responses_screening_id_screenings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_responses')),
    sa.UniqueConstraint('screening_id', 'revision', 'item_id', name=op.f('uq_screening_responses_screening_id_revision_item_id'))
    )


def downgrade() -> None:
    with op.batch_alter_table('teams') as batch_op:
        batch_op.drop_constraint(op.f('fk_teams_supervisor_id_users'), type_='foreignkey')
    op.drop_table('screening_responses')
    op.drop_table('screening_amendments')
    op.drop_index(op.f('ix_referral_reasons_referral_id'), table_name='referral_reasons')
    op.drop_table('referral_reasons')
    op.drop_index('ix_outbox_messages_status_next_attempt_at', table_name='outbox_messages')
    op.drop_index(op.f('ix_outbox_messages_family_id'), table_name='outbox_messages')
    op.drop_table('outbox_messages')
    op.drop_table('observation_ratings')
    op.drop_index('ix_screenings_child_administered_on', table_name='screenings')
    op.drop_table('screenings')
    op.drop_index(op.f('ix_risk_factors_family_id'), table_name='risk_factors')
    op.drop_index(op.f('ix_risk_factors_child_id'), table_name='risk_factors')
    op.drop_index(op.f('ix_risk_factors_caregiver_id'), table_name='risk_factors')
    op.drop_table('risk_factors')
    op.drop_index(op.f('ix_referral_transitions_referral_id'), table_name='referral_transitions')
    op.drop_table('referral_transitions')
    op.drop_table('referral_summaries')
    op.drop_index(op.f('ix_observations_family_id'), table_name='observations')
    op.drop_table('observations')
    op.drop_index('ix_follow_ups_status_due_on', table_name='follow_ups')
    op.drop_index(op.f('ix_follow_ups_family_id'), table_name='follow_ups')
    op.drop_index(op.f('ix_follow_ups_child_id'), table_name='follow_ups')
    op.drop_table('follow_ups')
    op.drop_index('uq_referrals_one_active_per_family', table_name='referrals', sqlite_where=sa.text("status IN ('open', 'reviewed')"), postgresql_where=sa.text("status IN ('open', 'reviewed')"))
    op.drop_index('ix_referrals_status', table_name='referrals')
    op.drop_index(op.f('ix_referrals_family_id'), table_name='referrals')
    op.drop_table('referrals')
    op.drop_index(op.f('ix_family_assignments_family_id'), table_name='family_assignments')
    op.drop_table('family_assignments')
    op.drop_index('ix_children_last_first', table_name='children')
    op.drop_index(op.f('ix_children_family_id'), table_name='children')
    op.drop_table('children')
    op.drop_index(op.f('ix_caregivers_family_id'), table_name='caregivers')
    op.drop_table('caregivers')
    op.drop_index('ix_families_visitor_status', table_name='families')
    op.drop_index(op.f('ix_families_name'), table_name='families')
    op.drop_table('families')
    op.drop_index(op.f('ix_audit_events_user_id'), table_name='audit_events')
    op.drop_index('ix_audit_events_record', table_name='audit_events')
    op.drop_index('ix_audit_events_occurred_at', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_family_id'), table_name='audit_events')
    op.drop_table('audit_events')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_index(op.f('ix_users_team_id'), table_name='users')
    op.drop_table('users')
    op.drop_table('worker_locks')
    op.drop_index(op.f('ix_teams_supervisor_id'), table_name='teams')
    op.drop_table('teams')
