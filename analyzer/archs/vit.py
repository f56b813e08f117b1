"""Vision Transformer (Dosovitskiy et al., 2020): an image cut into 16x16 patches, read as words.

Registers ViT-B/16 (Table 1: 12 layers, hidden size 768, MLP size 3072, 12 heads) in torchvision's
layout, which is the paper's fine-tuning network: a strided convolution embeds the patches, a learned
class token is prepended, learned 1-D position embeddings are added, and a stack of pre-norm encoder
blocks runs, followed by a final layer norm and one linear head on the class token. The attention is
`nn.MultiheadAttention`, as in torchvision and in most users' models, so that its fused inference
path (one ATen operation for the whole block of attention) is what the analyzer meets. Module paths
are torchvision's (`encoder.layers.encoder_layer_0.self_attention`, `encoder.ln`, `heads.head`) but
for the position table, which sits on the model rather than in an `Encoder` class: a model class
is a block of the diagram, and inside one the twelve encoder layers would not show at depth 1. The
paper trains with dropout; torchvision's default rate is zero, and a zero-rate dropout does
nothing, so none is built here.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

# The paper's layer norms (and torchvision's, and the original JAX code's) use eps 1e-6, not 1e-5.
LAYER_NORM_EPS = 1e-6


class MLPBlock(nn.Sequential):
    """The encoder's feed-forward part: widen to `mlp_dim`, GELU, back to the model width."""

    def __init__(self, hidden_dim: int, mlp_dim: int) -> None:
        super().__init__(OrderedDict(
            fc1=nn.Linear(hidden_dim, mlp_dim),
            gelu=nn.GELU(),
            fc2=nn.Linear(mlp_dim, hidden_dim),
        ))


class EncoderBlock(nn.Module):
    """Pre-norm Transformer layer: x + MSA(LN(x)), then x + MLP(LN(x)) (the paper's Eq. 2 and 3)."""

    def __init__(self, hidden_dim: int, num_heads: int, mlp_dim: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden_dim, eps=LAYER_NORM_EPS)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(hidden_dim, eps=LAYER_NORM_EPS)
        self.mlp = MLPBlock(hidden_dim, mlp_dim)

    def forward(self, x):
        y = self.ln_1(x)
        # Queries, keys and values are the same tensor: self-attention, which is also what lets
        # nn.MultiheadAttention take its fused path in inference.
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + y
        return x + self.mlp(self.ln_2(x))


class VisionTransformer(nn.Module):
    def __init__(self, image_size: int = 224, patch_size: int = 16, num_layers: int = 12, num_heads: int = 12,
                 hidden_dim: int = 768, mlp_dim: int = 3072, num_classes: int = 1000) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"image size {image_size} is not a multiple of the patch size {patch_size}")
        # One patch of 16x16x3 pixels to one token of 768 is a linear map (the paper's Eq. 1),
        # written, as torchvision does, as a convolution whose kernel and stride are the patch.
        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        self.class_token = nn.Parameter(torch.zeros(1, 1, hidden_dim))
        num_patches = (image_size // patch_size) ** 2
        # The paper initialises them from a normal distribution (std 0.02 in torchvision's code).
        self.pos_embedding = nn.Parameter(torch.empty(1, num_patches + 1, hidden_dim).normal_(std=0.02))
        self.encoder = nn.Sequential(OrderedDict(
            layers=nn.Sequential(OrderedDict(
                (f"encoder_layer_{i}", EncoderBlock(hidden_dim, num_heads, mlp_dim)) for i in range(num_layers)
            )),
            ln=nn.LayerNorm(hidden_dim, eps=LAYER_NORM_EPS),
        ))
        self.heads = nn.Sequential(OrderedDict(head=nn.Linear(hidden_dim, num_classes)))

    def forward(self, x):
        n = x.shape[0]
        # (n, 768, 14, 14) -> (n, 196, 768): one token per patch, in raster order.
        tokens = self.conv_proj(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.class_token.expand(n, -1, -1), tokens], dim=1)
        # The class token's final state is the image's representation.
        return self.heads(self.encoder(tokens + self.pos_embedding)[:, 0])


_VIT_PAPER = "Dosovitskiy et al. 2020, Table 5 (ViT-B/16 row)"
_FINE_TUNED = ("fine-tuned at 384 (577 tokens) after pre-training on {data} at 224, so not the 224 network "
               "these counts are for; no top-5 printed")


@register(ArchSpec(
    name="vit_b_16",
    display_name="ViT-B/16",
    predecessors=("resnet50",),
    family="ViT",
    year=2020,
    authors=("Alexey Dosovitskiy", "Lucas Beyer", "Alexander Kolesnikov", "Dirk Weissenborn", "Xiaohua Zhai",
             "Thomas Unterthiner", "Mostafa Dehghani", "Matthias Minderer", "Georg Heigold", "Sylvain Gelly",
             "Jakob Uszkoreit", "Neil Houlsby"),
    title="An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
    paper="arXiv:2010.11929",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("patch-embedding", "self-attention", "layer-norm"),
    params=Figure(86_567_656, TORCHVISION, "VS"),
    # Conv and linear layers plus the two attention products (Q K^T and A V) of each block.
    macs=Figure(17.564e9, TORCHVISION_OPS, "VS", 0.0005e9 / 17.564e9, TORCHVISION_OPS_WHY),
    accuracy=(
        Accuracy(81.072, 95.318, centre_crop(224, 256),
                 f"{TORCHVISION} ViT_B_16_Weights.IMAGENET1K_V1 (trained on ImageNet-1k only, DeiT-style recipe)",
                 "VS"),
        Accuracy(84.15, None, _FINE_TUNED.format(data="JFT-300M"), _VIT_PAPER, "VS"),
        Accuracy(83.97, None, _FINE_TUNED.format(data="ImageNet-21k"), _VIT_PAPER, "VS"),
        Accuracy(77.91, None, _FINE_TUNED.format(data="ImageNet-1k"), _VIT_PAPER, "VS"),
    ),
))
def vit_b_16(num_classes: int = 1000) -> VisionTransformer:
    return VisionTransformer(num_classes=num_classes)
