"""schemathesis against the app in process, a few examples per operation, on every test run.

The CI step (.ci/schemathesis.sh) fuzzes a real ``claimcheck serve`` with more
examples; this keeps the same checks (and the same exceptions, from
.ci/schemathesis.toml) in the ordinary suite, so a handler that answers 500 or
off-schema fails here first.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from claimcheck.api import create_app
from claimcheck.config import Settings
from claimcheck.store.keys import create_key
from tests.conftest import MINI_LEXICON, ROOT

CONFIG = ROOT / ".ci" / "schemathesis.toml"
SAMPLE = json.loads((ROOT / "data" / "products" / "sample_store.json").read_text(encoding="utf-8"))

# The schema is read from the app at collection (no start-up needed for that); the app
# starts on the first call. schemathesis's lazy fixture loader does not run on pytest 9.
BASE = Path(tempfile.mkdtemp(prefix="claimcheck-fuzz-"))
atexit.register(shutil.rmtree, BASE, True)
SETTINGS = Settings(
    database_url=f"sqlite:///{BASE / 'fuzz.db'}",
    report_dir=BASE / "reports",
    lexicon_dir=MINI_LEXICON,
    detectors=["lexicon"],
    **{name: BASE / name for name in ("ledger_key_file", "ledger_checkpoint_file") if name in Settings.model_fields},
)
APP = create_app(SETTINGS)
schema = schemathesis.openapi.from_dict(APP.openapi(), config=SchemathesisConfig.from_path(CONFIG))
schema.app = APP
schema.location = "/openapi.json"
schema.config.phases.coverage.enabled = False  # computed at collection (40 s); the CI step runs it
# Valid requests only: they reach the handlers (where a 500 hides); the CI step also sends invalid ones.
schema.config.generation.modes = [GenerationMode.POSITIVE]


@pytest.fixture(scope="module")
def api_key() -> str:
    """A read+write key, the sample products and one screening (an entry to read and decide on)."""
    key = create_key(SETTINGS.database_url, "schemathesis")
    with TestClient(APP) as client:
        assert client.post("/v1/products", json=SAMPLE, headers={"X-API-Key": key}).status_code == 200
        res = client.post("/v1/screen", json={"script": "全网最低价", "sku": "CC-APP-001"}, headers={"X-API-Key": key})
        assert res.status_code == 200
    return key


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, api_key: str) -> None:
    case.call_and_validate(headers={"X-API-Key": api_key})
