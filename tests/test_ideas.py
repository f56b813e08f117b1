"""The design-idea figures against hand computation, and every idea template rendered strictly."""

from __future__ import annotations

import functools
from fractions import Fraction

import pytest

from analyzer import registry
from analyzer.content import ideas
from analyzer.render import pages
from analyzer.site import data
from analyzer.static.profiler import zoo_profile


@pytest.fixture(scope="module")
def all_ideas() -> dict[str, ideas.Idea]:
    return {idea.slug: idea for idea in ideas.all_ideas()}


def test_bottleneck_matches_the_worked_example():
    data = ideas.bottleneck(channels=256, reduced=64, size=56)
    direct, stack = data.comparison.reference, data.comparison.alternative
    assert direct.macs_per_position == 256 * 256 * 3 * 3 == 589_824
    assert stack.macs_per_position == 256 * 64 + 64 * 64 * 3 * 3 + 64 * 256 == 69_632
    assert [layer.macs_per_position for layer in stack.layers] == [16_384, 36_864, 16_384]
    assert direct.macs == 589_824 * 56 * 56
    # No biases: each weight is one MAC per output position.
    assert (direct.params, stack.params) == (589_824, 69_632)
    assert round(data.comparison.macs_factor, 2) == 8.47
    assert data.zoo_macs_per_position == 69_632


@pytest.mark.parametrize("depth, field, ratio", [(2, 5, Fraction(2 * 9, 25)), (3, 7, Fraction(3 * 9, 49))])
def test_stacked_3x3_see_what_one_large_filter_sees(depth, field, ratio):
    (row,) = ideas.small_filters(channels=64, size=56, depths=(depth,)).rows
    assert row.alternative.receptive_field == row.reference.receptive_field == (field, field)
    assert row.params_ratio == row.macs_ratio == ratio
    assert [layer.receptive_field[0] for layer in row.alternative.layers] == list(range(3, field + 1, 2))


def test_row_then_column_covers_the_square():
    seven = ideas.factorized(channels=192, size=17).rows[2]
    assert [layer.kernel for layer in seven.alternative.layers] == [(1, 7), (7, 1)]
    assert [layer.receptive_field for layer in seven.alternative.layers] == [(1, 7), (7, 7)]
    assert seven.reference.receptive_field == (7, 7)
    assert seven.params_ratio == Fraction(7 + 7, 49)
    five = ideas.factorized(channels=192, size=17).rows[1]
    assert five.alternative.receptive_field == (5, 5) and five.params_ratio == Fraction(18, 25)


def test_depthwise_separable_ratio_is_one_over_cout_plus_one_ninth(all_ideas):
    data = all_ideas["depthwise-separable"].data
    assert len(data.rows) == 13  # MobileNet's Table 1: thirteen separable blocks
    for row in data.rows:
        cout = row.comparison.reference.layers[0].out_channels
        assert row.comparison.macs_ratio == row.comparison.params_ratio == Fraction(1, cout) + Fraction(1, 9)
    first = data.rows[0].comparison
    assert first.reference.macs == 3 * 3 * 32 * 64 * 112 * 112
    assert first.alternative.macs == (3 * 3 * 32 + 32 * 64) * 112 * 112


def test_one_by_one_costs_a_ninth_and_classifiers_match_the_papers(all_ideas):
    data = all_ideas["one-by-one"].data
    assert data.comparison.macs_ratio == Fraction(1, 9)
    heads = {h.model: h.head_params for h in data.heads}
    # VGG-16's three fully connected layers on a 512x7x7 map, with biases.
    assert heads["vgg16"] == 512 * 7 * 7 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
    assert heads["nin"] == 0
    # NiN: each mlpconv is one conv and two 1x1 "cccp" layers, four of them.
    assert (data.nin_pointwise_layers, data.nin_conv_layers) == (8, 12)


def test_fire_module_counts(all_ideas):
    fire2 = all_ideas["fire-module"].data.rows[0]
    assert (fire2.module, fire2.in_channels, fire2.squeeze, fire2.out_channels) == ("fire2", 96, 16, 128)
    squeeze, expand1, expand3 = 96 * 16 + 16, 16 * 64 + 64, 16 * 64 * 9 + 64
    assert fire2.comparison.alternative.params == squeeze + expand1 + expand3
    assert fire2.comparison.reference.params == 96 * 128 * 9 + 128


def test_paths_through_residual_and_fractal_networks(all_ideas):
    rows = {(r.model, r.scope): r for r in all_ideas["residual-fractal"].data.rows}
    block, whole = rows["resnet18", "conv2_x.0"], rows["resnet18", ""]
    assert (block.paths, block.longest, block.shortest) == (2, 2, 0)
    # Eight two-path blocks; the longest path is the 18 of the name; the shortest is conv1, the three
    # projection shortcuts and the fc.
    assert (whole.paths, whole.longest, whole.shortest) == (2**8, 18, 5)
    # FractalNet's rule with C = 3 columns: P(1) = 1, P(c) = P(c-1)^2 + 1; longest path 2^(C-1).
    fractal = rows["fractalnet", "block1"]
    assert (fractal.paths, fractal.longest, fractal.shortest) == ((1**2 + 1) ** 2 + 1, 4, 1)
    assert rows["fractalnet", ""].paths == 5**5
    assert all(0 < r.join_share < 0.01 for r in rows.values())


@functools.cache
def zoo_models() -> tuple[dict, ...]:
    """Every zoo model as the site collects it, so that the idea pages' links and figures resolve."""
    return tuple(data._model(registry.spec(name), zoo_profile(name)) for name in registry.names())


def render_idea(idea: ideas.Idea) -> str:
    """The idea's page as the site renders it: the site's environment and text context."""
    every = ideas.all_ideas()
    site = pages.Site({"models": list(zoo_models()), "ratios": {}, "ideas": every, "idea_tags": []},
                      pages.idea_pages(every))
    return pages.idea_page(pages.environment(), site, idea)


def test_every_idea_template_renders_strictly(all_ideas):
    assert set(all_ideas) == {"bottleneck", "small-filters", "one-by-one", "factorized",
                              "depthwise-separable", "fire-module", "residual-fractal", "cardinality",
                              "dense-connectivity", "squeeze-excitation", "channel-shuffle",
                              "inverted-residual", "architecture-search", "compound-scaling",
                              "design-space", "modernising-resnet", "patches-attention"}
    for idea in all_ideas.values():
        page = render_idea(idea)
        assert page.startswith(f"# {idea.title}\n") and "{{" not in page and "{%" not in page


def test_bottleneck_page_shows_the_measured_figures(all_ideas):
    page = render_idea(all_ideas["bottleneck"])
    for figure in ("589,824", "69,632", "16,384", "36,864", "8.47x"):
        assert figure in page


def test_resnext_block_costs_what_the_resnet_block_costs():
    data = ideas.cardinality(channels=256, size=56, groups=32, group_width=4)
    resnet, resnext = data.comparison.reference, data.comparison.alternative
    assert resnet.macs_per_position == 256 * 64 + 64 * 64 * 9 + 64 * 256 == 69_632
    # 128 channels in 32 groups: each output channel of the 3x3 reads 4 inputs.
    assert resnext.macs_per_position == 256 * 128 + 128 * 4 * 9 + 128 * 256 == 70_144
    assert [layer.groups for layer in resnext.layers] == [1, 32, 1]
    assert data.comparison.macs_ratio == Fraction(70_144, 69_632)


def test_dense_block_grows_by_the_growth_rate():
    data = ideas.dense_connectivity()
    k = data.growth_rate
    assert k == 32 and len(data.layers) == 6  # DenseNet-121's first block (Huang et al., Table 1)
    assert [layer.in_channels for layer in data.layers] == [64 + k * i for i in range(6)]
    assert data.out_channels == 64 + 6 * k
    for layer in data.layers:
        # BN(c) + 1x1 c->4k + BN(4k) + 3x3 4k->k, no biases; MACs at 56x56.
        cin = layer.in_channels
        assert layer.params == 2 * cin + cin * 4 * k + 2 * 4 * k + 4 * k * k * 9
        assert layer.macs == (cin * 4 * k + 4 * k * k * 9) * 56 * 56
    assert data.block_cost.params == sum(layer.params for layer in data.layers)


def test_squeeze_excitation_gates_cost_their_weights():
    data = ideas.squeeze_excitation()
    for row in data.rows:
        c, s = row.channels, row.squeeze
        assert row.gate.params == c * s + s + s * c + c  # two 1x1 layers with biases
        assert row.gate.macs == 2 * c * s  # on a pooled 1x1 map
    assert [r.squeeze for r in data.rows if r.model == "se_resnet50"] == [256 // 16, 512 // 16, 1024 // 16, 2048 // 16]
    # Sixteen bottlenecks, each gating 4 x its width with r = 16.
    widths = [64] * 3 + [128] * 4 + [256] * 6 + [512] * 3
    assert data.gate_params["se_resnet50"] == sum(2 * (4 * w) * (4 * w // 16) + 4 * w + 4 * w // 16 for w in widths)


def test_inverted_block_against_classic_at_the_same_widths():
    data = ideas.inverted_residual(thin=24, expansion=6, size=56)
    classic, inverted = data.comparison.reference, data.comparison.alternative
    assert classic.macs_per_position == 144 * 24 + 24 * 24 * 9 + 24 * 144
    assert inverted.macs_per_position == 24 * 144 + 144 * 9 + 144 * 24
    assert inverted.layers[1].depthwise and not classic.layers[1].depthwise
    assert (data.classic_shortcut_bytes, data.inverted_shortcut_bytes) == (144 * 56 * 56 * 4, 24 * 56 * 56 * 4)


def test_shuffle_moves_memory_and_costs_no_macs():
    data = ideas.channel_shuffle(channels=240, size=28, groups=3)
    assert data.v1.shuffle_macs == data.v2.shuffle_macs == 0
    assert data.v1.shuffle_bytes_moved > 0 and data.v2.shuffle_bytes_moved > 0
    # v1: grouped 1x1 240->60 (3 groups), depthwise 3x3 on 60, grouped 1x1 60->240 (3 groups).
    assert data.v1.macs == (240 * 60 // 3 + 60 * 9 + 60 * 240 // 3) * 28 * 28
    # V2: half the channels through 1x1 120->120, depthwise 3x3, 1x1 120->120.
    assert data.v2.macs == (120 * 120 + 120 * 9 + 120 * 120) * 28 * 28


def test_searched_networks_shares_add_up():
    for net in ideas.search():
        assert sum(s.macs for s in net.stages) == net.macs
        assert sum(s.params for s in net.stages) == net.params
        assert [s.resolution for s in net.stages] == [112, 56, 28, 14, 7, 1]


def test_compound_scaling_rounds_depth_up():
    data = ideas.compound_scaling()
    b0, depth, _, resolution, compound = data.built
    assert b0.blocks == 1 + 2 + 2 + 3 + 3 + 4 + 1 == 16  # Tan and Le, Table 1
    assert depth.blocks == 32 and compound.blocks == sum(-(-r * 12 // 10) for r in (1, 2, 2, 3, 3, 4, 1)) == 23
    assert resolution.params == b0.params and resolution.resolution == 317
    # EfficientNet-B0's stem: 3x3 conv, 3->32, stride 2 on 224 -> 112x112.
    assert b0.macs > 3 * 9 * 32 * 112 * 112
    assert [r.label for r in data.zoo] == [f"B{i}" for i in range(8)]
    assert data.zoo[0].macs == b0.macs and data.zoo[2].params == compound.params


def test_regnet_widths_follow_the_quantized_linear_rule():
    import math

    data = ideas.design_space()
    for row in data.rows:
        u = 24 + 24.48 * row.block
        assert row.step == round(math.log(u / 24) / math.log(2.54))
        assert row.width == round(24 * 2.54 ** row.step / 8) * 8
    # RegNetX-400MF (Radosavovic et al., Appendix): depths 1, 2, 7, 12 and widths 32, 64, 160, 384.
    assert [s[:2] for s in data.stages] == [(32, 1), (64, 2), (160, 7), (384, 12)]


def test_attention_grows_with_the_square_of_the_tokens():
    data = ideas.attention(images=(112, 224), patch=16, width=768, heads=12, mlp=3072)
    embed = data.patch_embedding.reference
    assert embed.params == 3 * 16 * 16 * 768 + 768
    assert embed.macs == 3 * 16 * 16 * 768 * 14 * 14
    for row in data.rows:
        n, d = row.tokens, 768
        assert row.attention_macs == 2 * n * n * d  # Q·Kᵀ and A·V over all heads
        # q, k, v and output projections (4 d^2) and the MLP (2 * 4 d^2), per token, plus attention.
        assert row.block_macs == 12 * n * d * d + 2 * n * n * d
        assert row.conv_macs == d * d * 9 * n


def test_modernising_steps_match_the_papers_networks():
    data = ideas.modernising(size=56)
    resnet, ratio, patchify = data.networks
    # Liu et al. 2022, Figure 2: 4.1, 4.5 and 4.4 GFLOPs (multiply-accumulates), printed to 0.1 G.
    assert [round(n.macs / 1e9, 1) for n in data.networks] == [4.1, 4.5, 4.4]
    # The patchify stem: a 7x7 stride-2 conv (3->64) against a 4x4 stride-4 conv, same 56x56 output.
    assert ratio.params - patchify.params == 3 * 64 * (49 - 16)
    assert ratio.macs - patchify.macs == 3 * 64 * 49 * 112 * 112 - 3 * 64 * 16 * 56 * 56
    by_label = {b.label: b.variant for b in data.blocks}
    w, e = 96, 384
    assert by_label["depthwise conv moved up"].macs == (w * 9 + w * e + e * w) * 56 * 56
    assert by_label["7x7 kernel"].macs == (w * 49 + w * e + e * w) * 56 * 56
    assert by_label["inverted bottleneck"].macs == (w * e + e * 9 + e * w) * 56 * 56
