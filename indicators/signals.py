"""Receivers: a certificate's issue, change, revocation or deletion recounts its holder,
inside the same transaction (so the roll-up never disagrees with committed certificates);
the provincial administrator may edit indicator definitions and denominators."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from certification.models import Certificate
from community.roles import Role
from indicators.services import participant_sync

# Fields whose change cannot move a count: signing the certificate after it was created.
IRRELEVANT_FIELDS = frozenset({"serial", "credential", "qr_text", "revoke_reason", "holder"})


@receiver(post_save, sender=Certificate)
def on_certificate_saved(
    sender: Any, instance: Certificate, update_fields: Any = None, raw: bool = False, **kwargs: Any
) -> None:
    if raw or (update_fields is not None and set(update_fields) <= IRRELEVANT_FIELDS):
        return
    participant_sync(participant_id=instance.participant_id)


@receiver(post_delete, sender=Certificate)
def on_certificate_deleted(sender: Any, instance: Certificate, **kwargs: Any) -> None:
    participant_sync(participant_id=instance.participant_id)


@receiver(post_migrate)
def on_post_migrate(sender: Any, **kwargs: Any) -> None:
    if getattr(sender, "label", "") != "indicators":
        return
    group = Group.objects.filter(name=Role.PROVINCIAL_ADMIN.value).first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label="indicators"))
