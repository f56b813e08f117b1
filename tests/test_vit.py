"""ViT-B/16 against its paper's Table 1, the parameter breakdown by hand, and the attention's MACs.

The attention test is the issue's: nn.MultiheadAttention dispatches its two matrix products as
batched matmuls in training, and as one fused operation in inference on the CPU; the analyzer must
count them either way, and FlopCounterMode, which misses them, checks everything else.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import analyzer
from analyzer.archs.vit import EncoderBlock
from analyzer.static.trace import trace

# Table 1, ViT-Base; the patch size is the model's name.
LAYERS, HIDDEN, MLP, HEADS, PATCH = 12, 768, 3072, 12, 16
IMAGE, CLASSES = 224, 1000
TOKENS = (IMAGE // PATCH) ** 2 + 1  # the patches and the class token


@pytest.fixture(scope="module")
def meta_model() -> nn.Module:
    return analyzer.build("vit_b_16", device="meta")


@pytest.fixture(scope="module")
def cpu_model() -> nn.Module:
    torch.manual_seed(0)
    return analyzer.build("vit_b_16")


def test_encoder_follows_table_1(meta_model):
    blocks = list(meta_model.encoder.layers)
    assert len(blocks) == LAYERS and all(isinstance(b, EncoderBlock) for b in blocks)
    for block in blocks:
        attention = block.self_attention
        assert isinstance(attention, nn.MultiheadAttention)
        assert (attention.embed_dim, attention.num_heads, attention.head_dim) == (HIDDEN, HEADS, HIDDEN // HEADS)
        assert (block.mlp.fc1.in_features, block.mlp.fc1.out_features) == (HIDDEN, MLP)
        assert (block.mlp.fc2.in_features, block.mlp.fc2.out_features) == (MLP, HIDDEN)
        assert isinstance(block.mlp.gelu, nn.GELU)
    norms = [m for m in meta_model.modules() if isinstance(m, nn.LayerNorm)]
    # Two per block and the final one, all with the paper's epsilon.
    assert len(norms) == 2 * LAYERS + 1 and all(m.eps == 1e-6 for m in norms)


def test_patches_become_197_tokens_of_768(meta_model):
    conv = meta_model.conv_proj
    assert conv.kernel_size == conv.stride == (PATCH, PATCH) and conv.out_channels == HIDDEN
    assert tuple(meta_model.class_token.shape) == (1, 1, HIDDEN)
    assert tuple(meta_model.pos_embedding.shape) == (1, TOKENS, HIDDEN)
    rows = {r.name: r for r in analyzer.profile("vit_b_16").layers}
    assert rows["conv_proj"].output_shape == (1, HIDDEN, IMAGE // PATCH, IMAGE // PATCH)
    assert rows["encoder.ln"].output_shape == (1, TOKENS, HIDDEN)
    # The head reads the class token alone.
    assert rows["heads.head"].input_shapes == ((1, HIDDEN),) and rows["heads.head"].output_shape == (1, CLASSES)


def test_blocks_are_pre_norm(cpu_model):
    # x + MSA(LN(x)), then + MLP(LN(.)): with both branches' last layers zeroed, a pre-norm block is
    # the identity, where a post-norm one would return a normalised tensor.
    block = EncoderBlock(HIDDEN, HEADS, MLP).eval()
    block.load_state_dict(cpu_model.encoder.layers[0].state_dict())
    with torch.no_grad():
        for layer in (block.self_attention.out_proj, block.mlp.fc2):
            layer.weight.zero_()
            layer.bias.zero_()
        x = torch.randn(2, TOKENS, HIDDEN, generator=torch.Generator().manual_seed(0)) * 3 + 1
        assert torch.equal(block(x), x)


def test_parameters_by_hand():
    # The breakdown of torchvision's count: patch embedding, class token, position table, 12 blocks,
    # final norm and head; summed here from the layer shapes, not from the model.
    norm = 2 * HIDDEN
    patch = 3 * PATCH * PATCH * HIDDEN + HIDDEN
    attention = (HIDDEN * 3 * HIDDEN + 3 * HIDDEN) + (HIDDEN * HIDDEN + HIDDEN)
    mlp = (HIDDEN * MLP + MLP) + (MLP * HIDDEN + HIDDEN)
    block = 2 * norm + attention + mlp
    head = HIDDEN * CLASSES + CLASSES
    total = patch + HIDDEN + TOKENS * HIDDEN + LAYERS * block + norm + head
    assert block == 7_087_872
    assert total == analyzer.spec("vit_b_16").params.value
    model = analyzer.build("vit_b_16", device="meta")
    assert sum(p.numel() for p in model.encoder.layers[0].parameters()) == block
    assert sum(p.numel() for p in model.parameters()) == total


def hand_macs() -> tuple[int, int]:
    """(conv + linear MACs, attention MACs) of ViT-B/16 at 224, from the layer shapes."""
    patches = TOKENS - 1
    conv = patches * HIDDEN * 3 * PATCH * PATCH
    per_block = TOKENS * HIDDEN * 3 * HIDDEN + TOKENS * HIDDEN * HIDDEN + 2 * TOKENS * HIDDEN * MLP
    linear = LAYERS * per_block + HIDDEN * CLASSES
    # Q K^T and A V: per head (197 x 64)(64 x 197) and (197 x 197)(197 x 64); 12 heads of 64 = 768.
    attention = LAYERS * 2 * TOKENS * TOKENS * HIDDEN
    return conv + linear, attention


def test_hand_count_is_torchvisions():
    rest, attention = hand_macs()
    spec = analyzer.spec("vit_b_16")
    assert rest + attention == pytest.approx(spec.macs.value, rel=spec.macs.tolerance)
    # Without the attention products it would not be: they are 4% of the total.
    assert rest != pytest.approx(spec.macs.value, rel=spec.macs.tolerance)


def _traced_macs(model: nn.Module, training: bool) -> tuple[int, set[str], set[str]]:
    """MACs of one traced pass on the CPU in the given mode, the uncounted ops, and the ops seen."""
    model.train(training)
    try:
        graph = trace(model, [torch.zeros(1, 3, IMAGE, IMAGE)])
    finally:
        model.eval()
    return sum(op.macs for op in graph.ops), {op.op for op in graph.ops if not op.counted}, {op.op for op in graph.ops}


def _flop_counter_macs(model: nn.Module, training: bool) -> int:
    model.train(training)
    try:
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(torch.zeros(1, 3, IMAGE, IMAGE))
    finally:
        model.eval()
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_attention_is_counted_in_every_mode(cpu_model, training):
    macs, uncounted, ops = _traced_macs(cpu_model, training)
    # Inference takes the fused path, training the unfused one: both are exercised here.
    assert ("_native_multi_head_attention" in ops) == (not training)
    assert uncounted == set()
    assert macs == sum(hand_macs())


def test_meta_profile_counts_the_hand_total():
    report = analyzer.profile("vit_b_16")
    assert report.uncounted_ops == ()
    assert report.totals.macs == sum(hand_macs())


def test_flop_counter_misses_the_attention(cpu_model):
    # The independent check of the rest: in training FlopCounterMode sees every convolution and
    # linear layer but not the CPU attention kernel; in inference the fused path hides the
    # projections inside it too, so it counts less than even the conv and linear layers.
    rest, _ = hand_macs()
    assert _flop_counter_macs(cpu_model, training=True) == rest
    assert _flop_counter_macs(cpu_model, training=False) < rest


def test_every_token_sees_the_whole_image_after_the_first_attention():
    report = analyzer.profile("vit_b_16")
    assert report.receptive_field_layer == "conv_proj" and report.receptive_field.size == (PATCH, PATCH)
    # From the first attention on, every layer that runs mixes all the patches. (The attention's
    # out_proj is a module that is never called: its weights are used inside the attention's forward.)
    names = [r.name for r in report.layers]
    first = names.index("encoder.layers.encoder_layer_0.self_attention")
    after = [r for r in report.layers[first:] if r.name.startswith("encoder.") and r.calls]
    assert len(after) > 5 * LAYERS and all(r.sees_whole_input for r in after), [
        r.name for r in after if not r.sees_whole_input]
