"""Routing suggestions learned from past reports: normalisation, training command, suggest()."""

from __future__ import annotations

import io
import os
import random

import joblib
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from citydesk.core.models import Organisation, OrgKind, ServiceCategory
from citydesk.lib.text import search_key
from citydesk.reports import suggest as sg
from citydesk.reports.models import Channel, RejectReason, Report, Status
from tests.conftest import make_unit

# category -> phrasings a citizen might use
PHRASES = {
    "road_damage": [
        "ổ gà lớn giữa đường",
        "mặt đường hư hỏng, nhiều ổ gà",
        "đường bị sụt lún, xe máy dễ té",
        "mặt đường bong tróc, đá văng khắp nơi",
        "hố sâu trên đường chưa được vá",
    ],
    "flooding": [
        "đường bị ngập sâu sau mưa",
        "ngập nước kéo dài, xe chết máy",
        "triều cường làm ngập cả con hẻm",
        "mưa lớn là nước ngập tới đầu gối",
        "nước ngập vào nhà dân mỗi khi mưa",
    ],
    "waste": [
        "rác thải đổ bừa bãi trên vỉa hè",
        "bãi rác tự phát bốc mùi hôi thối",
        "xà bần đổ trộm ở góc đường",
        "rác không được thu gom mấy ngày nay",
    ],
    "street_lighting": [
        "đèn đường bị hỏng, cả đoạn tối om",
        "đèn chiếu sáng công cộng không sáng",
        "bóng đèn đường chập chờn cả tuần",
        "trụ đèn bị nghiêng sắp đổ",
    ],
    "sidewalk": [
        "lấn chiếm vỉa hè để buôn bán",
        "quán nhậu bày bàn ghế chiếm hết vỉa hè",
        "hàng rong chiếm lòng đường",
        "xe máy đậu tràn lan trên vỉa hè",
    ],
}
STREETS = ["Lê Lợi", "Nguyễn Huệ", "Pasteur", "Hai Bà Trưng", "Lý Tự Trọng"]
OPENINGS = ["", "Kính gửi 1022, ", "Xin phản ánh: ", "Đề nghị xử lý: "]
CLOSINGS = ["", ".", ", mong được xử lý sớm.", ", rất nguy hiểm.", ". Cảm ơn!"]


@pytest.fixture(autouse=True)
def _model_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    sg.clear_cache()
    yield tmp_path
    sg.clear_cache()


@pytest.fixture
def city(personas, categories):
    """Three wards, the report categories, and the units that handle them."""
    hcmc = personas.city.admin_unit
    tan_dinh = make_unit("26734", "Phường Tân Định", hcmc, 106.688, 10.790)
    third = Organisation.objects.create(
        code="26734",
        name="UBND Phường Tân Định",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=personas.city,
        admin_unit=tan_dinh,
    )
    drainage = Organisation.objects.create(
        code="79.CTTN", name="Công ty Thoát nước", kind=OrgKind.SERVICE_COMPANY, parent=personas.city
    )
    cats = {"road_damage": categories["road"], "street_lighting": categories["lighting"]}
    for code, name, handled_by, dept in [
        ("flooding", "Ngập nước", "department", "CTTN"),
        ("waste", "Rác thải, vệ sinh môi trường", "ward", ""),
        ("sidewalk", "Lấn chiếm vỉa hè, lòng đường", "ward", ""),
    ]:
        cats[code] = ServiceCategory.objects.create(
            code=code, domain="report", name=name, name_en=code, handled_by=handled_by, department_code=dept
        )
    wards = [
        (personas.ward.admin_unit, personas.ward),
        (personas.other_ward.admin_unit, personas.other_ward),
        (tan_dinh, third),
    ]
    return {"cats": cats, "wards": wards, "department": personas.department, "drainage": drainage}


def _units(city, category: str, ward_org: Organisation) -> Organisation:
    if category == "street_lighting":
        return city["department"]
    if category == "flooding":
        return city["drainage"]
    return ward_org


def make_reports(city, n: int, *, seed: int = 7, status: str = Status.CLOSED, **extra) -> list[Report]:
    rng = random.Random(seed)
    reports = []
    for i in range(n):
        category = rng.choice(list(PHRASES))
        ward, ward_org = rng.choice(city["wards"])
        text = (
            rng.choice(OPENINGS)
            + rng.choice(PHRASES[category])
            + f" trước nhà số {rng.randint(1, 200)} đường {rng.choice(STREETS)}"
            + rng.choice(CLOSINGS)
        )
        if rng.random() < 0.3:
            text = search_key(text)  # typed without accents
        unit = _units(city, category, ward_org)
        if rng.random() < 0.05:  # transferred: the final unit is another ward
            unit = rng.choice(city["wards"])[1]
        reports.append(
            Report(
                code=f"PA-T-{seed}-{i:05d}",
                category=city["cats"][category],
                description=text[0].upper() + text[1:],
                unit=unit,
                ward=ward,
                province_code="79",
                lon=ward.centre_lon + rng.gauss(0, 0.002),
                lat=ward.centre_lat + rng.gauss(0, 0.002),
                channel=rng.choice([Channel.WEB, Channel.APP, Channel.HOTLINE]),
                status=status,
                **extra,
            )
        )
    return Report.objects.bulk_create(reports)


def _train(**options) -> str:
    out = io.StringIO()
    call_command("train-routing", stdout=out, **options)
    return out.getvalue()


# --- Pure helpers ---------------------------------------------------------------------------------


def test_normalize_segments_lowercases_and_keeps_accent_free_forms():
    segmented = sg.normalize("Đường  Lê Lợi bị NGẬP nước sau mưa!")
    assert segmented == segmented.lower()
    assert "lê_lợi" in segmented.split()
    assert "!" not in segmented
    features = sg.word_features(segmented)
    assert "lê_lợi" in features and "le_loi" in features
    assert any(" " in f for f in features)  # bigrams
    assert sg.plain("Ngập NƯỚC, đường") == "ngap nuoc, duong"
    assert sg.normalize("") == ""


def test_location_tokens():
    assert sg.location_tokens(None, None, None, None) == "any"
    tokens = sg.location_tokens(106.694, 10.7713, "26743", "79").split()
    assert {"p:79", "w:26743"} <= set(tokens)
    assert sum(t.startswith("g") for t in tokens) == 2
    assert len(sg.location_tokens(float("nan"), 10.0, None, None).split()) == 1


def test_segment_cache_is_used():
    cache: dict[bytes, str] = {}
    first = sg.normalize_many(["Ổ gà lớn", "Ổ gà lớn", "đèn hỏng"], cache=cache)
    assert first[0] == first[1] and len(cache) == 2
    cache[next(iter(cache))] = "from cache"
    assert sg.normalize_many(["Ổ gà lớn"], cache=cache) == ["from cache"]


# --- Without a model ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_suggest_without_model_is_unavailable():
    result = sg.suggest("đường bị ngập", None, None, None)
    assert result.available is False
    assert result.categories == [] and result.units == [] and result.model_trained_at is None


@pytest.mark.django_db
def test_unreadable_model_is_unavailable_not_an_error(_model_dir):
    path = sg.model_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a joblib file")
    assert sg.suggest("đường bị ngập", None, None, None).available is False


# --- Training and suggesting ----------------------------------------------------------------------


def test_too_few_reports_exits_2(city):
    make_reports(city, 10)
    with pytest.raises(CommandError) as exc:
        _train()
    assert exc.value.returncode == 2
    assert "10" in str(exc.value) and "50" in str(exc.value)
    assert not sg.model_path().exists()


def test_a_single_category_exits_2(city):
    reports = make_reports(city, 12)
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(category=city["cats"]["waste"])
    with translation.override("en"), pytest.raises(CommandError) as exc:
        _train(min_samples=5)
    assert exc.value.returncode == 2
    assert "category" in str(exc.value)


def test_bad_test_size_exits_2(city):
    with pytest.raises(CommandError) as exc:
        _train(test_size=1.5)
    assert exc.value.returncode == 2


def test_only_finished_reports_without_spam_or_duplicates_are_learned_from(city):
    closed = make_reports(city, 5, seed=1)
    make_reports(city, 3, seed=2, status=Status.RESOLVED)
    make_reports(city, 2, seed=3, status=Status.REJECTED, reject_reason=RejectReason.OUT_OF_SCOPE)
    make_reports(city, 4, seed=4, status=Status.REJECTED, reject_reason=RejectReason.SPAM)
    make_reports(city, 4, seed=5, status=Status.REJECTED, reject_reason=RejectReason.DUPLICATE)
    make_reports(city, 4, seed=6, status=Status.IN_PROGRESS)
    make_reports(city, 2, seed=8, duplicate_of=closed[0])
    assert sg.training_queryset().count() == 5 + 3 + 2
    samples = sg.training_samples()
    assert {s.province_code for s in samples} == {"79"}
    assert all(s.ward_code and s.created_at for s in samples)


def test_train_measure_and_suggest(city, personas):
    make_reports(city, 400)
    output = _train()

    # The printed table: both targets, the baselines, and where the model went.
    assert "độ chính xác" in output and "lớp phổ biến" in output and "quy tắc" in output
    assert "\nlĩnh vực " in output and "\nđơn vị " in output
    assert "giữ lại để kiểm tra" in output and "phân tầng" in output
    path = sg.model_path()
    assert str(path) in output and path.exists()
    assert path.with_name("routing-segments.joblib").exists()

    metadata = joblib.load(path)["metadata"]
    metrics = metadata["metrics"]
    assert metadata["n_samples"] == 400 and metrics["n_test"] == 80
    assert {"scikit-learn", "underthesea", "numpy"} <= set(metadata["versions"])
    cat, unit = metrics["category"], metrics["unit"]
    assert cat["accuracy"] >= cat["majority_accuracy"] + 0.4
    assert cat["accuracy"] >= 0.9 and cat["top3"] >= cat["accuracy"]
    assert unit["accuracy"] >= unit["majority_accuracy"] + 0.3
    assert unit["rules_accuracy"] is not None and 0.8 <= unit["rules_accuracy"] <= 1

    # A new report typed without accents, placed in Bến Thành by its coordinates only.
    ben_thanh = personas.ward.admin_unit
    result = sg.suggest("duong bi ngap sau mua", ben_thanh.centre_lon, ben_thanh.centre_lat, None)
    assert result.available and result.model_trained_at is not None
    assert result.categories[0].code == "flooding"
    assert result.categories[0].name == "Ngập nước"
    assert result.categories[0].confidence > result.categories[1].confidence
    assert len(result.categories) == 3 and len(result.units) == 3
    assert result.units[0].code == "79.CTTN"
    for choice in result.categories + result.units:
        assert 0 <= choice.confidence <= 1
    assert sum(c.confidence for c in result.categories) <= 1 + 1e-6

    # Ward-handled category: the place decides the unit.
    result = sg.suggest("Rác thải đổ bừa bãi trên vỉa hè", None, None, "26740", k=1)
    assert [c.code for c in result.categories] == ["waste"]
    assert [u.code for u in result.units] == ["26740"]

    # A unit deactivated since training is no longer suggested.
    Organisation.objects.filter(code="79.CTTN").update(is_active=False)
    result = sg.suggest("duong bi ngap sau mua", None, None, "26743")
    assert "79.CTTN" not in [u.code for u in result.units]


def test_model_is_cached_and_reloaded_when_the_file_changes(city):
    make_reports(city, 120)
    _train(jobs=1)
    first = sg.load_bundle()
    assert first is not None and sg.load_bundle() is first
    stat = sg.model_path().stat()
    os.utime(sg.model_path(), ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = sg.load_bundle()
    assert second is not None and second is not first
    sg.model_path().unlink()
    assert sg.load_bundle() is None
    assert sg.suggest("ổ gà", None, None, None).available is False
