"""/healthz and the task queue: a stopped worker must show somewhere before citizens notice missing SMS."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from citydesk.notifications.tasks import deliver_outbox

pytestmark = pytest.mark.django_db


def _wait(minutes: int) -> None:
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=minutes))


def test_an_empty_queue_is_ok(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["worker"] == "ok"
    assert body["tasks_waiting"] == 0


def test_a_task_waiting_longer_than_the_limit_makes_it_degraded_but_still_200(client, settings):
    settings.CITYDESK_HEALTH_TASKS_LATE_MINUTES = 15
    deliver_outbox.enqueue()
    _wait(10)
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["tasks_waiting"] == 1
    assert 590 <= r.json()["oldest_task_wait_s"] <= 610

    _wait(16)
    r = client.get("/healthz")
    assert r.status_code == 200  # the web answers: a load balancer keeps the site in rotation
    body = r.json()
    assert body["status"] == "degraded" and body["worker"] == "late"
    assert "db_worker" in body["detail"] and "16" in body["detail"]


def test_a_task_scheduled_for_later_is_not_late(client):
    deliver_outbox.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    _wait(120)  # enqueued long ago, but not due yet
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["tasks_waiting"] == 0


def test_a_scheduled_task_waits_from_its_due_time(client):
    deliver_outbox.using(run_after=timezone.now() - timedelta(minutes=30)).enqueue()
    body = client.get("/healthz").json()
    assert body["worker"] == "late" and body["oldest_task_wait_s"] >= 30 * 60


def test_finished_tasks_do_not_count(client):
    deliver_outbox.enqueue()
    _wait(60)
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert client.get("/healthz").json()["status"] == "ok"


def test_another_tasks_backend_is_not_looked_at(client, settings):
    deliver_outbox.enqueue()
    _wait(60)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and "worker" not in body
