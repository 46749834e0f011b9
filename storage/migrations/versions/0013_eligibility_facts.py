"""The person trigger also watches the roster facts eligibility reads (job role, site, start date):
a listing offers only the groups a person may join, so a process keeps those facts beside who
the person is (bot/groups/cache.py `Known`) and must see them change.

Revision ID: 0013_eligibility_facts
Revises: 0012_forgotten
Create Date: 2026-12-06 21:30:00.000000
"""

from alembic import op


revision = '0013_eligibility_facts'
down_revision = '0012_forgotten'
branch_labels = None
depends_on = None

#: The columns of `person` a process keeps (bot/groups/cache.py `Known`).
PERSON_COLUMNS = ("email", "language", "timezone", "job_role", "site", "start_date")
_BEFORE = ("email", "language", "timezone")


def _person_trigger(columns) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cache_gen_person ON person")
        op.execute(
            f"CREATE CONSTRAINT TRIGGER cache_gen_person AFTER UPDATE OF {', '.join(columns)} OR DELETE ON person "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_gen_bump_people()"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS cache_gen_person_update")
        op.execute(
            f"CREATE TRIGGER cache_gen_person_update AFTER UPDATE OF {', '.join(columns)} ON person "
            "BEGIN UPDATE cache_generation SET people = people + 1; END"
        )


def upgrade() -> None:
    _person_trigger(PERSON_COLUMNS)


def downgrade() -> None:
    _person_trigger(_BEFORE)
