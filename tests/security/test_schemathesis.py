"""Fuzzing: schemathesis generates requests from the running app's own OpenAPI document (valid and
invalid ones) and sends them over HTTP to the secure Serve app. Every response must conform to the
document (status, content type, headers, body schema), none may be a 5xx, and every error must be
problem+json. Bounded: a fixed number of derandomized examples per operation and mode, and a time
budget after which the remaining examples are not sent (``VOXRAY_FUZZ_EXAMPLES``,
``VOXRAY_FUZZ_BUDGET_S`` and ``VOXRAY_FUZZ_RANDOM=1`` for longer hunts).
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.conftest import SecureApp
from tests.security.conftest import PROBLEM, key_headers

pytestmark = pytest.mark.ray

EXAMPLES = int(os.environ.get("VOXRAY_FUZZ_EXAMPLES", "60"))
#: wall-clock budget of one operation and mode (seconds): 18 of them, well under 150 s in all
BUDGET_S = float(os.environ.get("VOXRAY_FUZZ_BUDGET_S", "8"))
#: ``VOXRAY_FUZZ_RANDOM=1`` explores new inputs on every run (hunting); the default replays the same ones
DERANDOMIZE = not os.environ.get("VOXRAY_FUZZ_RANDOM")

OPERATIONS = [
    ("POST", "/v1/audio/speech"),
    ("POST", "/v1/speech"),
    ("GET", "/v1/voices"),
    ("GET", "/v1/models"),
    ("GET", "/v1/me"),
    ("GET", "/v1/batches"),
    ("GET", "/v1/batches/manifest"),
    ("GET", "/v1/batches/file"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
]


#: Schema-valid requests may still be refused with a documented 400 for what a JSON schema cannot say
#: (an avatar the served models lack, a VoiceModel not served, text with nothing speakable, a language
#: without dialect or avatar) and 413 for text over the deployment's limit; any other 4xx for
#: schema-valid data is a finding. A body over the size limit is refused with 413 before it is parsed:
#: that is a rejection of invalid data too. (5xx stay in the defaults: ``not_a_server_error`` and the
#: test's own assertion catch them.)
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "413", "429", "5xx"]

[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
"""


@pytest.fixture(scope="module")
def api(secure_app: SecureApp) -> Any:
    """The schema as the running app serves it (it needs a key, like every document but the probes)."""
    return schemathesis.openapi.from_url(
        f"{secure_app.url}/openapi.json",
        config=schemathesis.Config.from_str(CONFIG),
        headers=key_headers(secure_app, "fuzz"),
        timeout=30,
    )


def test_the_document_lists_every_operation_with_its_security(api: Any) -> None:
    doc = api.raw_schema
    assert doc["servers"] == [{"url": "/secure"}]
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    for method, path in OPERATIONS:
        op = doc["paths"][path][method.lower()]
        protected = not path.endswith(("healthz", "readyz"))
        assert ("security" in op) == protected, path
        if protected:
            for status in ("401", "413", "429"):
                assert status in op["responses"], (path, status)


CASES = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # the probes take no input at all: nothing to make invalid
    if not (mode == GenerationMode.NEGATIVE and path in ("/healthz", "/readyz"))
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {g}" for m, p, g in CASES])
def test_fuzz(api: Any, secure_app: SecureApp, method: str, path: str, mode: GenerationMode) -> None:
    operation = api[path][method]
    headers = key_headers(secure_app, "fuzz")
    started = time.monotonic()
    sent: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if time.monotonic() - started > BUDGET_S:
            return
        response = case.call_and_validate(base_url=secure_app.url, headers=headers, timeout=60)
        sent.append(response.status_code)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith(PROBLEM), (
                response.status_code,
                response.headers,
            )

    run()
    assert sent, "no request was sent"
