"""People and their per-study roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who logs in. Study access comes only from :class:`Membership` rows.

    Custom from day one so that fields (e.g. a display name for reports) can be added later
    without a painful user-model swap.
    """

    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    # Stored codes are part of the API; never rename them.
    COORDINATOR = "coordinator", "Coordinator"
    READER = "reader", "Reader"
    STATISTICIAN = "statistician", "Statistician"


class Membership(models.Model):
    """A user's role in one study. A user may hold several roles in the same study."""

    study = models.ForeignKey("studies.Study", on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["study", "user", "role"], name="membership_unique_role_per_study"
            )
        ]
        # Permission checks filter by (user, role) on every request.
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.study}"
