"""A bounded schemathesis run against the service's own OpenAPI schema: every
request it generates, valid or not, gets an answer the schema documents and
never a server error."""

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from test_service import Service  # noqa: E402

from reprints import ScanParams  # noqa: E402
from reprints.service import create_app  # noqa: E402
from reprints.store import Store  # noqa: E402


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The schema of a served lexical store on loopback."""
    store = Store(tmp_path_factory.mktemp("fuzz") / "f.db", ScanParams(semantic=False))
    svc = Service(create_app(store, max_body=64 * 1024, max_text=20_000, max_batch=5, body_timeout=5))
    yield schemathesis.openapi.from_url(f"http://127.0.0.1:{svc.port}/openapi.json")
    svc.stop()
    store.close()


def test_every_generated_request_gets_a_documented_answer(api):
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def check(case):
            case.call_and_validate()

        check()
