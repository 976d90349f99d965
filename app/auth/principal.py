"""Who is calling, and what their roles let them do where."""
from dataclasses import dataclass, field

from app.auth import roles as R


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    global_roles: frozenset = frozenset()
    hall_roles: dict = field(default_factory=dict)  # role -> frozenset of hall ids

    @classmethod
    def of(cls, user) -> "Principal":
        return cls.of_grants(user.id, user.username, user.display_name,
                             ((grant.role, grant.hall_id) for grant in user.roles))

    @classmethod
    def of_grants(cls, user_id: int, username: str, display_name: str, grants) -> "Principal":
        """From the user's (role, hall id or None) grants."""
        global_roles: set[str] = set()
        hall_roles: dict[str, set[int]] = {}
        for role, hall_id in grants:
            if hall_id is None:
                global_roles.add(role)
            else:
                hall_roles.setdefault(role, set()).add(hall_id)
        return cls(user_id, username, display_name, frozenset(global_roles),
                   {role: frozenset(ids) for role, ids in hall_roles.items()})

    @property
    def is_admin(self) -> bool:
        return R.ADMIN in self.global_roles

    def roles(self) -> set[str]:
        return set(self.global_roles) | set(self.hall_roles)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.global_roles or r in self.hall_roles for r in roles)

    def halls_for(self, *roles: str) -> set[int]:
        ids: set[int] = set()
        for role in roles:
            ids |= self.hall_roles.get(role, frozenset())
        return ids

    def staff_halls(self) -> set[int]:
        return self.halls_for(*R.HALL_ROLES)

    def may(self, hall_id: int | None, role: str, *roles: str) -> bool:
        """May this user act in `hall_id` as one of the roles named? Administrators may everywhere.
        (At least one role is required: an empty role list must never mean "any".)"""
        return self.is_admin or (hall_id is not None and hall_id in self.halls_for(role, *roles))

    def works_in(self, hall_id: int) -> bool:
        """Holds some role in this hall (administrators included only if they do)."""
        return hall_id in self.staff_halls()

    def is_staff(self) -> bool:
        """Works in some hall (or administers them all)."""
        return self.is_admin or bool(self.staff_halls())

    def can_view_hall(self, hall_id: int) -> bool:
        """Sees what happens in this hall: works there, or administers every hall."""
        return self.is_admin or self.works_in(hall_id)

    def can_work(self, lane_role: str, hall_id: int) -> bool:
        """May this user complete/claim a task of `lane_role` in `hall_id`?"""
        return hall_id in self.halls_for(*R.roles_acting_in(lane_role))
