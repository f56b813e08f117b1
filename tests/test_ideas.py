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
                              "depthwise-separable", "fire-module", "residual-fractal"}
    for idea in all_ideas.values():
        page = render_idea(idea)
        assert page.startswith(f"# {idea.title}\n") and "{{" not in page and "{%" not in page


def test_bottleneck_page_shows_the_measured_figures(all_ideas):
    page = render_idea(all_ideas["bottleneck"])
    for figure in ("589,824", "69,632", "16,384", "36,864", "8.47x"):
        assert figure in page
