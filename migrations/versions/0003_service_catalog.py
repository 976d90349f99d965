"""service catalog: versioned guides, materials, retained certificates, stored files, proxy

Existing items become version 1 of their guide (published, as they were being handled) with
their materials; existing cases are pinned to that version. The linter will ask for the
missing elements the next time such a guide is revised.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:32:08.377279

"""
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retained_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuing_body', sa.String(length=200), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retained_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_retained_certificate_code'))
    )
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file')),
    sa.UniqueConstraint('sha256', name=op.f('uq_stored_file_sha256'))
    )
    op.create_table('guide_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('item_type', sa.String(length=32), nullable=True),
    sa.Column('implementing_body', sa.String(length=200), nullable=True),
    sa.Column('legal_basis', sa.JSON(), nullable=False),
    sa.Column('service_object', sa.String(length=32), nullable=True),
    sa.Column('acceptance_conditions', sa.Text(), nullable=True),
    sa.Column('legal_limit_days', sa.Integer(), nullable=True),
    sa.Column('promised_limit_days', sa.Integer(), nullable=True),
    sa.Column('fee_charged', sa.Boolean(), nullable=False),
    sa.Column('fee_standard', sa.Text(), nullable=True),
    sa.Column('fee_basis', sa.Text(), nullable=True),
    sa.Column('handling_channels', sa.JSON(), nullable=False),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('hours', sa.String(length=500), nullable=True),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('result_sample', sa.String(length=64), nullable=True),
    sa.Column('consultation_contact', sa.String(length=500), nullable=True),
    sa.Column('complaint_contact', sa.String(length=500), nullable=True),
    sa.Column('process_description', sa.Text(), nullable=True),
    sa.Column('special_procedures', sa.JSON(), nullable=False),
    sa.Column('process_key', sa.String(length=128), nullable=True),
    sa.Column('change_summary', sa.Text(), nullable=True),
    sa.Column('legal_change', sa.Text(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_guide_version_item_id_service_item'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_version')),
    sa.UniqueConstraint('item_id', 'version', name=op.f('uq_guide_version_item_id'))
    )
    with op.batch_alter_table('guide_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_version_item_id'), ['item_id'], unique=False)
        batch_op.create_index('uq_guide_version_published', ['item_id'], unique=True,
                              sqlite_where=sa.text("status = 'published'"), postgresql_where=sa.text("status = 'published'"))

    op.create_table('guide_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('material_type', sa.String(length=24), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('paper_spec', sa.String(length=64), nullable=True),
    sa.Column('medium', sa.String(length=16), nullable=False),
    sa.Column('requirement', sa.String(length=16), nullable=False),
    sa.Column('condition', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('agency_category', sa.String(length=200), nullable=True),
    sa.Column('certificate_code', sa.String(length=64), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('blank_template', sa.String(length=64), nullable=True),
    sa.Column('sample', sa.String(length=64), nullable=True),
    sa.Column('tolerable', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['guide_id'], ['guide_version.id'], name=op.f('fk_guide_material_guide_id_guide_version'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_material')),
    sa.UniqueConstraint('guide_id', 'code', name=op.f('uq_guide_material_guide_id'))
    )
    with op.batch_alter_table('guide_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_material_guide_id'), ['guide_id'], unique=False)

    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_code', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('level', sa.String(length=16), nullable=False, server_default='district'))
        batch_op.add_column(sa.Column('citywide', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('implementing_body', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.create_index(batch_op.f('ix_service_item_base_code'), ['base_code'], unique=False)

    # Existing items: their data becomes a published version 1, their materials its materials.
    # The minimal catalogue had no base codes: '' means "not yet assigned" (no consistency peers;
    # the next import may set it).
    op.execute(sa.text("""
        INSERT INTO guide_version (item_id, version, status, name, item_type, legal_basis,
            legal_limit_days, promised_limit_days, fee_charged, handling_channels, special_procedures,
            process_key, change_summary, effective_from, created_at, created_by, updated_at, published_at,
            published_by)
        SELECT id, 1, 'published', name, item_type, '[]', legal_limit_days, promised_limit_days,
            false, '["window"]', '[]', process_key, 'migrated from the minimal catalogue',
            :today, created_at, 'migration', created_at, created_at, 'migration'
        FROM service_item""").bindparams(today=datetime.now(ZoneInfo("Asia/Shanghai")).date()))
    op.execute("""
        INSERT INTO guide_material (guide_id, position, code, name, category, material_type, copies,
            medium, requirement, source, tolerable)
        SELECT g.id, m.position, m.code, m.name, 'document', 'original', 1, 'paper',
            CASE WHEN m.required THEN 'required' ELSE 'conditional' END, 'applicant', false
        FROM item_material m JOIN guide_version g ON g.item_id = m.item_id""")
    op.drop_table('item_material')

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guide_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proxy_hall_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proxy_by_id', sa.Integer(), nullable=True))
    op.execute('UPDATE "case" SET guide_version_id = '
               '(SELECT g.id FROM guide_version g WHERE g.item_id = "case".item_id)')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.alter_column('guide_version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_case_guide_version_id'), ['guide_version_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_case_proxy_by_id_user_account'), 'user_account', ['proxy_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_guide_version_id_guide_version'),
                                    'guide_version', ['guide_version_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_proxy_hall_id_hall'), 'hall', ['proxy_hall_id'], ['id'])

    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.drop_column('legal_limit_days')
        batch_op.drop_column('promised_limit_days')
        batch_op.drop_column('process_key')



def downgrade():
    # Items keep the limits and process of their latest version; materials come from it too.
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_key', sa.VARCHAR(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('promised_limit_days', sa.INTEGER(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('legal_limit_days', sa.INTEGER(), nullable=False, server_default='1'))
    latest = ("(SELECT {col} FROM guide_version g WHERE g.item_id = service_item.id "
              "ORDER BY g.status = 'published' DESC, g.version DESC LIMIT 1)")
    for col in ('process_key', 'promised_limit_days', 'legal_limit_days'):
        op.execute(f"UPDATE service_item SET {col} = COALESCE({latest.format(col=col)}, {col})")
    with op.batch_alter_table('service_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_item_base_code'))
        batch_op.drop_column('created_at')
        batch_op.drop_column('implementing_body')
        batch_op.drop_column('citywide')
        batch_op.drop_column('level')
        batch_op.drop_column('base_code')

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_proxy_hall_id_hall'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_guide_version_id_guide_version'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_proxy_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_case_guide_version_id'))
        batch_op.drop_column('proxy_by_id')
        batch_op.drop_column('proxy_hall_id')
        batch_op.drop_column('guide_version_id')

    op.create_table('item_material',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('item_id', sa.INTEGER(), nullable=False),
    sa.Column('code', sa.VARCHAR(length=64), nullable=False),
    sa.Column('name', sa.VARCHAR(length=200), nullable=False),
    sa.Column('required', sa.BOOLEAN(), nullable=False),
    sa.Column('position', sa.INTEGER(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_item_material_item_id_service_item'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_material')),
    sa.UniqueConstraint('item_id', 'code', name=op.f('uq_item_material_item_id'))
    )
    op.execute("""
        INSERT INTO item_material (item_id, code, name, required, position)
        SELECT g.item_id, m.code, COALESCE(m.name, m.code), m.requirement = 'required', m.position
        FROM guide_material m JOIN guide_version g ON g.id = m.guide_id
        WHERE g.id = (SELECT g2.id FROM guide_version g2 WHERE g2.item_id = g.item_id
                      ORDER BY g2.status = 'published' DESC, g2.version DESC LIMIT 1)""")
    with op.batch_alter_table('guide_material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_material_guide_id'))

    op.drop_table('guide_material')
    with op.batch_alter_table('guide_version', schema=None) as batch_op:
        batch_op.drop_index('uq_guide_version_published',
                            sqlite_where=sa.text("status = 'published'"), postgresql_where=sa.text("status = 'published'"))
        batch_op.drop_index(batch_op.f('ix_guide_version_item_id'))

    op.drop_table('guide_version')
    op.drop_table('stored_file')
    op.drop_table('retained_certificate')
