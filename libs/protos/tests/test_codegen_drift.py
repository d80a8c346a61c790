"""The committed stubs and docs/events.md must be exactly what proto/ generates."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_generated_code_matches_proto():
    spec = importlib.util.spec_from_file_location("gen_protos", REPO / "scripts" / "gen_protos.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.check() == [], "run `make proto` and commit the result"
