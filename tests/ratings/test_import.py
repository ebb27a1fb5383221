"""Import of historical counts: .csv and .xlsx, all or nothing with row-level errors, idempotent, audited;
the command line; who may import."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citydesk.core.audit import Actor
from citydesk.core.errors import NotAllowed
from citydesk.core.models import AuditEntry
from citydesk.ratings.models import RatingMonth
from citydesk.ratings.services import ImportRejected, ratings_import
from tests.ratings.conftest import SEED_KIOSK, SEED_WEB

pytestmark = pytest.mark.django_db

HEADER = ["month", "unit", "channel", "satisfied", "normal", "unsatisfied", "officer", "procedure"]


def split(total: int, parts: int) -> list[int]:
    share, rest = divmod(total, parts)
    return [share + (1 if i < rest else 0) for i in range(parts)]


def seed_rows() -> list[list[object]]:
    """Seed 004's 2019 desk and web ratings, spread over 12 months and two wards (desk: by officer)."""
    rows: list[list[object]] = []
    # Desk ratings are credited to each ward's own officers (an import refuses another unit's officer).
    desk = {"26743": ["officer", "deputy"], "26740": ["outsider", "other_head"]}
    for channel, counts, officers in (("kiosk", SEED_KIOSK, desk), ("web", SEED_WEB, None)):
        cells = [
            (m, unit, officer)
            for m in range(1, 13)
            for unit in ("26743", "26740")
            for officer in (officers[unit] if officers else [""])
        ]
        columns = [split(c, len(cells)) for c in counts]
        for i, (month, unit, officer) in enumerate(cells):
            procedure = "1.001193" if channel == "web" else ""
            rows.append(
                [
                    f"2019-{month:02d}",
                    unit,
                    channel,
                    columns[0][i],
                    columns[1][i],
                    columns[2][i],
                    officer,
                    procedure,
                ]
            )
    return rows


def write_csv(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def totals(channel: str) -> tuple[int, int, int]:
    rows = RatingMonth.objects.filter(channel=channel)
    return (
        sum(r.satisfied for r in rows),
        sum(r.normal for r in rows),
        sum(r.unsatisfied for r in rows),
    )


def test_import_csv_seed_counts_and_audit(personas, procedures, tmp_path):
    path = write_csv(tmp_path / "2019.csv", seed_rows())
    result = ratings_import(user=personas.admin, file=path)
    assert result.rows == 72 and result.total == 381_922 + 16_609
    assert totals("kiosk") == SEED_KIOSK and totals("web") == SEED_WEB
    assert RatingMonth.objects.filter(imported=False).count() == 0
    assert set(RatingMonth.objects.filter(channel="kiosk").values_list("officer_id", flat=True)) == {
        personas.officer.pk,
        personas.deputy.pk,
        personas.outsider.pk,
        personas.other_head.pk,
    }
    entry = AuditEntry.objects.get(action="ratings.import")
    assert entry.actor_id == personas.admin.pk and entry.after["rows"] == 72
    # The same file again replaces its counts: nothing doubles.
    ratings_import(user=personas.admin, file=path)
    assert totals("kiosk") == SEED_KIOSK and RatingMonth.objects.count() == 72


def test_import_xlsx_with_vietnamese_headers(personas, procedures):
    header = ["Tháng", "Mã đơn vị", "Kênh", "Hài lòng", "Bình thường", "Không hài lòng"]
    data = xlsx_bytes(
        [["2019-12", 26743, "Tại quầy", 10, 2, 1], ["12/2019", "26740", "web", "1.234", 0, 0]], header
    )
    result = ratings_import(user=personas.leader, file=io.BytesIO(data), filename="lich-su.xlsx")
    assert result.rows == 2 and result.satisfied == 1_244
    assert RatingMonth.objects.get(unit=personas.ward).channel == "kiosk"


def test_import_is_all_or_nothing_with_row_errors(personas, procedures, tmp_path):
    rows = [
        *seed_rows()[:3],
        ["2019-13", "26743", "kiosk", 1, 0, 0, "", ""],  # line 5
        ["2019-05", "00000", "fax", -1, "a few", 0, "nobody", "9.999"],  # line 6
        ["2019-01", "26743", "kiosk", 1, 1, 1, "officer", ""],  # line 7: line 2's key again
        ["2099-01", "26743", "web", 1, 0, 0, "", ""],  # line 8: future
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportRejected) as rejected:
        ratings_import(user=personas.admin, file=path)
    errors = {(e.row, e.column) for e in rejected.value.errors}
    assert errors == {
        (5, "month"),
        (6, "channel"),
        (6, "satisfied"),
        (6, "normal"),
        (6, "unit"),
        (6, "officer"),
        (6, "procedure"),
        (7, "month"),
        (8, "month"),
    }
    assert rejected.value.status == 400 and rejected.value.field == "file"
    assert (
        not RatingMonth.objects.exists() and not AuditEntry.objects.filter(action="ratings.import").exists()
    )


def test_import_refuses_a_header_without_required_columns(personas, tmp_path):
    path = write_csv(tmp_path / "x.csv", [["2019-01", "26743", 1]], header=["month", "unit", "satisfied"])
    with pytest.raises(ImportRejected) as rejected:
        ratings_import(user=personas.admin, file=path)
    assert {e.column for e in rejected.value.errors} == {"channel", "normal", "unsatisfied"}
    assert all(e.row == 1 for e in rejected.value.errors)


@pytest.mark.parametrize(
    "role", ["operator", "officer", "deputy", "head", "inspector", "citizen", "outsider"]
)
def test_only_admins_and_leaders_import(personas, role):
    with pytest.raises(NotAllowed):
        ratings_import(user=personas.all_roles()[role], rows=[dict(zip(HEADER, seed_rows()[0], strict=True))])
    assert not RatingMonth.objects.exists()


def test_command_imports_and_fails_clearly(personas, procedures, tmp_path):
    out = io.StringIO()
    call_command("import-ratings", str(write_csv(tmp_path / "ok.csv", seed_rows())), stdout=out)
    assert "72" in out.getvalue() and "398.531" in out.getvalue()  # numbers grouped the Vietnamese way
    bad = write_csv(tmp_path / "bad.csv", [["2019-01", "26743", "kiosk", "x", 0, 0, "", ""]])
    with pytest.raises(CommandError) as failed:
        call_command("import-ratings", str(bad))
    assert failed.value.returncode == 2 and "dòng 2, satisfied" in str(failed.value)
    with pytest.raises(CommandError) as missing:
        call_command("import-ratings", str(tmp_path / "none.csv"))
    assert missing.value.returncode == 2
    assert AuditEntry.objects.get(action="ratings.import").actor_label.startswith("cli:")


def test_rows_api_with_actor(personas):
    result = ratings_import(
        actor=Actor.system("test"),
        rows=[
            {
                "month": "2020-01",
                "unit": "26743",
                "channel": "app",
                "satisfied": 3,
                "normal": 0,
                "unsatisfied": 0,
            }
        ],
    )
    assert result.rows == 1 and RatingMonth.objects.get().imported


def test_a_broken_workbook_is_refused_in_plain_words(personas, tmp_path):
    from citydesk.core.errors import DomainError

    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a workbook")
    with pytest.raises((CommandError, DomainError)) as failed:
        call_command("import-ratings", str(fake))
    message = str(getattr(failed.value, "message", failed.value))
    assert "zip" not in message.lower() and "Excel" in message
    assert not RatingMonth.objects.exists()
