"""The cache generation: two counters raised by triggers on every change a process may keep a copy
of (listings, and who a person is), and an index that hands listed groups over by name.

Revision ID: 0009_cache_generation
Revises: 0008_nudge_plan
Create Date: 2026-12-01 11:45:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_cache_generation'
down_revision = '0008_nudge_plan'
branch_labels = None
depends_on = None

#: Tables whose rows make up a listing: any change to them raises `listing`.
LISTING_TABLES = ("affinity_group", "membership", "meeting", "meeting_skip")
#: Who a person is: their role grants, and their platform links (a new link cannot change an
#: existing one, so only updates and deletes count)...
PEOPLE_TABLES = ("role_grant",)
LINK_EVENTS = ("UPDATE", "DELETE")
#: ...and the columns of `person` a process keeps (bot/groups/cache.py `Known`), or its deletion.
#: The pending "yes" answer, settings and roster details change without touching any kept copy.
PERSON_COLUMNS = ("email", "language", "timezone")


def upgrade() -> None:
    op.create_table('cache_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing', sa.BigInteger(), nullable=False),
    sa.Column('people', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_generation'))
    )
    op.execute("INSERT INTO cache_generation (id, listing, people) VALUES (1, 0, 0)")
    with op.batch_alter_table('affinity_group', schema=None) as batch_op:
        batch_op.create_index('ix_affinity_group_listed_name', [sa.text('lower(name)'), 'name', 'id'], unique=False, sqlite_where=sa.text('listed'), postgresql_where=sa.text('listed'))
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    # SQLite has one writer at a time, so the counter's row is never fought over; a row trigger
    # runs inside the writing statement and commits or rolls back with it.
    def trigger(name: str, event: str, table: str, column: str) -> None:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} "
            f"BEGIN UPDATE cache_generation SET {column} = {column} + 1; END"
        )

    for table in LISTING_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            trigger(f"cache_gen_{table}_{event.lower()}", event, table, "listing")
    for table in PEOPLE_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            trigger(f"cache_gen_{table}_{event.lower()}", event, table, "people")
    for event in LINK_EVENTS:
        trigger(f"cache_gen_platform_link_{event.lower()}", event, "platform_link", "people")
    trigger("cache_gen_person_update", f"UPDATE OF {', '.join(PERSON_COLUMNS)}", "person", "people")
    trigger("cache_gen_person_delete", "DELETE", "person", "people")


def _postgresql_triggers() -> None:
    # Deferred constraint triggers run at COMMIT, so the counter's row is locked only for the
    # last moment of a transaction (never between two other locks: no deadlock through it), and
    # a transaction-local flag makes the first one do the UPDATE and the rest return at once:
    # a bulk import of a million rows raises the counter once.
    for column in ("listing", "people"):
        op.execute(
            f"""
            CREATE FUNCTION cache_gen_bump_{column}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF coalesce(current_setting('affinity.cache_gen_{column}', true), '') <> '1' THEN
                    UPDATE cache_generation SET {column} = {column} + 1;
                    PERFORM set_config('affinity.cache_gen_{column}', '1', true);
                END IF;
                RETURN NULL;
            END $$
            """
        )
    # TRUNCATE has no row triggers: a statement trigger raises the counter at once. Emptying the
    # counter's own table puts its row back with values above any count reached before, so a copy
    # read before can never match again.
    op.execute(
        """
        CREATE FUNCTION cache_gen_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE fresh bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
        BEGIN
            IF TG_TABLE_NAME = 'cache_generation' THEN
                INSERT INTO cache_generation (id, listing, people) VALUES (1, fresh, fresh);
            ELSE
                UPDATE cache_generation SET listing = greatest(listing + 1, fresh), people = greatest(people + 1, fresh);
            END IF;
            RETURN NULL;
        END $$
        """
    )

    def trigger(name: str, event: str, table: str, column: str) -> None:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_gen_bump_{column}()"
        )

    def truncated(table: str) -> None:
        op.execute(f"CREATE TRIGGER cache_gen_{table}_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION cache_gen_truncated()")

    for table in LISTING_TABLES:
        trigger(f"cache_gen_{table}", "INSERT OR UPDATE OR DELETE", table, "listing")
        truncated(table)
    for table in PEOPLE_TABLES:
        trigger(f"cache_gen_{table}", "INSERT OR UPDATE OR DELETE", table, "people")
        truncated(table)
    trigger("cache_gen_platform_link", " OR ".join(LINK_EVENTS), "platform_link", "people")
    truncated("platform_link")
    trigger("cache_gen_person", f"UPDATE OF {', '.join(PERSON_COLUMNS)} OR DELETE", "person", "people")
    truncated("person")
    truncated("cache_generation")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*LISTING_TABLES, *PEOPLE_TABLES, "platform_link", "person"):
            op.execute(f"DROP TRIGGER IF EXISTS cache_gen_{table} ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS cache_gen_{table}_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS cache_gen_cache_generation_truncate ON cache_generation")
        op.execute("DROP FUNCTION IF EXISTS cache_gen_bump_listing()")
        op.execute("DROP FUNCTION IF EXISTS cache_gen_bump_people()")
        op.execute("DROP FUNCTION IF EXISTS cache_gen_truncated()")
    else:
        for table in (*LISTING_TABLES, *PEOPLE_TABLES, "platform_link"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS cache_gen_{table}_{event}")
        op.execute("DROP TRIGGER IF EXISTS cache_gen_person_update")
        op.execute("DROP TRIGGER IF EXISTS cache_gen_person_delete")
    with op.batch_alter_table('affinity_group', schema=None) as batch_op:
        batch_op.drop_index('ix_affinity_group_listed_name', sqlite_where=sa.text('listed'), postgresql_where=sa.text('listed'))
    op.drop_table('cache_generation')
