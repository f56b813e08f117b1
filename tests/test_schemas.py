"""The published JSON Schemas: the files the analyzer writes fit them, broken ones do not, and the
schemas' enumerations are the code's own constants."""

from __future__ import annotations

import copy
import json

import pytest
import torch
from torch import nn

import analyzer
from analyzer.bench.results import DEVICES, DTYPE_NAMES
from analyzer.cli import main
from analyzer.paths import ROOT, RUNTIME_DIR, SCHEMAS
from analyzer.schemas import NAMES, schema, validate
from analyzer.static.records import DEVICES as PROFILE_DEVICES
from analyzer.static.records import OP_CLASSES


class _TwoInputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(10, 4)

    def forward(self, image: torch.Tensor, vector: torch.Tensor) -> torch.Tensor:
        return self.conv(image).mean((2, 3)) + self.fc(vector)


def test_every_schema_is_a_valid_draft_2020_12_schema():
    import jsonschema

    assert sorted(p.name for p in SCHEMAS.glob("*.schema.json")) == sorted(f"{n}.schema.json" for n in NAMES)
    for name in NAMES:
        jsonschema.Draft202012Validator.check_schema(schema(name))


@pytest.mark.parametrize("name, depth", [("resnet50", 1), ("googlenet", None), ("ciresan_mlp", 2)])
def test_profile_json_fits_its_schema(name, depth, capsys):
    assert main(["profile", name, "--format", "json", *(["--depth", str(depth)] if depth else [])]) == 0
    assert validate(json.loads(capsys.readouterr().out), "profile") == []


def test_a_model_with_two_inputs_and_no_receptive_field_fits_too():
    data = analyzer.profile(_TwoInputs(), input_size="3,8,8;10").to_dict()
    assert len(data["input_shape"]) == 2
    assert validate(data, "profile") == []


def test_a_broken_profile_is_refused_with_the_place_named():
    data = analyzer.profile("lenet5").to_dict()
    broken = copy.deepcopy(data)
    broken["totals"]["macs"] = -1
    broken["layers"][0]["flops_by_class"]["convolution"] = 3
    del broken["device"]
    problems = validate(broken, "profile")
    assert any(p.startswith("$: 'device' is a required property") for p in problems)
    assert any(p.startswith("$.totals.macs: -1 is less than the minimum") for p in problems)
    assert any("'convolution' is not one of" in p for p in problems)


def test_committed_runtime_files_fit_their_schema():
    for path in sorted((ROOT / RUNTIME_DIR).glob("*.json")):
        assert validate(json.loads(path.read_text()), "runtime") == [], path


def test_the_schemas_enumerate_the_codes_constants():
    profile, runtime = schema("profile"), schema("runtime")
    assert profile["properties"]["device"]["enum"] == list(PROFILE_DEVICES)
    assert profile["$defs"]["totals"]["properties"]["flops_by_class"]["propertyNames"]["enum"] == list(OP_CLASSES)
    assert runtime["properties"]["device"]["properties"]["kind"]["enum"] == list(DEVICES)
    assert runtime["properties"]["device"]["properties"]["dtype"]["enum"] == list(DTYPE_NAMES)
