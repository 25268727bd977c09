"""The published JSON Schema is the generated one and accepts real output."""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
import snapshot_factory as f

from crawler.snapshot import SCHEMA_PATH, dump_snapshot_json, json_schema, schema_text, write_run_outputs


def test_checked_in_schema_is_the_generated_one():
    """crawler/schema/snapshot.schema.json equals json_schema() (UPDATE_GOLDEN=1 regenerates it)."""
    if os.environ.get("UPDATE_GOLDEN") == "1":
        SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), "regenerate with UPDATE_GOLDEN=1"
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_real_output_validates(tmp_path):
    """latest.json and each dated snapshot written by three runs validate against the published schema."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    previous = None
    for snap in f.three_runs():
        write_run_outputs(snap, previous=previous, history=[], registry_text=f.REGISTRY_YAML_BLOCK, out_dir=tmp_path)
        previous = snap
    files = [tmp_path / "latest.json", *sorted((tmp_path / "snapshots").glob("*.json"))]
    assert len(files) == 4
    for path in files:
        validator.validate(json.loads(path.read_text(encoding="utf-8")))


def test_schema_rejects_what_the_model_rejects():
    """An unknown status or an extra key fails validation, as it fails in the model."""
    validator = jsonschema.Draft202012Validator(json_schema())
    data = json.loads(dump_snapshot_json(f.snapshot(1)))
    data["entries"][0]["links"][0]["result"]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
    data = json.loads(dump_snapshot_json(f.snapshot(1)))
    data["surprise"] = True
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
