"""Source and protocol strings that several family files cite, written once.

A family's own sources (a paper table, an author's README) stay in its file; what is shared across
families (torchvision's weight metadata, its evaluation crop) lives here so that every model says it
the same way and the site can group accuracies by the evaluation that produced them.
"""

TORCHVISION = "torchvision 0.29.1 weight meta"
# torchvision's `_ops` is the GMAC count of conv, linear and attention matrix products, to 3 decimals.
TORCHVISION_OPS = f"{TORCHVISION} _ops"
TORCHVISION_OPS_WHY = "published to 0.001 G"


def centre_crop(crop: int = 224, resize: int = 256) -> str:
    """The single-centre-crop protocol on ImageNet-1k val, as torchvision and most papers evaluate."""
    return f"single centre crop {crop} of a {resize} resize, ImageNet-1k val"
