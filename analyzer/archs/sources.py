"""Source and protocol strings that several family files cite, written once.

A family's own sources (a paper table, an author's README) stay in its file; what is shared across
families (torchvision's weight metadata, its evaluation crop) lives here so that every model says it
the same way and the site can group accuracies by the evaluation that produced them.
"""

TORCHVISION = "torchvision 0.29.1 weights metadata"
# torchvision's `_ops` is the GMAC count of conv, linear and attention matrix products, to 3 decimals.
TORCHVISION_OPS = f"{TORCHVISION} (its GFLOPS figure, which counts multiply-adds)"
TORCHVISION_OPS_WHY = "published to 0.001 G"
# Weights torchvision trained itself with its reference recipe, not the paper's released ones.
TORCHVISION_TRAINING = f"{TORCHVISION} (torchvision's training)"
FOUR_FIGURES = "published to four significant figures"

TIMM = "timm 1.0.31"
# timm's benchmark table (results-imagenet's infer_gmacs at 299 px): fvcore's count, which also
# charges two ops per batch-norm output element and one per element entering the global pool.
TIMM_MACS = f"{TIMM} benchmark infer_gmacs @299"
TIMM_MACS_WHY = ("printed to 0.01 G, and counts batch norm (2 per output element) and the global pool "
                 "on top of conv+linear")


def centre_crop(crop: int = 224, resize: int = 256) -> str:
    """The single-centre-crop protocol on ImageNet-1k val, as torchvision and most papers evaluate."""
    return f"single centre crop {crop} of a {resize} resize, ImageNet-1k val"
