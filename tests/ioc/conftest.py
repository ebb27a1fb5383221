from tests.reports.conftest import categories  # noqa: F401  (the fixture, shared with the 1022 tests)
