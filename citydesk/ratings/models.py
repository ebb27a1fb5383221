"""Satisfaction ratings (đánh giá sự hài lòng): desk kiosk, online service, residents of a ward."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citydesk.core.models import Organisation


class Level(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NORMAL = "normal", _("Neutral")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Channel(models.TextChoices):
    KIOSK = "kiosk", _("Desk kiosk or tablet")
    WEB = "web", _("Online service (web)")
    APP = "app", _("Residents (citizen app)")


class TransactionKind(models.TextChoices):
    """What a desk transaction was (the officer picks it when opening one for the kiosk)."""

    RECEIVE = "receive", _("Receiving a dossier")
    RETURN = "return", _("Returning a result")
    SUPPLEMENT = "supplement", _("Additional papers")
    ADVICE = "advice", _("Advice and guidance")
    OTHER = "other", _("Other desk service")


class Rating(models.Model):
    """One rating. Exactly one of the three subjects applies, by channel:

    - kiosk: a desk transaction (`transaction` is unique), rating the officer and the desk;
    - web: a finished dossier (one rating per dossier);
    - app: a commune-level unit by a resident, once per resident and period (`resident_key`, `period`):
      one ward a month, whichever (checked by the service; the unique key holds one per ward).
    """

    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices)
    level = models.CharField(_("rating"), max_length=12, choices=Level.choices)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("unit")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("officer"),
    )
    procedure = models.ForeignKey(
        "dossiers.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("procedure"),
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ratings",
        verbose_name=_("dossier"),
    )
    transaction = models.OneToOneField(
        "DeskTransaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rating",
        verbose_name=_("transaction"),
    )
    resident_key = models.CharField(
        max_length=64, blank=True, verbose_name=_("resident key")
    )  # hash of the resident's identity
    period = models.CharField(
        max_length=7, blank=True, verbose_name=_("period")
    )  # e.g. "2026-11" for resident ratings
    device = models.CharField(max_length=64, blank=True, verbose_name=_("device"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(channel="web"), name="rating_one_per_dossier"
            ),
            models.UniqueConstraint(
                fields=["unit", "resident_key", "period"],
                condition=Q(channel="app"),
                name="rating_one_per_resident_period",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "created_at"], name="rating_unit_time"),
            # The per-device rate limit counts one device's recent ratings.
            models.Index(fields=["device", "created_at"], name="rating_device_time"),
            # A resident rates one ward a month: their month's rating, whichever ward.
            models.Index(
                fields=["resident_key", "period"], condition=Q(channel="app"), name="rating_resident_month"
            ),
            # The statistics page lists the latest comments, newest first: a city's leader reads every
            # unit's, which the unit's index cannot order without reading all its ratings.
            models.Index(fields=["created_at"], condition=~Q(comment=""), name="rating_comment_time"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.level}"


class DeskTransaction(models.Model):
    """A desk transaction (receiving or returning a dossier, advice…) that the kiosk can rate once."""

    code = models.CharField(max_length=24, unique=True, verbose_name=_("code"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier"),
    )
    procedure = models.ForeignKey(
        "dossiers.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("procedure"),
    )
    kind = models.CharField(
        max_length=20,
        choices=TransactionKind.choices,
        default=TransactionKind.RECEIVE,
        verbose_name=_("kind"),
    )
    kiosk = models.CharField(max_length=64, blank=True, verbose_name=_("kiosk"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("desk transaction")
        verbose_name_plural = _("desk transactions")
        # The kiosk page asks for its newest transaction.
        indexes = [models.Index(fields=["kiosk", "created_at"], name="desktransaction_kiosk")]

    def __str__(self) -> str:
        return self.code


class Kiosk(models.Model):
    """A tablet paired with a desk of a unit: only a device holding the secret given at pairing opens the
    kiosk page, its feed, and records ratings there. Only a hash of the secret is kept."""

    code = models.CharField(max_length=64, unique=True, verbose_name=_("kiosk code"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    label = models.CharField(max_length=100, blank=True, verbose_name=_("label"))
    # SHA-256 of the device secret (hex); empty once unpaired.
    secret_hash = models.CharField(max_length=64, blank=True, verbose_name=_("device key hash"))
    paired_at = models.DateTimeField(default=timezone.now, verbose_name=_("paired at"))
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("paired by"),
    )
    last_seen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last seen at"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("rating kiosk")
        verbose_name_plural = _("rating kiosks")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.label}" if self.label else self.code


class RatingMonth(models.Model):
    """Monthly counts per unit × officer × procedure × channel: live ratings plus imported history.

    officer_id / procedure_id are 0 where there is none (so the unique key works on every database).
    """

    month = models.DateField(verbose_name=_("month"))
    unit = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    officer_id = models.BigIntegerField(default=0, verbose_name=_("officer id"))
    procedure_id = models.BigIntegerField(default=0, verbose_name=_("procedure id"))
    channel = models.CharField(max_length=6, choices=Channel.choices, verbose_name=_("channel"))
    satisfied = models.PositiveIntegerField(default=0, verbose_name=_("satisfied"))
    normal = models.PositiveIntegerField(default=0, verbose_name=_("neutral"))
    unsatisfied = models.PositiveIntegerField(default=0, verbose_name=_("unsatisfied"))
    imported = models.BooleanField(default=False, verbose_name=_("imported"))

    class Meta:
        verbose_name = _("monthly rating counts")
        verbose_name_plural = _("monthly rating counts")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "officer_id", "procedure_id", "channel", "imported"],
                name="ratingmonth_key",
            ),
        ]
        # The statistics group by (month, one dimension) and add the months up: one covering index per
        # dimension lets SQLite stream each GROUP BY in index order, reading no table row (measured at
        # 5 M ratings: ~40 ms instead of ~200 ms with a temporary B-tree). A head's few units use the last.
        indexes = [
            models.Index(
                fields=["month", "unit", "channel", "satisfied", "normal", "unsatisfied"],
                name="ratingmonth_by_unit",
            ),
            models.Index(
                fields=["month", "officer_id", "unit", "channel", "satisfied", "normal", "unsatisfied"],
                name="ratingmonth_by_officer",
            ),
            models.Index(
                fields=["month", "procedure_id", "unit", "channel", "satisfied", "normal", "unsatisfied"],
                name="ratingmonth_by_procedure",
            ),
            models.Index(
                fields=["month", "channel", "unit", "satisfied", "normal", "unsatisfied"],
                name="ratingmonth_by_channel",
            ),
            models.Index(fields=["unit", "month"], name="ratingmonth_unit_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id} {self.channel}"
