"""Cost formulas of the operations the 2017-2022 models and common user models dispatch, each
against a hand computation, against `FlopCounterMode` where it counts the operation, and against the
same module on the other device or path (meta's reference decompositions, the CPU's fused kernels)."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from analyzer.erf import gradient_field, support
from analyzer.profiler import profile, summarise
from analyzer.trace import trace


class Fn(nn.Module):
    """A functional call as a module."""

    def __init__(self, fn, *children: nn.Module) -> None:
        super().__init__()
        self.fn = fn
        self.inner = nn.ModuleList(children)

    def forward(self, *xs):
        return self.fn(*self.inner, *xs) if len(self.inner) else self.fn(*xs)


def counted(model: nn.Module, size, device: str = "meta", training: bool = False, batch: int = 1):
    """Profile `model` as it stands (train or eval mode), on `device`, with nothing left uncounted."""
    model = copy.deepcopy(model).to(device).train(training)
    shapes = [size] if isinstance(size[0], int) else list(size)
    inputs = [torch.zeros((batch, *s), device=device) for s in shapes]
    report = summarise(trace(model, inputs), type(model).__name__, tuple(t.shape for t in inputs), device, "float32")
    assert report.uncounted_ops == (), report.uncounted_ops
    return report


def flops(report, cls: str | None = None) -> int:
    return report.totals.flops if cls is None else report.totals.flops_by_class.get(cls, 0)


def ops_of(report) -> set[str]:
    return {op.op for op in report.graph.ops}


# --- norms, activations, softmax ---------------------------------------------------------------

def test_layer_norm_is_five_flops_per_element_plus_its_affine():
    n = 2 * 7 * 16
    assert flops(counted(nn.LayerNorm(16), (7, 16), batch=2), "norm") == 7 * n
    assert flops(counted(nn.LayerNorm(16, elementwise_affine=False), (7, 16), batch=2), "norm") == 5 * n
    assert flops(counted(nn.LayerNorm(16, bias=False), (7, 16), batch=2), "norm") == 6 * n


def test_group_norm_like_layer_norm_and_it_sees_the_whole_map():
    report = counted(nn.Sequential(nn.Conv2d(3, 8, 3), nn.GroupNorm(2, 8)), (3, 9, 9))
    assert flops(report, "norm") == 7 * 8 * 7 * 7
    rows = {r.name: r for r in report.layers}
    assert rows["0"].receptive_field.size == (3, 3) and rows["1"].sees_whole_input


@pytest.mark.parametrize("module", [nn.GELU(), nn.GELU("tanh"), nn.SiLU(), nn.Hardswish(), nn.Hardsigmoid(),
                                    nn.Sigmoid(), nn.Softplus(), nn.Mish(), nn.ReLU6(), nn.ELU()],
                         ids=lambda m: type(m).__name__)
def test_activations_are_one_flop_per_element(module):
    for device in ("meta", "cpu"):
        report = counted(module, (6, 5), device)
        assert report.totals.flops == flops(report, "activation") == 30


@pytest.mark.parametrize("fn,name", [(lambda x: F.softmax(x, -1), "_softmax"),
                                     (lambda x: F.log_softmax(x, 1), "_log_softmax")])
def test_softmax_and_log_softmax_are_three_flops_per_element(fn, name):
    report = counted(Fn(fn), (4, 6))
    assert name in ops_of(report) and flops(report, "softmax") == 3 * 24


def test_logsumexp_is_two_flops_per_input_element():
    report = counted(Fn(lambda x: torch.logsumexp(x, -1)), (4, 6))
    assert flops(report, "softmax") == 2 * 24


# --- matrix products ----------------------------------------------------------------------------

def test_einsum_bmm_and_baddbmm_by_hand():
    # 'bij,bkj->bik' over (2, 5, 8): 2 * 5 * 5 * 8 MACs, between two activations.
    report = counted(Fn(lambda x: torch.einsum("bij,bkj->bik", x, x)), (5, 8), batch=2)
    assert report.totals.macs == 2 * 5 * 5 * 8 and flops(report, "matmul") == 2 * report.totals.macs
    report = counted(Fn(lambda x: torch.baddbmm(x, x, x)), (4, 4), batch=3)
    assert report.totals.macs == 3 * 4 * 4 * 4
    assert flops(report) == 2 * 3 * 64 + 3 * 16  # the product, then one addition per output element


def test_linear_on_a_four_dimensional_tensor_is_a_pointwise_linear_layer():
    report = counted(nn.Linear(8, 12), (5, 6, 8), batch=2)
    assert report.totals.macs == 2 * 5 * 6 * 8 * 12 and flops(report, "bias") == 2 * 5 * 6 * 12


# --- attention ----------------------------------------------------------------------------------

class SelfAttention(nn.Module):
    def __init__(self, embed: int, heads: int, need_weights: bool = True) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(embed, heads, batch_first=True)
        self.need_weights = need_weights

    def forward(self, x):
        return self.attn(x, x, x, need_weights=self.need_weights)[0]


def attention_macs(batch: int, tokens: int, embed: int) -> int:
    # Q, K and V projections, the output projection, then Q·Kᵀ and A·V (per head: tokens² x head
    # width, summed over the heads: tokens² x embed each).
    return batch * (3 * tokens * embed * embed + tokens * embed * embed + 2 * tokens * tokens * embed)


def attention_flops(batch: int, tokens: int, embed: int, heads: int, need_weights: bool) -> int:
    scores = batch * heads * tokens * tokens
    scaled = batch * tokens * embed * (1 if need_weights else 2)  # Q alone, or Q and K (SDPA)
    averaged = scores if need_weights else 0  # the weights returned, averaged over heads
    biases = batch * tokens * 4 * embed
    return 2 * attention_macs(batch, tokens, embed) + biases + scaled + 3 * scores + averaged


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_counts_the_same_in_train_and_eval_on_meta_and_cpu(need_weights):
    batch, tokens, embed, heads = 2, 7, 16, 4
    module = SelfAttention(embed, heads, need_weights)
    reports = {(device, training): counted(module, (tokens, embed), device, training, batch)
               for device in ("meta", "cpu") for training in (False, True)}
    # Eval mode on the CPU takes the fused kernel; the others run the Python path.
    assert "_native_multi_head_attention" in ops_of(reports["cpu", False])
    assert "_native_multi_head_attention" not in ops_of(reports["cpu", True])
    for report in reports.values():
        assert report.totals.macs == attention_macs(batch, tokens, embed)
        assert report.totals.flops == attention_flops(batch, tokens, embed, heads, need_weights)
        assert {r.name: r for r in report.layers}["attn"].sees_whole_input


def test_flop_counter_misses_the_fused_attention_kernel_and_we_do_not():
    module = SelfAttention(16, 4).eval()
    x = torch.zeros(1, 7, 16)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    ours = counted(module, (7, 16), "cpu")
    assert counter.get_total_flops() == 0 < ours.totals.macs
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module.train()(x)
    ours = counted(module, (7, 16), "cpu", training=True)
    assert counter.get_total_flops() == flops(ours, "linear") + flops(ours, "matmul")


def encoder_layer(**kw) -> nn.Module:
    return nn.TransformerEncoderLayer(16, 4, 40, dropout=0.0, batch_first=True, **kw)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_counts_the_same_in_train_and_eval_on_meta_and_cpu(norm_first):
    batch, tokens, embed, heads, hidden = 2, 7, 16, 4, 40
    layer = encoder_layer(norm_first=norm_first)
    expected_macs = attention_macs(batch, tokens, embed) + 2 * batch * tokens * embed * hidden
    n = batch * tokens * embed
    expected_flops = (attention_flops(batch, tokens, embed, heads, need_weights=False)
                      + 2 * expected_macs - 2 * attention_macs(batch, tokens, embed)  # feed-forward
                      + batch * tokens * (hidden + embed)  # its biases
                      + batch * tokens * hidden  # the activation
                      + 2 * n  # two residual additions
                      + 2 * 7 * n)  # two layer norms with their affine parameters
    reports = {(device, training): counted(layer, (tokens, embed), device, training, batch)
               for device in ("meta", "cpu") for training in (False, True)}
    assert "_transformer_encoder_layer_fwd" in ops_of(reports["cpu", False])
    for key, report in reports.items():
        assert report.totals.macs == expected_macs, key
        assert report.totals.flops == expected_flops, key


def test_a_small_transformer_encoder_profiles_with_nothing_uncounted():
    model = nn.TransformerEncoder(encoder_layer(), 2, enable_nested_tensor=False)
    meta, cpu = profile(model, input_size=(7, 16)), profile(model, input_size=(7, 16), device="cpu")
    assert meta.uncounted_ops == cpu.uncounted_ops == ()
    assert meta.totals.macs == cpu.totals.macs == 2 * (attention_macs(1, 7, 16) + 2 * 7 * 16 * 40)
    assert meta.totals.flops == cpu.totals.flops


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("value_width", [8, 4])
def test_scaled_dot_product_attention_on_every_backend_here(masked, value_width):
    # (batch, heads, tokens, width) queries; keys of another length; values of the keys' width (the
    # CPU takes its flash kernel) or another (the CPU runs the math backend, as meta does).
    q_shape, k_shape, v_shape = (3, 5, 8), (3, 6, 8), (3, 6, value_width)
    mask = torch.zeros(5, 6)

    def attend(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(q.device) if masked else None)

    scores = 2 * 3 * 5 * 6
    macs = scores * 8 + scores * value_width
    # Q (2x3x5x8) and K (2x3x6x8) are scaled by the square root of the scale, as the math backend does.
    expected = 2 * macs + 3 * scores + (2 * 3 * 5 * 8 + 2 * 3 * 6 * 8) + (scores if masked else 0)
    for device in ("meta", "cpu"):
        report = counted(Fn(attend), (q_shape, k_shape, v_shape), device, batch=2)
        assert report.totals.macs == macs and report.totals.flops == expected, device
    assert ("_scaled_dot_product_flash_attention_for_cpu" in ops_of(report)) == (value_width == 8)


# --- recurrent layers ---------------------------------------------------------------------------

def lstm_macs(steps: int, batch: int, sizes: list[tuple[int, int]], gates: int, directions: int = 1) -> int:
    # Per step and direction, each gate is a linear map of the input and of the hidden state.
    return directions * sum(steps * batch * gates * hidden * (inp + hidden) for inp, hidden in sizes)


@pytest.mark.parametrize("module,expected", [
    (nn.LSTM(8, 16, 2), lstm_macs(5, 3, [(8, 16), (16, 16)], 4)),
    (nn.LSTM(8, 16, 1, bidirectional=True), lstm_macs(5, 3, [(8, 16)], 4, 2)),
    (nn.GRU(8, 16, 2), lstm_macs(5, 3, [(8, 16), (16, 16)], 3)),
    (nn.RNN(8, 16), lstm_macs(5, 3, [(8, 16)], 1)),
], ids=["lstm", "bi-lstm", "gru", "rnn"])
def test_recurrent_gates_are_macs_on_meta_and_on_the_cpu_kernel(module, expected):
    # Sequence-first input of 5 steps and a batch of 3 (the profiler's batch is the first dim).
    meta, cpu = counted(module, (3, 8), "meta", batch=5), counted(module, (3, 8), "cpu", batch=5)
    assert meta.totals.macs == cpu.totals.macs == expected
    assert meta.totals.flops == cpu.totals.flops
    if isinstance(module, nn.LSTM):
        assert "mkldnn_rnn_layer" in ops_of(cpu)


def test_lstm_flops_by_hand():
    # One step: gates 4 x 16 from 8 inputs and 16 hidden; two biases of 64; the cell: the gate sum
    # (64), three products and an addition (16 each); activations: 3 sigmoids, 2 tanh (16 each).
    report = counted(nn.LSTM(8, 16), (1, 8), "cpu")
    assert report.totals.flops_by_class == {"linear": 2 * 64 * 24, "activation": 80, "merge": 128, "bias": 128}


def test_lstm_and_gru_cells():
    assert counted(nn.LSTMCell(8, 16), (8,)).totals.macs == 64 * 24
    assert counted(nn.GRUCell(8, 16), (8,), "cpu").totals.macs == 48 * 24


# --- resampling, padding, shuffles, lookups: data movement --------------------------------------

def test_interpolation_by_hand():
    bilinear = counted(nn.Upsample(scale_factor=2, mode="bilinear"), (3, 4, 4))
    assert flops(bilinear, "pool") == 2 * 4 * 3 * 8 * 8  # 4 taps, a multiply and an add each
    bicubic = counted(nn.Upsample(scale_factor=2, mode="bicubic"), (3, 4, 4))
    assert flops(bicubic, "pool") == 2 * 16 * 3 * 8 * 8
    nearest = counted(Fn(lambda x: F.interpolate(x, size=(7, 9))), (3, 4, 4))
    assert nearest.totals.flops == 0 and nearest.totals.bytes_moved == 2 * 4 * 3 * 63  # copied
    # A bilinear unit reads 2 x 2 input pixels, and its neighbours are half a pixel apart.
    rf = bilinear.layers[-1].receptive_field
    assert rf.size == (2, 2) and rf.stride == (0.5, 0.5)


def test_padding_shuffles_and_views_move_data_without_arithmetic():
    for module, size in [(nn.ReflectionPad2d(2), (3, 4, 4)), (nn.ReplicationPad2d(1), (3, 4, 4)),
                         (nn.PixelShuffle(2), (8, 4, 4)), (nn.ChannelShuffle(2), (8, 4, 4)),
                         (nn.PixelUnshuffle(2), (2, 4, 4)),
                         (Fn(lambda x: x.view(1, 2, 4, 4, 4).transpose(1, 2).contiguous().view(1, 8, 4, 4)), (8, 4, 4)),
                         (Fn(lambda x: torch.cat(x.unsafe_chunk(2, 1)[::-1], 1)), (8, 4, 4))]:
        for device in ("meta", "cpu"):
            report = counted(module, size, device)
            assert report.totals.flops == 0 and report.totals.macs == 0
    # A reflection pad before an unpadded 3x3 conv: the field of a padded 3x3 conv.
    padded = counted(nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(3, 3, 3)), (3, 8, 8))
    rf = padded.receptive_field
    assert rf.size == (3, 3) and rf.padding == (1, 1)
    assert counted(nn.PixelShuffle(2), (8, 4, 4)).layers[-1].receptive_field.stride == (0.5, 0.5)


def test_unsafe_split_is_a_view():
    report = counted(Fn(lambda x: x.unsafe_split(2, 1)[0] + 1), (4, 3))
    split = next(op for op in report.graph.ops if op.op == "unsafe_split")
    assert split.bytes_written == 0 and report.totals.activation_bytes == 2 * 3 * 4


def test_embedding_is_a_lookup():
    table = nn.Embedding(100, 16)
    x = torch.zeros(2, 9, dtype=torch.int64)
    report = summarise(trace(table.eval(), [x]), "Embedding", ((2, 9),), "meta", "int64")
    assert report.uncounted_ops == () and report.totals.flops == 0 and report.totals.macs == 0
    lookup = report.graph.ops[0]
    assert lookup.bytes_written == lookup.bytes_read == 2 * 9 * 16 * 4


def test_layer_scale_and_dropout_in_eval():
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gamma = nn.Parameter(torch.ones(6))
            self.drop = nn.Dropout(0.5)

        def forward(self, x):
            return self.drop(x * self.gamma)

    report = counted(Scaled(), (4, 6))
    assert report.totals.flops == flops(report, "elementwise") == 24 and ops_of(report) == {"mul"}


# --- receptive fields through the new operations ------------------------------------------------

class ConvNeXtLikeBlock(nn.Module):
    """ConvNeXt's block: a 7x7 depthwise conv, then NHWC: layer norm, linear, GELU, linear, layer
    scale, back to NCHW, plus the residual."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.down = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), 1e-6))

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.gamma * self.down(self.act(self.up(self.norm(y))))
        return x + y.permute(0, 3, 1, 2)


def test_a_layer_norm_over_channels_after_a_permute_is_pointwise():
    model = nn.Sequential(ConvNeXtLikeBlock(8), ConvNeXtLikeBlock(8))
    for device in ("meta", "cpu"):
        report = counted(model, (8, 20, 20), device)
        rows = {r.name: r for r in report.layers}
        assert rows["0.norm"].receptive_field.size == rows["0.down"].receptive_field.size == (7, 7)
        assert report.receptive_field.size == (13, 13) and report.receptive_field.padding == (6, 6)
        assert report.receptive_field.misaligned is None and not any(r.sees_whole_input for r in report.layers)
    # MACs by hand: the depthwise 7x7, the two pointwise linear layers.
    assert report.totals.macs == 2 * (400 * 8 * 49 + 2 * 400 * 8 * 32)


def test_gradient_support_through_channels_last_blocks():
    # The field through the permutes against the gradient's support, with random weights: with the
    # positive-weight check's equal weights a layer norm over channels cancels every gradient.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 4, 4, stride=4), ConvNeXtLikeBlock(4), ConvNeXtLikeBlock(4))
    for block in model[1:]:
        nn.init.ones_(block.gamma)
    rf = {r.name: r for r in profile(model, input_size=(2, 96, 96)).layers}["2"].receptive_field
    assert rf.size == (4 + 12 * 4, 4 + 12 * 4)
    field = gradient_field(model, "2", (2, 96, 96), dtype=torch.float64)
    ((top, bottom), (left, right)) = support(field)
    for (lo, hi), unit, stride, padding, size in zip(((top, bottom), (left, right)), field.unit, rf.stride,
                                                      rf.padding, rf.size):
        start = unit * stride - padding
        assert (lo, hi) == (max(0, start), min(95, start + size - 1))


class TinyViT(nn.Module):
    """Patches, a class token, position embeddings and one encoder layer."""

    def __init__(self) -> None:
        super().__init__()
        self.patch = nn.Conv2d(3, 16, 4, stride=4)
        self.cls = nn.Parameter(torch.zeros(1, 1, 16))
        self.pos = nn.Parameter(torch.zeros(1, 17, 16))
        self.encoder = encoder_layer(norm_first=True)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        tokens = self.patch(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), tokens], 1) + self.pos
        return self.head(self.encoder(tokens)[:, 0])


def test_attention_across_tokens_sees_the_whole_image():
    for device in ("meta", "cpu"):
        report = counted(TinyViT(), (3, 16, 16), device)
        rows = {r.name: r for r in report.layers}
        assert report.receptive_field_layer == "patch" and report.receptive_field.size == (4, 4)
        assert rows["encoder"].sees_whole_input and rows["head"].sees_whole_input
