"""Who may do what: the roles the district grants, checked in the core for every action."""

from __future__ import annotations

from dataclasses import dataclass

FACILITATOR = "facilitator"
DEI_OFFICE = "dei_office"
ADMIN = "admin"
ROLES = (FACILITATOR, DEI_OFFICE, ADMIN)


@dataclass(frozen=True)
class Roles:
    """The roles one person holds right now."""

    admin: bool = False
    dei_office: bool = False
    facilitates: frozenset[int] = frozenset()

    @classmethod
    def from_grants(cls, grants: list[tuple[str, int | None]]) -> "Roles":
        return cls(
            admin=any(role == ADMIN for role, _ in grants),
            dei_office=any(role == DEI_OFFICE for role, _ in grants),
            facilitates=frozenset(g for role, g in grants if role == FACILITATOR and g is not None),
        )

    def facilitator_of(self, group_id: int) -> bool:
        return group_id in self.facilitates

    def may_see_members(self, group_id: int) -> bool:
        return self.admin or self.facilitator_of(group_id)

    def holds(self, audience: str) -> bool:
        """Whether a command meant for `audience` is among this person's commands."""
        if audience in ("all", "member"):
            return True
        if audience == FACILITATOR:
            return bool(self.facilitates) or self.admin
        if audience == DEI_OFFICE:
            return self.dei_office or self.admin
        if audience == ADMIN:
            return self.admin
        return False

    def may_use(self, audience: str, admin_too: bool = True) -> bool:
        """Whether a command for `audience` is this person's to use (what `help` lists)."""
        if not self.holds(audience):
            return False
        if admin_too or audience in ("all", "member", ADMIN):
            return True
        return self.dei_office if audience == DEI_OFFICE else bool(self.facilitates)

    def names(self) -> list[str]:
        names = []
        if self.facilitates:
            names.append(FACILITATOR)
        if self.dei_office:
            names.append(DEI_OFFICE)
        if self.admin:
            names.append(ADMIN)
        return names
