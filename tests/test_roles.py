"""Staff roles are Django groups with the right permissions; changes are audit-logged."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from community.models import AuditEvent
from community.roles import Role

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (Role.QUESTION_AUTHOR, "question_banks.add_question", "question_banks.review_question"),
        (Role.REVIEWER, "question_banks.review_question", "question_banks.add_question"),
        (Role.ORGANISER, "question_banks.view_question", "question_banks.change_question"),
        (Role.VOLUNTEER, "community.add_participant", "question_banks.view_question"),
        (Role.PROVINCIAL_ADMIN, "question_banks.review_question", "auth.delete_user"),
    ],
)
def test_role_permissions(role: Role, allowed: str, denied: str) -> None:
    user = User.objects.create_user("u")
    user.groups.add(Group.objects.get(name=role.value))
    user = User.objects.get(pk=user.pk)
    assert user.has_perm(allowed)
    assert not user.has_perm(denied)


def test_granting_and_revoking_a_role_is_audit_logged() -> None:
    user = User.objects.create_user("mai")
    reviewer = Group.objects.get(name=Role.REVIEWER.value)
    user.groups.add(reviewer)
    user.groups.remove(reviewer)
    events = list(AuditEvent.objects.order_by("at", "id").values_list("action", "detail"))
    assert events == [
        ("role.granted", {"roles": ["reviewer"]}),
        ("role.revoked", {"roles": ["reviewer"]}),
    ]
