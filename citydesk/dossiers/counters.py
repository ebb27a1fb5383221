"""The counters the dossier services keep (DossierMonth, CampaignTally), rebuilt from the dossiers
table with INSERT … SELECT … GROUP BY (`citydesk rebuild-dossier-counts`, and after a bulk seed), and
the campaigns' backlog baselines computed again.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from citydesk.dossiers.models import Campaign, CampaignBaseline


def _local_month(column: str) -> str:
    """SQL of the first day of the local month of a UTC datetime column."""
    if connection.vendor == "postgresql":
        tz = timezone.get_current_timezone_name()
        return f"(date_trunc('month', {column} AT TIME ZONE '{tz}'))::date"
    offset = timezone.localtime(timezone.now()).utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return f"strftime('%Y-%m-01', {column}, '{seconds:+d} seconds')"


def rebuild_counts() -> dict[str, int]:
    """DossierMonth and CampaignTally from the dossiers table, with INSERT … SELECT … GROUP BY: the
    same counts the services keep (received by the month of receipt; finished, early, on time, late and
    refused by the month of the result)."""
    received, resolved = _local_month("received_at"), _local_month("resolved_at")
    month_sql = f"""
        INSERT INTO dossiers_dossiermonth (month, unit_id, procedure_id, channel, received,
            received_via_one_stop, finished, finished_early, finished_on_time, finished_late, refused)
        SELECT month, unit_id, procedure_id, channel, SUM(r), SUM(o), SUM(f), SUM(e), SUM(t), SUM(l), SUM(x)
        FROM (
            SELECT {received} AS month, unit_id, procedure_id, channel, 1 AS r,
                CASE WHEN via_one_stop THEN 1 ELSE 0 END AS o, 0 AS f, 0 AS e, 0 AS t, 0 AS l, 0 AS x
            FROM dossiers_dossier
            UNION ALL
            SELECT {resolved}, unit_id, procedure_id, channel, 0, 0,
                CASE WHEN punctuality <> '' THEN 1 ELSE 0 END,
                CASE WHEN punctuality = 'early' THEN 1 ELSE 0 END,
                CASE WHEN punctuality = 'on_time' THEN 1 ELSE 0 END,
                CASE WHEN punctuality = 'late' THEN 1 ELSE 0 END,
                CASE WHEN status = 'refused' THEN 1 ELSE 0 END
            FROM dossiers_dossier WHERE resolved_at IS NOT NULL
        ) AS events
        GROUP BY month, unit_id, procedure_id, channel"""
    tally_sql = """
        INSERT INTO dossiers_campaigntally (campaign_id, unit_id, procedure_id, received,
            resolved_same_day, resolved_later, refused)
        SELECT campaign_id, unit_id, procedure_id, COUNT(*),
            SUM(CASE WHEN punctuality <> '' AND same_day AND punctuality <> 'late' THEN 1 ELSE 0 END),
            SUM(CASE WHEN punctuality <> '' AND NOT (same_day AND punctuality <> 'late') THEN 1 ELSE 0 END),
            SUM(CASE WHEN status = 'refused' THEN 1 ELSE 0 END)
        FROM dossiers_dossier WHERE campaign_id IS NOT NULL
        GROUP BY campaign_id, unit_id, procedure_id"""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM dossiers_dossiermonth")
        cursor.execute(month_sql)
        months = cursor.rowcount
        cursor.execute("DELETE FROM dossiers_campaigntally")
        cursor.execute(tally_sql)
        tallies = cursor.rowcount
    return {"months": months, "tallies": tallies}


def refresh_baselines() -> int:
    """Compute again the backlog baselines of every campaign that has started (see stats.backlog)."""
    from citydesk.dossiers import stats

    CampaignBaseline.objects.all().delete()
    count = 0
    now = timezone.now()
    for campaign in Campaign.objects.all():
        start = stats.start_moment(campaign)
        if now < start:
            continue
        ids = [u.pk for u in stats.backlog_units(campaign, None)]
        count += len(stats.campaign_baselines(campaign, ids, start)) if ids else 0
    return count
