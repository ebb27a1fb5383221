"""Routing suggestions learned from past reports: which category, and which unit ends up handling it.

Two linear classifiers share one feature space:

- the description, Vietnamese-normalised (NFC, lower case, underthesea word segmentation joined with
  underscores): TF-IDF over word 1–2 grams, each word also in its accent-free form so that input typed
  without accents ("duong bi ngap") meets the accented history ("đường bị ngập");
- TF-IDF over character n-grams (``char_wb`` 2–5) of the accent-free text, robust to typos and missing
  accents;
- the place: one-hot province and ward codes, and coarse lat/lon grid cells (≈1 km and ≈5.5 km).

Targets: ``category.code`` and the final responsible ``unit.code`` of reports that reached a final state
(resolved, closed, or rejected for a reason other than spam or duplicate; merged duplicates excluded).

The training core (`train`, `RoutingModel`) takes plain lists and needs no database, so the benchmark
(``bench/routing_suggest.py``) runs it on synthetic data; `train_from_database`, `save_bundle` and
`suggest` are the Django side. ``citydesk train-routing`` trains and saves the bundle to
``DATA_DIR/models/routing.joblib``; `suggest` loads it lazily, once per process, again when the file changes.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import os
import platform
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from citydesk.lib.text import nfc, search_key

log = logging.getLogger("citydesk.reports")

BUNDLE_FORMAT = 1
MAX_TEXT_CHARS = 1000  # the start of a description says what it is about; the rest costs time only
TOP_K_METRIC = 3
DEFAULT_MIN_SAMPLES = 50


# --- Text and place normalisation -----------------------------------------------------------------


def _segment(text: str) -> list[str]:
    from underthesea import word_tokenize  # imported on first use: loading it takes ~0.4 s

    return word_tokenize(text)


def normalize(text: str) -> str:
    """'Đường Lê Lợi bị NGẬP nước' -> 'đường lê_lợi bị ngập nước' (NFC, lower case, words joined by '_')."""
    text = nfc(text or "")[:MAX_TEXT_CHARS]
    if not text:
        return ""
    words = (w.strip().lower().replace(" ", "_") for w in _segment(text))
    return " ".join(w for w in words if w and any(ch.isalnum() for ch in w))


def plain(text: str) -> str:
    """Accent-free, lower-case form of the description ('Ngập nước' -> 'ngap nuoc')."""
    return search_key(nfc(text or "")[:MAX_TEXT_CHARS])


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _normalize_chunk(texts: list[str]) -> list[str]:
    return [normalize(t) for t in texts]


def normalize_many(
    texts: Sequence[str], *, n_jobs: int = 1, cache: dict[bytes, str] | None = None
) -> list[str]:
    """`normalize` over many texts. Word segmentation dominates training time (about 1 ms per 100
    characters), so it can use processes, and `cache` (text -> result, updated in place) lets a nightly
    retraining segment only the reports it has not seen. Its keys are digests of the texts."""
    cache = {} if cache is None else cache
    keys = [_digest(t) for t in texts]
    todo_map = {k: t for k, t in zip(keys, texts, strict=True) if k not in cache}
    todo = list(todo_map.values())
    if n_jobs == 1 or len(todo) < 5000:
        done = _normalize_chunk(todo)
    else:
        from joblib import Parallel, delayed

        workers = (os.cpu_count() or 1) if n_jobs < 0 else n_jobs
        size = math.ceil(len(todo) / (workers * 4))
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        parts = Parallel(n_jobs=workers)(delayed(_normalize_chunk)(c) for c in chunks)
        done = [t for part in parts for t in part]
    cache.update(zip(todo_map, done, strict=True))
    return [cache[k] for k in keys]


def word_features(segmented: str) -> list[str]:
    """Word 1–2 grams of the segmented text, plus their accent-free forms where these differ."""
    words = segmented.split()
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    out = list(grams)
    for gram in grams:
        bare = search_key(gram)
        if bare != gram:
            out.append(bare)
    return out


def split_tokens(value: str) -> list[str]:
    return value.split()


def location_tokens(
    lon: float | None, lat: float | None, ward_code: str | None, province_code: str | None
) -> str:
    """One-hot place tokens: province, ward, ≈1 km and ≈5.5 km grid cells (whichever are known)."""
    tokens = ["any"]  # keeps the vocabulary non-empty when no report has a place
    if province_code:
        tokens.append(f"p:{province_code}")
    if ward_code:
        tokens.append(f"w:{ward_code}")
    if lon is not None and lat is not None and math.isfinite(lon) and math.isfinite(lat):
        tokens.append(f"g100:{math.floor(lat * 100)}:{math.floor(lon * 100)}")
        tokens.append(f"g20:{math.floor(lat * 20)}:{math.floor(lon * 20)}")
    return " ".join(tokens)


# --- Training core (plain lists, no database) -----------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One past report: what was written, where, and how it ended (category and unit codes)."""

    description: str
    category: str
    unit: str
    lon: float | None = None
    lat: float | None = None
    ward_code: str | None = None
    province_code: str | None = None
    created_at: datetime | None = None  # when it came in: time-of-day routing rules depend on it


class Featurizer:
    """Three TF-IDF blocks side by side: segmented words, accent-free character n-grams, place tokens."""

    def __init__(self, n_samples: int) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = 2 if n_samples >= 2000 else 1
        self.words = TfidfVectorizer(
            analyzer=word_features, min_df=min_df, sublinear_tf=True, dtype=np.float32
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=min_df,
            max_features=300_000,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.place = TfidfVectorizer(analyzer=split_tokens, use_idf=False, binary=True, dtype=np.float32)

    @staticmethod
    def _columns(segmented: Sequence[str], samples: Sequence[Sample]) -> tuple[list, list, list]:
        return (
            list(segmented),
            [plain(s.description) for s in samples],
            [location_tokens(s.lon, s.lat, s.ward_code, s.province_code) for s in samples],
        )

    def fit_transform(self, segmented: Sequence[str], samples: Sequence[Sample]) -> Any:
        import scipy.sparse as sp

        words, chars, places = self._columns(segmented, samples)
        blocks = [
            self.words.fit_transform(words),
            self.chars.fit_transform(chars),
            self.place.fit_transform(places),
        ]
        return sp.hstack(blocks, format="csr")

    def transform(self, segmented: Sequence[str], samples: Sequence[Sample]) -> Any:
        import scipy.sparse as sp

        words, chars, places = self._columns(segmented, samples)
        blocks = [self.words.transform(words), self.chars.transform(chars), self.place.transform(places)]
        return sp.hstack(blocks, format="csr")


def make_classifier(n_samples: int, seed: int, n_jobs: int = 1) -> Any:
    """Logistic regression fitted by SGD (one-vs-rest, log loss): probabilities as confidences, and as
    accurate as the multinomial lbfgs solver on our bench while several times faster (4 s against 25 s for
    22 units on 16,000 reports; both grow with the number of units, and a city has hundreds).

    Up to about 10⁶ updates (scikit-learn's advice): many passes over a small history, few over a large
    one; it stops earlier once the loss no longer improves."""
    from sklearn.linear_model import SGDClassifier

    epochs = min(1000, max(30, math.ceil(1_000_000 / max(n_samples, 1))))
    return SGDClassifier(
        loss="log_loss", alpha=3e-5, max_iter=epochs, tol=1e-3, random_state=seed, n_jobs=n_jobs
    )


@dataclass
class RoutingModel:
    """The fitted featurizer and the two classifiers; `predict` answers one report."""

    featurizer: Featurizer
    category_clf: Any
    unit_clf: Any

    @classmethod
    def fit(cls, segmented: list[str], samples: Sequence[Sample], seed: int, n_jobs: int = 1) -> RoutingModel:
        featurizer = Featurizer(len(samples))
        x = featurizer.fit_transform(segmented, samples)
        category_clf = _fit_one(x, [s.category for s in samples], seed, n_jobs)
        unit_clf = _fit_one(x, [s.unit for s in samples], seed, n_jobs)
        return cls(featurizer=featurizer, category_clf=category_clf, unit_clf=unit_clf)

    def transform(self, segmented: list[str], samples: Sequence[Sample]) -> Any:
        return self.featurizer.transform(segmented, samples)

    def predict(
        self,
        description: str,
        *,
        lon: float | None = None,
        lat: float | None = None,
        ward_code: str | None = None,
        province_code: str | None = None,
        k: int = 3,
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """Top-k (code, probability) for the category and for the unit, most likely first."""
        sample = Sample(description, "", "", lon, lat, ward_code, province_code)
        x = self.transform([normalize(description)], [sample])
        return _top(self.category_clf, x, k), _top(self.unit_clf, x, k)


class _Constant:
    """Stands in for a classifier when the training split holds a single class."""

    def __init__(self, label: str) -> None:
        self.classes_ = np.array([label], dtype=object)

    def predict_proba(self, x: Any) -> np.ndarray:
        return np.ones((x.shape[0], 1))


def _fit_one(x: Any, labels: list[str], seed: int, n_jobs: int) -> Any:
    if len(set(labels)) < 2:
        return _Constant(labels[0])
    return make_classifier(len(labels), seed, n_jobs).fit(x, labels)


def _top(clf: Any, x: Any, k: int) -> list[tuple[str, float]]:
    proba = clf.predict_proba(x)[0]
    order = np.argsort(-proba, kind="stable")[: max(k, 0)]
    return [(str(clf.classes_[i]), float(proba[i])) for i in order]


def _topk_hits(clf: Any, x: Any, truth: Sequence[str], k: int) -> tuple[float, float]:
    """(accuracy, top-k accuracy) of a fitted classifier on x."""
    proba = clf.predict_proba(x)
    classes = np.asarray(clf.classes_, dtype=object)
    order = np.argsort(-proba, axis=1, kind="stable")
    top1 = classes[order[:, 0]]
    topk = classes[order[:, :k]]
    truth_arr = np.asarray(truth, dtype=object)
    acc = float(np.mean(top1 == truth_arr))
    acck = float(np.mean([t in row for t, row in zip(truth_arr, topk, strict=True)]))
    return acc, acck


def _top_classes(clf: Any, x: Any) -> list[str]:
    proba = clf.predict_proba(x)
    return [str(c) for c in np.asarray(clf.classes_, dtype=object)[np.argmax(proba, axis=1)]]


def _share_equal(picks: Sequence[Any], truth: Sequence[Any]) -> float:
    return sum(p == t for p, t in zip(picks, truth, strict=True)) / len(truth)


def _majority(train: Sequence[str], test: Sequence[str], k: int) -> tuple[float, float]:
    ranked = [label for label, _n in Counter(train).most_common(k)]
    acc = sum(t == ranked[0] for t in test) / len(test)
    acck = sum(t in ranked for t in test) / len(test)
    return acc, acck


def split_indices(labels: Sequence[str], test_size: float, seed: int) -> tuple[list[int], list[int], bool]:
    """Train/test indices; stratified by label when every label has ≥ 2 samples and room in both parts."""
    from sklearn.model_selection import train_test_split

    n = len(labels)
    counts = Counter(labels)
    n_test = math.ceil(n * test_size)
    stratify = min(counts.values()) >= 2 and len(counts) <= n_test and len(counts) <= n - n_test
    train_idx, test_idx = train_test_split(
        list(range(n)), test_size=test_size, random_state=seed, stratify=list(labels) if stratify else None
    )
    return train_idx, test_idx, stratify


@dataclass
class TrainResult:
    model: RoutingModel
    metrics: dict[str, Any]


def train(
    samples: Sequence[Sample],
    *,
    test_size: float = 0.2,
    seed: int = 42,
    rule_unit: Callable[[Sample], str | None] | None = None,
    refit: bool = True,
    n_jobs: int = 1,
    segment_cache: dict[bytes, str] | None = None,
) -> TrainResult:
    """Measure on a held-out split, then (with `refit`) fit the final model on every sample.

    `rule_unit(sample)` is what the routing rules would pick given the sample's true category: its
    accuracy on the held-out split is printed beside the learned unit's, so the numbers say whether
    learning helps. `segment_cache`: see `normalize_many`.
    """
    if not 0 < test_size < 1:
        raise ValueError("test_size must be between 0 and 1")
    if len(samples) < 2:
        raise ValueError("at least 2 samples are needed")
    started = time.perf_counter()
    segmented = normalize_many([s.description for s in samples], n_jobs=n_jobs, cache=segment_cache)
    segment_seconds = time.perf_counter() - started
    train_idx, test_idx, stratified = split_indices([s.category for s in samples], test_size, seed)
    tr = [samples[i] for i in train_idx]
    te = [samples[i] for i in test_idx]
    fit_started = time.perf_counter()
    held_out = RoutingModel.fit([segmented[i] for i in train_idx], tr, seed, n_jobs)
    fit_seconds = time.perf_counter() - fit_started
    x_test = held_out.transform([segmented[i] for i in test_idx], te)
    metrics: dict[str, Any] = {
        "n_samples": len(samples),
        "n_train": len(tr),
        "n_test": len(te),
        "test_size": test_size,
        "seed": seed,
        "stratified": stratified,
        "top_k": TOP_K_METRIC,
    }
    for target, clf in (("category", held_out.category_clf), ("unit", held_out.unit_clf)):
        truth_train = [getattr(s, target) for s in tr]
        truth_test = [getattr(s, target) for s in te]
        acc, acck = _topk_hits(clf, x_test, truth_test, TOP_K_METRIC)
        maj, majk = _majority(truth_train, truth_test, TOP_K_METRIC)
        metrics[target] = {
            "classes": len({getattr(s, target) for s in samples}),
            "accuracy": acc,
            "top3": acck,
            "majority_accuracy": maj,
            "majority_top3": majk,
        }
    metrics["unit"]["rules_accuracy"] = None
    metrics["unit"]["rules_predicted_accuracy"] = None
    if rule_unit is not None:
        truth = [s.unit for s in te]
        picks = [rule_unit(s) for s in te]
        metrics["unit"]["rules_accuracy"] = _share_equal(picks, truth)
        # The rules fed with the learned category instead of the true one: suggesting a category and
        # letting the rules route it.
        predicted = _top_classes(held_out.category_clf, x_test)
        picks = [rule_unit(replace(s, category=c)) for s, c in zip(te, predicted, strict=True)]
        metrics["unit"]["rules_predicted_accuracy"] = _share_equal(picks, truth)
    model = held_out
    if refit:
        model = RoutingModel.fit(segmented, samples, seed, n_jobs)
    metrics["seconds"] = {
        "segmentation": segment_seconds,
        "fit_held_out": fit_seconds,
        "total": time.perf_counter() - started,
    }
    return TrainResult(model=model, metrics=metrics)


def format_metrics(metrics: dict[str, Any]) -> str:
    """The metrics table printed by the command and the benchmark, in the active language."""
    from django.utils.formats import number_format
    from django.utils.translation import gettext as _

    def num(value: float, decimals: int = 3) -> str:
        return number_format(value, decimal_pos=decimals, force_grouping=True)

    def cell(value: float | None) -> str:
        return "—" if value is None else num(value)

    split = _("stratified by category") if metrics["stratified"] else _("random")
    k = metrics["top_k"]
    top_k = _("top-%(k)s") % {"k": k}
    header = [
        _("target"),
        _("classes"),
        _("accuracy"),
        top_k,
        _("majority"),
        top_k,
        _("rules"),
        _("rules+learned category"),
    ]
    names = {"category": _("category"), "unit": _("unit")}
    rows = [
        [
            names[target],
            num(metrics[target]["classes"], 0),
            num(metrics[target]["accuracy"]),
            num(metrics[target]["top3"]),
            num(metrics[target]["majority_accuracy"]),
            num(metrics[target]["majority_top3"]),
            cell(metrics[target].get("rules_accuracy")),
            cell(metrics[target].get("rules_predicted_accuracy")),
        ]
        for target in ("category", "unit")
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        return "  ".join([first, *(value.rjust(widths[i]) for i, value in enumerate(row) if i)])

    summary = _(
        "%(n)s reports: %(train)s for training, %(test)s held out (%(share)s%%, %(split)s, seed %(seed)s); "
        "%(total)s s (word segmentation %(segmentation)s s)"
    ) % {
        "n": num(metrics["n_samples"], 0),
        "train": num(metrics["n_train"], 0),
        "test": num(metrics["n_test"], 0),
        "share": num(100 * metrics["test_size"], 0),
        "split": split,
        "seed": metrics["seed"],
        "total": num(metrics["seconds"]["total"], 1),
        "segmentation": num(metrics["seconds"]["segmentation"], 1),
    }
    return "\n".join(
        [
            summary,
            "",
            line(header),
            *(line(row) for row in rows),
            "",
            _(
                "accuracy, top-k: the learned model on the held-out reports; majority: always the most "
                "frequent class(es) of the training part;"
            ),
            _(
                "rules: the routing rules given the true category; rules+learned category: the rules given "
                "the learned model's first category."
            ),
        ]
    )


# --- Django side: data, bundle file, suggestions --------------------------------------------------


def model_path() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "models" / "routing.joblib"


def training_queryset() -> Any:
    """Reports that reached a final state, minus spam and duplicates."""
    from django.db.models import Q

    from citydesk.reports.models import RejectReason, Report, Status

    final = Q(status__in=[Status.RESOLVED, Status.CLOSED]) | (
        Q(status=Status.REJECTED) & ~Q(reject_reason__in=[RejectReason.SPAM, RejectReason.DUPLICATE])
    )
    return Report.objects.filter(final, duplicate_of__isnull=True)


def training_samples() -> list[Sample]:
    """The past reports to learn from, as samples."""
    # In a fixed order: the held-out split and so the model must not depend on how the database
    # happens to return the rows (PostgreSQL's order changes after updates).
    rows = (
        training_queryset()
        .order_by("pk")
        .values_list(
            "description",
            "lon",
            "lat",
            "ward_id",
            "province_code",
            "ward__province_id",
            "category__code",
            "unit__code",
            "created_at",
        )
    )
    return [
        Sample(
            description=desc,
            category=cat_code,
            unit=unit_code,
            lon=lon,
            lat=lat,
            ward_code=ward or None,
            province_code=ward_province or province or None,
            created_at=created,
        )
        for desc, lon, lat, ward, province, ward_province, cat_code, unit_code, created in rows.iterator(
            chunk_size=5000
        )
    ]


def rules_baseline() -> Callable[[Sample], str | None]:
    """What `routing.route(sample's category, ward, when=created_at)` picks, as an organisation code."""
    from citydesk.core.models import AdminUnit, ServiceCategory
    from citydesk.reports.models import RoutingRule
    from citydesk.reports.routing import route

    categories = {c.code: c for c in ServiceCategory.objects.all()}
    wards: dict[str, AdminUnit | None] = {}
    time_rules = (
        RoutingRule.objects.filter(is_active=True)
        .exclude(weekdays="", start_time__isnull=True, end_time__isnull=True)
        .exists()
    )
    cache: dict[tuple, str | None] = {}

    def pick(sample: Sample) -> str | None:
        key: tuple = (sample.category, sample.ward_code)
        if time_rules:
            key = (*key, sample.created_at)
        if key not in cache:
            category = categories.get(sample.category)
            ward = None
            if sample.ward_code:
                if sample.ward_code not in wards:
                    wards[sample.ward_code] = AdminUnit.objects.filter(code=sample.ward_code).first()
                ward = wards[sample.ward_code]
            try:
                cache[key] = route(category, ward, when=sample.created_at).unit.code if category else None
            except LookupError:
                cache[key] = None
        return cache[key]

    return pick


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("scikit-learn", "underthesea", "numpy", "joblib"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[package] = "?"
    return out


def build_bundle(model: RoutingModel, metrics: dict[str, Any], names: dict[str, dict[str, str]]) -> dict:
    return {
        "format": BUNDLE_FORMAT,
        "model": model,
        "names": names,  # {"category": {code: name}, "unit": {code: name}} at training time
        "metadata": {
            "trained_at": datetime.now(UTC).isoformat(),
            "n_samples": metrics["n_samples"],
            "metrics": metrics,
            "versions": _versions(),
        },
    }


def save_bundle(bundle: dict, path: Path | None = None) -> Path:
    """Write atomically (temporary file, then rename), so a running `suggest` never reads half a file."""
    import joblib

    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        joblib.dump(bundle, tmp, compress=3)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _segment_cache_tag() -> tuple:
    return (BUNDLE_FORMAT, MAX_TEXT_CHARS, _versions().get("underthesea"))


def _load_segment_cache(path: Path) -> dict[bytes, str]:
    import joblib

    try:
        stored = joblib.load(path)
    except FileNotFoundError:
        return {}
    except Exception:
        log.warning("ignoring the unreadable segmentation cache %s", path)
        return {}
    if not isinstance(stored, dict) or stored.get("tag") != _segment_cache_tag():
        return {}
    return dict(stored.get("entries", {}))


def train_from_database(
    *, test_size: float = 0.2, seed: int = 42, min_samples: int = DEFAULT_MIN_SAMPLES, n_jobs: int = 1
) -> tuple[dict, Path]:
    """Train on the past reports and save the bundle; DomainError when there is too little to learn from.

    The word segmentation of every description is kept beside the model (``routing-segments.joblib``),
    so the next training segments only the new reports.
    """
    import joblib
    from django.utils.translation import gettext as _

    from citydesk.core.errors import DomainError
    from citydesk.core.models import Organisation, ServiceCategory

    samples = training_samples()
    if len(samples) < min_samples:
        raise DomainError(
            _(
                "Only %(n)d finished reports to learn from; at least %(min)d are needed "
                "(resolved, closed or rejected, without spam and duplicates)."
            )
            % {"n": len(samples), "min": min_samples}
        )
    if len({s.category for s in samples}) < 2:
        raise DomainError(_("All finished reports have the same category: there is nothing to learn."))
    if len({s.unit for s in samples}) < 2:
        raise DomainError(_("All finished reports ended in the same unit: there is nothing to learn."))
    cache_path = model_path().with_name("routing-segments.joblib")
    cache = _load_segment_cache(cache_path)
    result = train(
        samples,
        test_size=test_size,
        seed=seed,
        rule_unit=rules_baseline(),
        n_jobs=n_jobs,
        segment_cache=cache,
    )
    names = {
        "category": dict(
            ServiceCategory.objects.filter(code__in={s.category for s in samples}).values_list("code", "name")
        ),
        "unit": dict(
            Organisation.objects.filter(code__in={s.unit for s in samples}).values_list("code", "name")
        ),
    }
    bundle = build_bundle(result.model, result.metrics, names)
    path = save_bundle(bundle)
    # Keep only the current reports' segmentations, so the cache does not grow without end.
    current = {_digest(s.description) for s in samples}
    entries = {k: v for k, v in cache.items() if k in current}
    tmp = cache_path.with_name(f".{cache_path.name}.{os.getpid()}.tmp")
    try:
        joblib.dump({"tag": _segment_cache_tag(), "entries": entries}, tmp, compress=3)
        os.replace(tmp, cache_path)
    finally:
        tmp.unlink(missing_ok=True)
    return bundle, path


# --- Loading (lazy, per process, reloaded when the file changes) ---------------------------------

_lock = threading.Lock()
_cached: tuple[tuple, dict | None] | None = None  # ((path, mtime_ns, size), bundle or None if unreadable)


def load_bundle() -> dict | None:
    """The trained bundle, or None when there is none (or it cannot be read: logged, never raised)."""
    global _cached
    path = model_path()
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        bundle: dict | None
        try:
            import joblib

            bundle = joblib.load(path)
            if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
                log.warning("routing model %s has an unknown format; run `citydesk train-routing`", path)
                bundle = None
        except Exception:
            log.exception("cannot read the routing model %s; run `citydesk train-routing`", path)
            bundle = None
        _cached = (key, bundle)
        return bundle


def clear_cache() -> None:
    global _cached
    with _lock:
        _cached = None


# --- Suggestions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    confidence: float  # the model's probability, in [0, 1]


@dataclass(frozen=True)
class Suggestions:
    available: bool
    categories: list[Choice] = field(default_factory=list)
    units: list[Choice] = field(default_factory=list)
    model_trained_at: datetime | None = None


NO_SUGGESTIONS = Suggestions(available=False)


def _place(lon: float | None, lat: float | None, ward_code: str | None) -> tuple[str | None, str | None]:
    """(ward code, province code): the ward given, else the ward at the point; its province."""
    from citydesk.core.errors import DomainError
    from citydesk.core.models import AdminUnit

    if not ward_code and lon is not None and lat is not None:
        from citydesk.core.units import locate_point

        try:
            ward_code = locate_point(lon, lat).unit.code
        except DomainError:  # outside every unit, or not a valid point: suggest from the text alone
            ward_code = None
        except Exception:  # a suggestion must never break the intake page
            log.exception("cannot locate the point (%s, %s) for routing suggestions", lon, lat)
            ward_code = None
    province = None
    if ward_code:
        province = AdminUnit.objects.filter(code=ward_code).values_list("province_id", flat=True).first()
    return ward_code or None, province


def _choices(ranked: list[tuple[str, float]], current: dict[str, str], stored: dict[str, str], k: int):
    out = []
    for code, p in ranked:
        if code not in current:  # deleted or deactivated since training
            continue
        out.append(Choice(code=code, name=current[code] or stored.get(code, code), confidence=p))
        if len(out) == k:
            break
    return out


def suggest(
    description: str, lon: float | None, lat: float | None, ward_code: str | None, k: int = 3
) -> Suggestions:
    """Top-k categories and units for a new report, each with the model's probability.

    Returns `available=False` (and empty lists) when no model has been trained or it cannot be read.
    """
    from django.utils.translation import get_language

    from citydesk.core.models import Organisation, ServiceCategory

    bundle = load_bundle()
    if bundle is None or k <= 0:
        return NO_SUGGESTIONS if bundle is None else Suggestions(available=True)
    model: RoutingModel = bundle["model"]
    ward, province = _place(lon, lat, ward_code)
    # Ask for a few more than k: classes deleted since training are skipped.
    categories, units = model.predict(
        description or "", lon=lon, lat=lat, ward_code=ward, province_code=province, k=k + 5
    )
    english = (get_language() or "vi").startswith("en")
    cat_names = {
        code: (name_en if english and name_en else name)
        for code, name, name_en in ServiceCategory.objects.filter(
            code__in=[c for c, _p in categories],
            is_active=True,  # a retired category is not suggested
        ).values_list("code", "name", "name_en")
    }
    unit_names = dict(
        Organisation.objects.filter(code__in=[c for c, _p in units], is_active=True).values_list(
            "code", "name"
        )
    )
    trained_at = bundle["metadata"].get("trained_at")
    return Suggestions(
        available=True,
        categories=_choices(categories, cat_names, bundle["names"].get("category", {}), k),
        units=_choices(units, unit_names, bundle["names"].get("unit", {}), k),
        model_trained_at=datetime.fromisoformat(trained_at) if trained_at else None,
    )
