"""report tables: the latest version of each record as typed columns (issue 11)

Revision ID: 0002_reports
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_reports"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_conversations',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('furthest_step', sa.String(length=40), nullable=True),
    sa.Column('response', sa.String(length=40), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_report_conversations'))
    )
    with op.batch_alter_table('report_conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_conversations_visit_id'), ['visit_id'], unique=False)

    op.create_table('report_follow_ups',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('outcome_id', sa.String(length=36), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_report_follow_ups'))
    )
    with op.batch_alter_table('report_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_follow_ups_due_date'), ['due_date'], unique=False)

    op.create_table('report_outcomes',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('service_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_report_outcomes'))
    )
    with op.batch_alter_table('report_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_outcomes_visit_id'), ['visit_id'], unique=False)

    op.create_table('report_service_categories',
    sa.Column('service_id', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('service_id', 'category', name=op.f('pk_report_service_categories'))
    )
    op.create_table('report_services',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('organisation', sa.String(length=160), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_services'))
    )
    op.create_table('report_session_activities',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=False),
    sa.Column('attendance_0_17', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_session_activities'))
    )
    with op.batch_alter_table('report_session_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_session_activities_session_id'), ['session_id'], unique=False)

    op.create_table('report_session_shifts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('volunteer_id', sa.String(length=36), nullable=False),
    sa.Column('minutes', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_session_shifts'))
    )
    with op.batch_alter_table('report_session_shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_session_shifts_session_id'), ['session_id'], unique=False)

    op.create_table('report_sessions',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('hub_id', sa.String(length=36), nullable=False),
    sa.Column('venue_id', sa.String(length=36), nullable=True),
    sa.Column('session_type', sa.String(length=40), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_report_sessions'))
    )
    with op.batch_alter_table('report_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_report_sessions_started_at', ['started_at'], unique=False)

    op.create_table('report_visit_topics',
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('visit_id', 'topic', name=op.f('pk_report_visit_topics'))
    )
    op.create_table('report_visits',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('hub_id', sa.String(length=36), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=True),
    sa.Column('visited_at', sa.DateTime(), nullable=False),
    sa.Column('contact_mode', sa.String(length=40), nullable=True),
    sa.Column('referral_source', sa.String(length=40), nullable=True),
    sa.Column('age_band', sa.String(length=40), nullable=True),
    sa.Column('sex', sa.String(length=40), nullable=True),
    sa.Column('first_visit', sa.Boolean(), nullable=True),
    sa.Column('visitor_code', sa.String(length=16), nullable=True),
    sa.Column('safeguarding', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_report_visits'))
    )
    with op.batch_alter_table('report_visits', schema=None) as batch_op:
        batch_op.create_index('ix_report_visits_visited_at', ['visited_at'], unique=False)

    watermarks = op.create_table('report_watermarks',
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_report_watermarks'))
    )
    # one row per source, so a refresh can always lock its row (SELECT ... FOR UPDATE)
    op.bulk_insert(watermarks, [{"source": "records", "last_id": 0},
                                {"source": "services", "last_id": 0}])


def downgrade() -> None:
    op.drop_table('report_watermarks')
    with op.batch_alter_table('report_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_report_visits_visited_at')

    op.drop_table('report_visits')
    op.drop_table('report_visit_topics')
    with op.batch_alter_table('report_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_report_sessions_started_at')

    op.drop_table('report_sessions')
    with op.batch_alter_table('report_session_shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_session_shifts_session_id'))

    op.drop_table('report_session_shifts')
    with op.batch_alter_table('report_session_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_session_activities_session_id'))

    op.drop_table('report_session_activities')
    op.drop_table('report_services')
    op.drop_table('report_service_categories')
    with op.batch_alter_table('report_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_outcomes_visit_id'))

    op.drop_table('report_outcomes')
    with op.batch_alter_table('report_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_follow_ups_due_date'))

    op.drop_table('report_follow_ups')
    with op.batch_alter_table('report_conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_conversations_visit_id'))

    op.drop_table('report_conversations')
