"""`analyzer bench`: the JSON against its schema, timings against independent figures, bad input,
Ctrl-C, out-of-memory and a run with nothing but torch and the standard library.

Timings are taken with one thread: the tests share two cores with each other (pytest -n 2), and two
threads per process would make every figure a measure of the contention instead.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

import analyzer
from analyzer.bench import machine, peaks, results, sweep, timing
from analyzer.bench.memory import peak_memory_bytes
from analyzer.bench.settings import Settings, make_settings
from analyzer.cli import main
from analyzer.schemas import validate

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A run of the command on two small models, read back from its file."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        path = tmp_path_factory.mktemp("runtime") / "cpu.json"
        assert main(["bench", "lenet5,ciresan_mlp", "--batch-sizes", "2,1", "--repeats", "3",
                     "--out", str(path)]) == 0
    finally:
        torch.set_num_threads(threads)
    return path


def test_the_file_validates_and_reads_back(written):
    data = json.loads(written.read_text())
    assert validate(data, "runtime") == []
    [result] = results.load_results(written.parent)
    assert result.complete and list(result.models) == ["lenet5", "ciresan_mlp"]
    assert result.device["kind"] == "cpu" and result.device["threads"] == 1
    assert result.settings["batch_sizes"] == [1, 2]
    for name, m in result.models.items():
        assert set(m.latency_ms) == {1, 2}
        # Throughput follows from the median: images per second.
        assert m.throughput[2] == pytest.approx(2 / (m.latency_ms[2]["median"] / 1e3), rel=1e-3)
        p10, median, p90 = (m.latency_ms[1][k] for k in ("p10", "median", "p90"))
        assert p10 <= median <= p90
        # Every counted layer got a row: the rows' MACs add up to the model's (per image, batch 1).
        assert sum(row.macs for row in m.layers.rows) == m.macs == analyzer.profile(name).totals.macs
        assert sum(row.time_share for row in m.layers.rows) == pytest.approx(1, abs=1e-3)
        # The model's roofline bound is the sum of its layers' bounds at the same batch size.
        assert m.roofline[1]["bound_ms"] == pytest.approx(sum(r.bound_ms for r in m.layers.rows), rel=1e-3, abs=1e-3)


def test_the_validator_reports_what_is_wrong(written):
    data = json.loads(written.read_text())
    broken = copy.deepcopy(data)
    del broken["device"]["threads"]
    broken["models"]["lenet5"]["batches"]["1"]["latency_ms"]["median"] = -1.0
    broken["models"]["lenet5"]["batches"]["0"] = broken["models"]["lenet5"]["batches"]["1"]
    broken["models"]["lenet5"]["layers"]["rows"][0]["colour"] = "red"
    problems = validate(broken, "runtime")
    assert any("$.device: 'threads' is a required property" in p for p in problems)
    assert any("latency_ms.median: -1.0 is less than the minimum of 0" in p for p in problems)
    assert any("'0' does not match '^[1-9][0-9]*$'" in p for p in problems)
    assert any("('colour' was unexpected)" in p for p in problems)


def test_load_results_refuses_a_file_that_breaks_the_schema(tmp_path):
    (tmp_path / "cpu-x.json").write_text(json.dumps({"schema": 1}))
    with pytest.raises(ValueError, match="cpu-x.json: not a runtime result"):
        results.load_results(tmp_path)


def test_warm_up_runs_at_least_the_count_and_the_time():
    calls = []

    def run():
        calls.append(time.perf_counter())
        time.sleep(0.01)

    assert timing.warm_up(run, Settings(warmup_runs=3)) == len(calls) == 3
    calls.clear()
    done = timing.warm_up(run, Settings(warmup_runs=1, warmup_seconds=0.08))
    assert done == len(calls) >= 5
    # It stops once the time has passed: the last run started before the 80 ms were up.
    assert calls[-1] - calls[0] < 0.08


def test_cuda_runs_warm_up_for_half_a_second_and_cpu_runs_do_not(monkeypatch):
    def settings(device):
        return make_settings(device, "float32", "1")

    assert settings("cpu").warmup_seconds == 0.0
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert settings("cuda").to_dict()["warmup_seconds"] == 0.5


@pytest.mark.parametrize("text, version", [
    ("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22)\n",
     "580.159.04"),
    ("NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n", "535.104.05"),
    ("something else\n", None),
])
def test_driver_version_from_both_kernel_modules(text, version):
    assert machine.driver_version(text) == version


def test_latency_grows_with_batch_size():
    settings = Settings(batch_sizes=(1, 4, 16), repeats=5)
    times, memory, _, notes = sweep.sweep("squeezenet1_1", settings, lambda batch: None)
    medians = [statistics.median(times[b]) for b in (1, 4, 16)]
    assert medians[0] < medians[1] < medians[2], medians
    # 16 times the work: far more than 4 times the time, whatever the load.
    assert medians[2] > 4 * medians[0], medians
    assert memory[1] is None or memory[1] < memory[16]
    assert not notes


def test_layer_times_add_up_to_the_whole_pass():
    """Rows of hooked passes against unhooked passes, one of each in turn, so that a change in the
    machine's load falls on both; medians over the pairs."""
    settings = Settings(batch_sizes=(1,), repeats=1, warmup_runs=0)
    model, shape = sweep.prepare_model("squeezenet1_1", settings)
    x = sweep.make_input(shape, 1, settings)
    counted = analyzer.profile("squeezenet1_1")
    whole, hooked = [], []
    with torch.inference_mode():
        model(x)
        for _ in range(15):
            whole += timing.latency_runs(model, x, settings)
            types, runs = timing.layer_runs(model, x, settings)
            hooked.append(sweep.breakdown(types, runs, 1, counted, None, 1).total_ms)
    ratio = statistics.median(hooked) / statistics.median(whole)
    assert 0.8 < ratio < 1.2, (hooked, whole)


class Sleeps(nn.Module):
    def __init__(self, ms: float) -> None:
        super().__init__()
        self.ms = ms

    def forward(self, x):
        time.sleep(self.ms / 1e3)
        return x


class Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Sleeps(20)
        self.inner = nn.Sequential(Sleeps(40))

    def forward(self, x):
        time.sleep(0.010)  # the block's own time, outside any child
        return self.inner(self.first(x))


def test_each_module_is_charged_its_own_time_only():
    types, runs = timing.layer_runs(Outer(), torch.zeros(1), Settings(repeats=3))
    assert list(types) == ["", "first", "inner", "inner.0"]
    median = {path: statistics.median(run[path] for run in runs) for path in types}
    # Sleeps last at least as long as asked; a loaded machine may add a few milliseconds. Time
    # charged to the wrong module would be off by 10 to 40 ms.
    for path, ms in {"": 10, "first": 20, "inner.0": 40}.items():
        assert ms <= median[path] < ms + 8, (path, median)
    assert median["inner"] < 5, median


def test_roofline_bound_of_a_linear_layer_by_hand():
    peak = peaks.Peak("test", "by hand", flops_per_s=1e12, bytes_per_s=1e11)
    counted = analyzer.profile(nn.Linear(1024, 1024), input_size=(1024,))
    flops = 2 * 1024 * 1024 + 1024                 # multiply-adds plus the bias
    moved = 4 * (1024 * 1024 + 1024 + 1024 + 1024)  # weight, bias, input, output in float32
    assert sweep.model_bound_ms(counted, peak, 1.0) == pytest.approx(max(flops / 1e12, moved / 1e11) * 1e3)
    # bfloat16 halves the bytes, so the memory bound halves.
    assert sweep.model_bound_ms(counted, peak, 0.5) == pytest.approx(moved / 2 / 1e11 * 1e3)


def test_gpu_table_names_the_h100_and_h200():
    h100 = peaks.datasheet_peak("NVIDIA H100 80GB HBM3", "bfloat16")
    h200 = peaks.datasheet_peak("NVIDIA H200", "bfloat16")
    # Same chip, same compute; the H200 differs in its memory (4.8 against 3.35 TB/s).
    assert h100.flops_per_s == h200.flops_per_s and h200.bytes_per_s / h100.bytes_per_s == pytest.approx(4.8 / 3.35)
    assert peaks.datasheet_peak("NVIDIA H100 80GB HBM3", "float32").flops_per_s < h100.flops_per_s
    assert peaks.datasheet_peak("Some Future GPU", "float32") is None


def test_cpu_peak_memory_sees_a_known_allocation():
    size = 64 * 2**20
    growth = peak_memory_bytes(lambda: torch.ones(size // 4), "cpu")
    if growth is None:
        pytest.skip("this system cannot reset the resident-memory high-water mark")
    # Freed heap pages the allocation reuses were resident already: allow a megabyte either way.
    assert size - 2**20 <= growth < size + 16 * 2**20


class RunsOutOfMemory(nn.Module):
    def forward(self, x):
        if x.shape[0] >= 4:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return x * 2


def test_out_of_memory_ends_the_sweep_with_a_note(monkeypatch):
    monkeypatch.setattr(sweep, "prepare_model", lambda name, settings: (RunsOutOfMemory(), (3, 8, 8)))
    settings = Settings(batch_sizes=(1, 2, 4, 8), repeats=2)
    times, memory, _, notes = sweep.sweep("any", settings, lambda batch: None)
    assert set(times) == {1, 2} and set(memory) == {1, 2}
    assert notes == ["out of memory at batch size 4; the sweep stopped after batch size 2"]


def _status(argv: list[str]) -> int:
    """The command's exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


@pytest.mark.parametrize(("args", "says"), [
    (["--device", "tpu"], "unknown device 'tpu': expected cpu or cuda"),
    (["--batch-sizes", "0,1"], "batch sizes must be positive integers"),
    (["--batch-sizes", "1,,x"], "batch sizes must be positive integers"),
    (["--dtype", "int8"], "unknown dtype 'int8'"),
    (["--dtype", "float16"], "float16 is not supported on the CPU"),
    (["--repeats", "0"], "expected a positive integer"),
    (["--device", "cuda"], "needs a CUDA GPU"),
    (["--models-typo"], "unrecognized arguments"),
])
def test_bad_input_is_one_line_and_exit_2(args, says, tmp_path, capsys):
    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    out = tmp_path / "out.json"
    assert _status(["bench", "lenet5", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err, err
    assert not out.exists()


def test_an_unknown_model_is_one_line_and_exit_2(tmp_path, capsys):
    assert _status(["bench", "lenet5,resnet5", "--out", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown model 'resnet5'" in err
    assert list(tmp_path.iterdir()) == []


def _interrupt_in(model_type: type):
    def hook(module, args):
        if isinstance(module, model_type):
            raise KeyboardInterrupt

    return nn.modules.module.register_module_forward_pre_hook(hook)


def test_ctrl_c_keeps_the_models_finished(tmp_path, capsys):
    out = tmp_path / "cpu.json"
    handle = _interrupt_in(type(analyzer.build("ciresan_mlp", device="meta")))
    try:
        assert main(["bench", "lenet5,ciresan_mlp", "--batch-sizes", "1", "--repeats", "3", "--out", str(out)]) == 130
    finally:
        handle.remove()
    err = capsys.readouterr().err
    assert "interrupted; wrote the 1 model finished so far" in err.splitlines()[-1]
    data = json.loads(out.read_text())
    assert validate(data, "runtime") == []
    assert data["complete"] is False and list(data["models"]) == ["lenet5"]


def test_ctrl_c_before_any_model_finished_writes_nothing(tmp_path, capsys):
    out = tmp_path / "cpu.json"
    handle = _interrupt_in(type(analyzer.build("lenet5", device="meta")))
    try:
        assert main(["bench", "lenet5", "--batch-sizes", "1", "--repeats", "3", "--out", str(out)]) == 130
    finally:
        handle.remove()
    assert capsys.readouterr().err == "analyzer: interrupted\n"
    assert not out.exists()


@pytest.mark.slow  # two python processes that import torch: 5 s on a quiet machine, 15 s on a busy one
def test_the_gpu_script_runs_with_only_torch_and_the_standard_library(tmp_path):
    """The GPU machine's python has torch and nothing of ours: block tqdm, rich, numpy, jinja2 at start-up."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nsys.modules.update(dict.fromkeys(['tqdm', 'rich', 'numpy', 'jinja2', 'plotly']))\n")
    env = {**os.environ, "PYTHONPATH": str(blocker), "PYTHON": sys.executable, "DEVICE": "cpu",
           "MODELS": "lenet5", "BATCH_SIZES": "1,2", "OUT": str(tmp_path), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(["bash", str(REPO / "scripts" / "gpu-bench.sh"), "--repeats", "2"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    [path] = tmp_path.glob("cpu-*.json")
    assert f"results in {path}" in done.stdout
    data = json.loads(path.read_text())
    assert validate(data, "runtime") == [] and list(data["models"]) == ["lenet5"]


def test_precision_as_it_ran():
    # A float32 run on a GPU that let cuDNN use TF32 computed its convolutions in TF32, and says so.
    tf32 = {"kind": "cuda", "name": "G", "dtype": "float32", "allow_tf32_conv": True}
    assert machine.machine_label(tf32) == "G, float32 (TF32 convolutions)"
    assert machine.precision({**tf32, "dtype": "bfloat16"}) == "bfloat16"
    assert machine.machine_label({**tf32, "allow_tf32_conv": False}) == "G, float32"
    assert machine.precision({**tf32, "kind": "cpu"}) == "float32"


def test_machine_label_tells_dtype_and_cpu_threads_apart():
    gpu = {"kind": "cuda", "name": "NVIDIA H100 80GB HBM3", "dtype": "bfloat16", "threads": 16}
    assert machine.machine_label(gpu) == "NVIDIA H100 80GB HBM3, bfloat16"
    assert machine.machine_label({**gpu, "dtype": "float32"}) != machine.machine_label(gpu)
    cpu = {"kind": "cpu", "name": "AMD EPYC", "dtype": "float32", "threads": 1}
    assert machine.machine_label(cpu) == "AMD EPYC, float32, 1 thread"
    assert machine.machine_label({**cpu, "threads": 8, "channels_last": True}) == (
        "AMD EPYC, float32, channels last, 8 threads")
