import os
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand
from citydesk.reports.suggest import DEFAULT_MIN_SAMPLES, format_metrics, train_from_database


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Learn routing suggestions (category and final unit) from the past reports that reached a final "
        "state; print the accuracy on a held-out split beside the majority and rules baselines, and save "
        "the model under DATA_DIR/models/. Run it nightly, for example."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--min-samples",
            type=int,
            default=DEFAULT_MIN_SAMPLES,
            help=gettext_lazy("refuse to train on fewer finished reports (default %(n)s)")
            % {"n": DEFAULT_MIN_SAMPLES},
        )
        parser.add_argument(
            "--test-size",
            type=float,
            default=0.2,
            help=gettext_lazy("share of reports held out to measure (default 0.2)"),
        )
        parser.add_argument(
            "--seed", type=int, default=42, help=gettext_lazy("seed of the split and the training")
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help=gettext_lazy("processes for word segmentation and classifiers (default: every core)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        test_size = options["test_size"]
        if not 0 < test_size < 1:
            raise CommandError(_("--test-size must be between 0 and 1 (e.g. 0.2)."), returncode=2)
        if options["min_samples"] < 2:
            raise CommandError(_("--min-samples must be at least 2."), returncode=2)
        if options["jobs"] < 1:
            raise CommandError(_("--jobs must be at least 1."), returncode=2)
        bundle, path = train_from_database(
            test_size=test_size,
            seed=options["seed"],
            min_samples=options["min_samples"],
            n_jobs=options["jobs"],
        )
        self.stdout.write(format_metrics(bundle["metadata"]["metrics"]))
        self.stdout.write(self.style.SUCCESS("\n" + _("Model saved to %(path)s.") % {"path": path}))
