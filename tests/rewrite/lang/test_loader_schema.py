"""rules/schema.json: a valid JSON Schema that accepts the shipped and fixture rule files and rejects
what the loader rejects for structure (unknown keys, missing required keys, wrong types)."""
import importlib.resources
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from rewrite.lang.loader import TOP_KEYS
from rewrite.lang.rule_builder import EXAMPLE_KEYS, RULE_KEYS

SCHEMA = json.loads(importlib.resources.files("rules").joinpath("schema.json").read_text())
DATA = Path(__file__).parents[1] / "data"
RULES = Path(importlib.resources.files("rules").joinpath("schema.json")).parent


def documents():
    files = sorted(DATA.glob("*.yaml")) + sorted(RULES.glob("*.yaml"))
    return [(f.name, yaml.safe_load(f.read_text())) for f in files]


BAD = [
    {"rules": [{"id": "a", "pattern": "neg(x)"}]},                          # no replacement
    {"rules": [{"id": "a", "pattern": "neg(x)", "replacement": "x", "replacment": "x"}]},
    {"rule": []},
    {"rules": [{"id": "a", "pattern": "neg(x)", "replacement": "x", "priority": "high"}]},
    {"rules": [{"id": "a", "pattern": "neg(x)", "replacement": "x",
                "examples": [{"before": "neg(t)"}]}]},
]


def test_schema_keys_match_the_loader():
    assert set(SCHEMA["properties"]) == set(TOP_KEYS)
    assert set(SCHEMA["$defs"]["rule"]["properties"]) == set(RULE_KEYS)
    assert set(SCHEMA["$defs"]["example"]["properties"]) == set(EXAMPLE_KEYS)
    assert SCHEMA["$defs"]["rule"]["required"] == ["id", "pattern", "replacement"]


def _validator():
    try:
        import jsonschema
    except ImportError:
        return None
    return jsonschema


def test_schema_validates_shipped_and_fixture_files():
    jsonschema = _validator()
    docs = documents()
    if jsonschema is not None:
        jsonschema.Draft202012Validator.check_schema(SCHEMA)
        for name, doc in docs:
            jsonschema.validate(doc, SCHEMA)
        for doc in BAD:
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(doc, SCHEMA)
        return
    # jsonschema is not a dependency of the project's venv; use a system python that has it
    python = shutil.which("python3")
    script = ("import json, sys, jsonschema\n"
              "schema, docs, bad = json.load(sys.stdin)\n"
              "jsonschema.Draft202012Validator.check_schema(schema)\n"
              "[jsonschema.validate(d, schema) for d in docs]\n"
              "v = jsonschema.Draft202012Validator(schema)\n"
              "print(sum(1 for d in bad if not v.is_valid(d)))\n")
    if python is None or subprocess.run([python, "-c", "import jsonschema"],
                                        capture_output=True).returncode != 0:
        pytest.skip("jsonschema is not installed (neither in this venv nor in a system python3); "
                    "the schema's structure is still checked by test_schema_keys_match_the_loader")
    payload = json.dumps([SCHEMA, [d for _, d in docs], BAD])
    out = subprocess.run([python, "-c", script], input=payload, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(len(BAD))


def test_schema_names_exactly_the_known_assumptions():
    from rewrite.lang.assumptions import ASSUMPTIONS, SHORTHANDS
    assert set(SCHEMA["$defs"]["assumption"]["enum"]) == set(ASSUMPTIONS) | set(SHORTHANDS)
