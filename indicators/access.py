"""Who sees which communes' indicators: provincial staff see all; a commune official
(role "official" with a commune in their StaffScope) sees only that commune."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

from community.models import StaffScope
from community.roles import Role

ALL = "*"


def indicator_scope(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """ALL, one commune code, or None (no access)."""
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return ALL
    roles = set(Group.objects.filter(user__pk=user.pk).values_list("name", flat=True))
    if Role.PROVINCIAL_ADMIN.value in roles:
        return ALL
    if Role.OFFICIAL.value not in roles:
        return None
    scope = StaffScope.objects.filter(user_id=user.pk).first()
    if scope is None:
        return ALL  # no scope row: a provincial official
    if scope.commune_id:
        return scope.commune_id
    return None  # a school official: school figures are not indicators


def can_see(user: AbstractBaseUser | AnonymousUser, commune_code: str | None) -> bool:
    """commune_code None means the whole province."""
    scope = indicator_scope(user)
    return scope == ALL or (scope is not None and scope == commune_code)
