"""A system administrator refused a working page is told why and where to give the account a role."""

from __future__ import annotations

import pytest

from citydesk.core.models import Membership, User

pytestmark = pytest.mark.django_db
HINT = 'data-testid="admin-without-role"'


# (The rating statistics are not among them: an administrator reads them, by unit, to check an import.)
@pytest.mark.parametrize("path", ["/dieu-hanh/", "/mot-cua/", "/xu-ly/", "/mot-cua/chien-dich/"])
def test_administrator_without_a_working_role_is_told_why(client, personas, path):
    client.force_login(personas.admin)
    response = client.get(path)
    assert response.status_code == 403
    html = response.content.decode()
    assert HINT in html and f"/quan-tri/core/user/{personas.admin.pk}/change/" in html
    # It holds the administrator's role at its unit: the hint says it lacks a *working* role, not any role.
    assert "chưa có vai trò nghiệp vụ" in html and "chưa có vai trò ở đơn vị nào" not in html


def test_superuser_without_any_membership_gets_the_hint(client, personas):
    root = User.objects.create_superuser("root", "root@example.vn", "x-long-password-1")
    client.force_login(root)
    response = client.get("/dieu-hanh/")
    assert response.status_code == 403 and HINT in response.content.decode()


def test_administrator_with_a_working_role_is_not_told_to_get_one(client, personas):
    Membership.objects.create(user=personas.admin, organisation=personas.ward, role="officer")
    client.force_login(personas.admin)
    response = client.get("/dieu-hanh/")
    assert response.status_code == 403 and HINT not in response.content.decode()


@pytest.mark.parametrize("role", ["officer", "citizen", "outsider"])
def test_others_refused_get_no_administrator_hint(client, personas, role):
    client.force_login(personas.all_roles()[role])
    response = client.get("/dieu-hanh/")
    assert response.status_code == 403 and HINT not in response.content.decode()
