"""Receivers: roles exist after every migrate, and every role change is audit-logged."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_migrate
from django.dispatch import receiver

from community.models import AuditEvent
from community.roles import ADMIN_APPS, ROLE_PERMISSIONS, Role


def roles_ensure() -> None:
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role == Role.PROVINCIAL_ADMIN:
            perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
        else:
            wanted = [p.split(".", 1) for p in ROLE_PERMISSIONS[role]]
            perms = Permission.objects.none()
            for app_label, codename in wanted:
                perms = perms | Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
        group.permissions.add(*perms)


@receiver(post_migrate)
def on_post_migrate(sender: Any, **kwargs: Any) -> None:
    if getattr(sender, "name", "") == "community" or getattr(sender, "label", "") in ADMIN_APPS:
        roles_ensure()


@receiver(m2m_changed, sender=get_user_model().groups.through)
def on_groups_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if not isinstance(instance, get_user_model()):
        return  # changed from the group's side; the user's side is what we log
    names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    AuditEvent.objects.create(
        action="role.granted" if action == "post_add" else "role.revoked",
        target=f"user:{instance.pk}:{instance.get_username()}",
        detail={"roles": names},
    )
