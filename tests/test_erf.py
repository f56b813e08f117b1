"""Gradient receptive fields: with positive weights the gradient's support is exactly the
theoretical field (Luo et al.'s check), and the empirical field lies inside it."""

from __future__ import annotations

import pytest
import torch
from test_receptive import convs
from torch import nn

import analyzer
from analyzer.archs.layers import SqueezeExcitation
from analyzer.static.erf import GradientField, gradient_field
from analyzer.static.profiler import profile


def support(field: GradientField) -> tuple[tuple[int, int], tuple[int, int]]:
    """First and last row, first and last column with a non-zero gradient."""
    rows = [i for i, row in enumerate(field.magnitude) if any(v > 0 for v in row)]
    cols = [j for j in range(len(field.magnitude[0])) if any(row[j] > 0 for row in field.magnitude)]
    return (rows[0], rows[-1]), (cols[0], cols[-1])


def expected_support(rf, unit: tuple[int, int], size: tuple[int, int]):
    spans = []
    for axis in (0, 1):
        start = unit[axis] * rf.stride[axis] - rf.padding[axis]
        spans.append((max(0, start), min(size[axis] - 1, start + rf.size[axis] - 1)))
    return tuple(spans)


def assert_gradient_matches(model: nn.Module, input_shape, layer: str | None = None, positive: bool = True) -> bool:
    """Check the gradient's support against the field; True when the field fits inside the image."""
    report = profile(model, input_size=input_shape)
    layer = layer or report.receptive_field_layer
    rf = next(r.receptive_field for r in report.layers if r.name == layer)
    field = gradient_field(model, layer, input_shape, positive=positive, dtype=torch.float64)
    expected = expected_support(rf, field.unit, input_shape[1:])
    assert support(field) == expected, (layer, rf)
    return all(hi - lo + 1 == size for (lo, hi), size in zip(expected, rf.size))


DILATED = convs((3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4), (3, 2, 1, 1), (3, 1, 8, 8), channels=2)


ASYMMETRIC = nn.Sequential(nn.Conv2d(2, 2, (1, 7), padding=(0, 3)), nn.Conv2d(2, 2, (7, 1), padding=(3, 0)),
                           nn.MaxPool2d(3, 2), nn.Conv2d(2, 2, (1, 5), stride=(1, 2)))


def test_gradient_support_of_small_stacks():
    assert assert_gradient_matches(DILATED, (2, 64, 64))
    assert assert_gradient_matches(ASYMMETRIC, (2, 40, 56))


# The final spatial layer where the network accepts an input larger than its field; otherwise a
# deeper layer whose field still fits (the final one is checked clipped to the image too).


@pytest.mark.slow
@pytest.mark.parametrize("name,size,layer,fits", [
    ("vgg16", 224, None, True), ("vgg16", 224, "features.23", True), ("resnet50", 512, None, True),
    ("googlenet", 224, "inception4a", True), ("mobilenet_v1", 320, None, True),
    ("inception_v3", 299, "mixed5d", True), ("inception_v3", 299, None, False),
    ("mobilenet_v2", 224, "features.bottleneck5_1.block.1.2", True), ("mobilenet_v2", 512, None, True),
])
def test_gradient_support_equals_the_analytic_field(name, size, layer, fits):
    channels = analyzer.spec(name).input_shape[0]
    assert assert_gradient_matches(analyzer.build(name), (channels, size, size), layer) == fits



# Layer norm over channels that all carry the same value passes no gradient, so the all-positive
# probe sees nothing through it; random weights and a random image do. Stage 2 of ConvNeXt-T (the
# output of its last block) sees 224 px (a 4 px stem, 7x7 depthwise convolutions at strides 4 and 8,
# one 2x2 downsampling), which fits in a 320 image.
@pytest.mark.slow
@pytest.mark.parametrize("name,size,layer,fits", [("convnext_tiny", 320, "features.stage2.2", True)])
def test_gradient_support_through_layer_norm(name, size, layer, fits):
    torch.manual_seed(0)
    model = analyzer.build(name)
    assert assert_gradient_matches(model, (3, size, size), layer, positive=False) == fits


@pytest.mark.slow
def test_vit_tokens_see_the_whole_image_after_the_first_attention():
    torch.manual_seed(0)
    model = analyzer.build("vit_b_16")
    rows = {r.name: r for r in profile(model, input_size=(3, 224, 224)).layers}
    patch = gradient_field(model, "conv_proj", (3, 224, 224))
    # The centre token of the embedding sees its own 16x16 patch, and after one attention all of them.
    assert rows["conv_proj"].receptive_field.size == (16, 16)
    assert support(patch) == expected_support(rows["conv_proj"].receptive_field, patch.unit, (224, 224))
    first = "encoder.layers.encoder_layer_0"
    assert rows[f"{first}.self_attention"].sees_whole_input
    assert support(gradient_field(model, first, (3, 224, 224))) == ((0, 223), (0, 223))


def detach_channel_gates(model: nn.Module) -> None:
    """Cut the gradient through every squeeze-and-excitation gate's pooled input: the gate then acts
    as a per-channel constant, and what remains is the convolution path."""
    for module in model.modules():
        if isinstance(module, SqueezeExcitation):
            module.avgpool.register_forward_hook(lambda m, a, out: out.detach())


@pytest.mark.slow
def test_regnety_field_is_the_gradient_support_of_its_convolution_path():
    # With the gates held constant the support is the reported field: that of the convolutions, which
    # the gates modulate channel by channel. The centre unit of s3.b6 sees 223 px, inside 224.
    shape, layer = (3, 224, 224), "s3.b6"
    model = analyzer.build("regnety_400mf")
    report = profile(model, input_size=shape)
    rows = {r.name: r for r in report.layers}
    assert rows[layer].receptive_field.global_context_from == "s1.b1.f.se"
    assert not rows["s1.b1.f.se"].sees_whole_input
    detached = analyzer.build("regnety_400mf")
    detach_channel_gates(detached)
    assert assert_gradient_matches(detached, shape, layer)
    # Through the gates themselves the gradient reaches every pixel from the first gate on: the global
    # context the record notes.
    field = gradient_field(model, "s1.b1.f.se", (3, 96, 96), positive=True, dtype=torch.float64)
    assert support(field) == ((0, 95), (0, 95))


def test_empirical_field_lies_inside_the_theoretical_box():
    from analyzer.static.erf import empirical_field

    field = empirical_field("squeezenet1_0")
    (top, bottom), (left, right) = field.box
    assert 0 < top < bottom < 223 and 0 < left < right < 223  # the field fits inside the image
    cell = field.cell
    for i, row in enumerate(field.magnitude):
        for j, value in enumerate(row):
            outside = (i + 1) * cell <= top or i * cell > bottom or (j + 1) * cell <= left or j * cell > right
            if outside:
                assert value == 0, (i, j)
    assert max(max(row) for row in field.magnitude) == 1.0 and 0 < field.central_share < 1


def test_empirical_field_does_not_depend_on_earlier_random_draws():
    from analyzer.static.erf import empirical_field

    first = empirical_field("lenet5")
    torch.randn(1000)
    assert empirical_field("lenet5") == first
