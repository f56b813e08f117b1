"""Models a user brings: built lean, any input (integer, mixed, keyword, scalar, none), constructor
arguments from the command line, lazy modules, prints in forward, and the JSON against its schema."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from analyzer import schemas
from analyzer.errors import ProfileInputError
from analyzer.static.profiler import profile

USER_MODELS = textwrap.dedent('''
    import torch
    from torch import nn

    print("importing the user's file")


    class Wide(nn.Module):
        """Billions of parameters: a stack of square linear layers."""

        def __init__(self, width: int = 40000, layers: int = 4) -> None:
            super().__init__()
            self.layers = nn.Sequential(*[nn.Linear(width, width) for _ in range(layers)])

        def forward(self, x):
            return self.layers(x)


    class Chatty(nn.Module):
        def __init__(self, width: int = 8) -> None:
            super().__init__()
            print("building", width)
            self.fc = nn.Linear(4, width)

        def forward(self, x):
            print("forward of", tuple(x.shape))
            return self.fc(x)


    class Mixed(nn.Module):
        """An image and a sequence of token ids."""

        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.embed = nn.Embedding(50, 4)

        def forward(self, image, ids):
            return self.conv(image).mean((2, 3)) + self.embed(ids).mean(1)


    def make_chatty(width: int):
        return Chatty(width)
''')


@pytest.fixture(scope="module")
def user_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("user") / "nets.py"
    path.write_text(USER_MODELS)
    return path


def run_cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", "profile", *argv], capture_output=True, text=True,
                          timeout=300)


def validate(report: dict) -> None:
    assert schemas.validate(report, "profile") == []


def test_a_user_class_of_billions_of_parameters_profiles_in_a_few_hundred_mb(user_file):
    width, layers = 40000, 4
    # The peak is the child's own high-water mark (VmHWM, reset by exec): getrusage's ru_maxrss keeps
    # the parent's peak across fork and exec, which inside a long test session is the worker's.
    code = textwrap.dedent(f"""
        import sys
        from analyzer.cli import main
        code = main(["profile", "{user_file}:Wide", "--input-size", "{width}", "--format", "json",
                     "--output", sys.argv[1]])
        hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print(int(hwm.split()[1]) // 1024, code)
    """)
    out = Path(user_file).parent / "wide.json"
    done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=300)
    peak_mb, status = map(int, done.stdout.split()[-2:])
    report = json.loads(out.read_text())
    assert status == 0
    assert report["totals"]["params"] == layers * (width * width + width) > 6e9
    assert report["totals"]["macs"] == layers * width * width
    assert peak_mb < 600, (peak_mb, done.stderr[-2000:])  # the weights alone would be 25 GB


def test_integer_and_mixed_inputs_from_the_command_line(user_file):
    done = run_cli(f"{user_file}:Mixed", "--input-size", "3,8,8;5:int64", "--format", "json", "--batch-size", "2")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    validate(report)
    assert report["input_shape"] == [[2, 3, 8, 8], [2, 5]] and report["input_dtypes"] == ["float32", "int64"]
    assert report["totals"]["macs"] == 2 * 36 * 4 * 27 and report["uncounted_ops"] == []


def test_constructor_arguments_from_the_command_line_and_prints_kept_off_the_report(user_file):
    for attr in ("Chatty", "make_chatty"):
        done = run_cli(f"{user_file}:{attr}", "--input-size", "4", "--model-args", '{"width": 64}', "--format", "json")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)  # the user's prints went to standard error
        validate(report)
        assert report["totals"]["params"] == 4 * 64 + 64 and report["totals"]["macs"] == 4 * 64
        assert "forward of (1, 4)" in done.stderr and "building 64" in done.stderr


@pytest.mark.parametrize("argv,message", [
    (("--input-size", "4:int65"), "unknown dtype 'int65'"),
    (("--input-size", "4:"), "a dtype must follow ':'"),
    (("--input-size", "4,x"), "malformed input size"),
    (("--input-size", "4", "--model-args", "{width: 64}"), "--model-args is not valid JSON"),
    (("--input-size", "4", "--model-args", "[64]"), "must be a JSON object"),
    (("--input-size", "4", "--model-args", '{"widht": 64}'), "unexpected keyword argument 'widht'"),
])
def test_bad_input_gets_one_line_and_exit_2(user_file, argv, message):
    done = run_cli(f"{user_file}:Chatty", *argv)
    errors = [line for line in done.stderr.splitlines() if line.startswith("analyzer")]
    assert done.returncode == 2 and len(errors) == 1 and message in errors[0], done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_the_zoo_takes_builder_options_from_the_command_line():
    done = run_cli("resnet18", "--model-args", '{"num_classes": 10}', "--format", "json")
    report = json.loads(done.stdout)
    validate(report)
    # ResNet-18's published 11,689,512 parameters, less the 990 classes' weights and biases.
    assert report["totals"]["params"] == 11_689_512 - 990 * 513


class TokenEncoder(nn.Module):
    def __init__(self, vocabulary: int = 100, embed: int = 16, heads: int = 4, hidden: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocabulary, embed)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(embed, heads, hidden, dropout=0.0, batch_first=True), 2,
            enable_nested_tensor=False)
        self.head = nn.Linear(embed, 3)

    def forward(self, ids):
        return self.head(self.encoder(self.embed(ids)).mean(1))


def test_an_embedding_and_transformer_encoder_on_token_ids():
    tokens, embed, hidden = 9, 16, 32
    per_layer = 4 * tokens * embed * embed + 2 * tokens * tokens * embed + 2 * tokens * embed * hidden
    for device in ("meta", "cpu"):
        report = profile(TokenEncoder(), input_size=(tokens,), dtypes=[torch.int64], device=device)
        assert report.uncounted_ops == () and report.input_dtypes == ("int64",)
        assert report.totals.macs == 2 * per_layer + embed * 3
    with pytest.raises(ProfileInputError, match="dtypes must be one"):
        profile(TokenEncoder(), input_size=(tokens,), dtypes=[torch.int64, torch.int64])


class Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 2)

    def forward(self, x, scale=None, *, bias=0.0):
        y = self.fc(x)
        return y * scale + bias if scale is not None else y


def test_keyword_and_tuple_input_data():
    x, scale = torch.randn(3, 6), torch.full((3, 2), 2.0)
    by_keyword = profile(Scaled(), input_data={"x": x, "scale": scale, "bias": 1.0})
    by_position = profile(Scaled(), input_data=(x, scale))
    plain = profile(Scaled(), input_data=x)
    assert by_keyword.input_shape == by_position.input_shape == ((3, 6), (3, 2))
    assert plain.totals.macs == by_keyword.totals.macs == 3 * 6 * 2
    # The multiplication by the scale (two activations merge) and the addition of the constant bias.
    for report in (by_keyword, by_position):
        assert report.totals.flops == plain.totals.flops + 12
        assert report.totals.flops_by_class["merge"] == report.totals.flops_by_class["elementwise"] == 6


class Scalars(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(5))

    def forward(self, t=None):
        return self.weight * 2 if t is None else self.weight * t.unsqueeze(-1)


def test_scalar_inputs_and_no_input_at_all():
    batch = profile(Scalars(), input_size=(), batch_size=4)
    assert batch.input_shape == ((4,),) and batch.totals.flops == 4 * 5
    assert profile(Scalars(), input_size="()", batch_size=4).totals.flops == 4 * 5
    zero_d = profile(Scalars(), input_data=torch.tensor(0.5))
    assert zero_d.input_shape == ((),) and zero_d.totals.flops == 5
    nothing = profile(Scalars(), input_data=())
    assert nothing.input_shape == () and nothing.totals.flops == 5
    validate(nothing.to_dict())


def test_lazy_modules_are_materialised_then_counted():
    for device in ("meta", "cpu"):
        model = nn.Sequential(nn.LazyConv2d(8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(4))
        report = profile(model, input_size=(3, 10, 10), device=device)
        assert report.totals.params == (8 * 27 + 8) + (4 * 8 * 64 + 4)
        assert report.totals.macs == 8 * 64 * 27 + 8 * 64 * 4


@pytest.mark.parametrize("name", ["alexnet", "resnet18", "googlenet", "enet"])
def test_zoo_json_validates_against_the_schema(name):
    validate(profile(name, depth=1).to_dict())


def test_the_public_api_takes_dtypes_and_input_data():
    import analyzer

    ids = torch.zeros(2, 9, dtype=torch.int64)
    assert (analyzer.profile(TokenEncoder(), input_size=(9,), dtypes=["int64"], batch_size=2).totals
            == analyzer.profile(TokenEncoder(), input_data=ids).totals)
