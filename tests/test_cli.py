"""The command line: results on stdout or in a file, and one line plus exit 2 for every bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap

import pytest

import analyzer
from analyzer.cli import main

USER_MODELS = textwrap.dedent("""
    import torch
    from torch import nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.head = nn.Linear(4, 2)

        def forward(self, x):
            return self.head(self.conv(x).mean((2, 3)))

    class Fails(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 4, 3), Explodes())

        def forward(self, x):
            return self.body(x)

    class Explodes(nn.Module):
        def forward(self, x):
            raise ValueError("this layer is broken")

    def make_tiny():
        return Tiny()

    not_a_model = 42

    def returns_a_string():
        return "model"
""")


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "user_models.py"
    path.write_text(USER_MODELS)
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def error_line(capsys, *argv) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_list_json_carries_the_metadata(capsys):
    code, out, _ = run(capsys, "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == analyzer.names()
    vgg = next(r for r in rows if r["name"] == "vgg16")
    assert vgg["year"] == 2014 and vgg["input_shape"] == [3, 224, 224] and vgg["paper"] == "arXiv:1409.1556"
    assert {"family", "title"} <= set(vgg)


def test_profile_json_to_stdout(capsys):
    code, out, _ = run(capsys, "profile", "alexnet", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["totals"]["params"] == 60_965_224 and report["input_shape"] == [1, 3, 227, 227]


def test_profile_csv_has_one_row_per_layer(capsys):
    _, out, _ = run(capsys, "profile", "lenet5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(analyzer.profile("lenet5").layers)
    assert sum(int(r["params"]) for r in rows) == 60_000


def test_profile_text_and_markdown_name_every_layer(capsys):
    layers = [r.name for r in analyzer.profile("squeezenet1_1", depth=1).layers]
    for fmt in ("text", "markdown"):
        _, out, _ = run(capsys, "profile", "squeezenet1_1", "--depth", "1", "--format", fmt)
        assert all(name in out for name in layers if name)
        assert "1,235,496" in out


def test_profile_writes_the_output_file_whole(capsys, tmp_path):
    target = tmp_path / "vgg.json"
    code, out, _ = run(capsys, "profile", "vgg11", "--format", "json", "--output", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["totals"]["macs"] == 7_609_090_048
    assert [p.name for p in tmp_path.iterdir()] == ["vgg.json"]


def test_user_models_by_file_and_by_function(capsys, user_file):
    for ref in (f"{user_file}:Tiny", f"{user_file}:make_tiny"):
        code, out, _ = run(capsys, "profile", ref, "--input-size", "3,8,8", "--format", "json")
        assert code == 0 and json.loads(out)["totals"]["macs"] == 36 * 4 * 27 + 8


def test_user_model_by_module_path(capsys, user_file, monkeypatch):
    monkeypatch.syspath_prepend(str(user_file.parent))
    code, out, _ = run(capsys, "profile", "user_models:Tiny", "--input-size", "3,8,8", "--format", "json")
    assert code == 0 and json.loads(out)["model"] == "Tiny"


@pytest.mark.parametrize("argv,expected", [
    (["profile", "resnet5"], "did you mean resnet50"),
    (["profile", "vgg16", "--input-size", "3,x,224"], "malformed input size"),
    (["profile", "vgg16", "--input-size", "3,0,224"], "positive"),
    (["profile", "vgg16", "--input-size", "3,16,16"], "spatial size reaches zero at layer features."),
    (["profile", "vgg16", "--batch-size", "0"], "positive integer"),
    (["profile", "vgg16", "--format", "xml"], "invalid choice: 'xml'"),
    (["profile", "vgg16", "--output", "/nonexistent-dir/out.json"], "does not exist"),
    (["profile", "vgg16", "--device", "cuda"], "needs a CUDA GPU"),
    (["profile", "no_such_module_xyz:Net", "--input-size", "3,8,8"], "cannot import no_such_module_xyz"),
])
def test_bad_input_gets_one_line_and_exit_2(capsys, argv, expected):
    if "cuda" in argv:
        import torch

        if torch.cuda.is_available():
            pytest.skip("a GPU is present")
    assert expected in error_line(capsys, *argv)


@pytest.mark.parametrize("attr,expected", [
    ("not_a_model", "not an nn.Module"),
    ("returns_a_string", "returned a str"),
    ("missing", "has no attribute 'missing'"),
    ("Fails", "failed at layer body.1 (Explodes): this layer is broken"),
])
def test_bad_user_models_get_one_line(capsys, user_file, attr, expected):
    assert expected in error_line(capsys, "profile", f"{user_file}:{attr}", "--input-size", "3,8,8")


def test_user_model_needs_an_input_size(capsys, user_file):
    assert "needs an input size" in error_line(capsys, "profile", f"{user_file}:Tiny")


def test_a_real_process_prints_no_traceback():
    result = subprocess.run([sys.executable, "-m", "analyzer", "profile", "vgg16", "--input-size", "3,8,8"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_written_files_get_the_usual_permissions(capsys, tmp_path):
    import os

    target = tmp_path / "lenet.csv"
    run(capsys, "profile", "lenet5", "--format", "csv", "--output", str(target))
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
