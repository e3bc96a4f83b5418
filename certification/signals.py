"""Signals certification sends for others to follow (it imports none of its followers).

``certificates_bulk_issued`` replaces ``post_save`` for bulk inserts, which send none: it is
sent once per batch chunk, inside the chunk's transaction, after its certificates were
written, with ``participant_ids`` (a sorted list of the holders of the new certificates).
A receiver that counts certificates must count these people again, as it would have done
on each ``post_save``.
"""

from __future__ import annotations

from django.dispatch import Signal

certificates_bulk_issued = Signal()
