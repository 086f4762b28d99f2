"""The architecture: small CNNs with no I/O (handbook ``models.md`` section 7).

:class:`HeatmapNet` localises keypoints (an encoder of four stride-2 stages and two
skip-up blocks, output at 1/4 of the input size); :class:`CropClassifier` grades one
mm-defined crop into 4 classes.
"""

from __future__ import annotations

import torch
from torch import nn


def conv_block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class HeatmapNet(nn.Module):
    """Keypoint heatmap logits ``[B, out_channels, H/4, W/4]`` from ``[B, in_channels, H, W]``.

    H and W must be multiples of 16.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(conv_block(in_channels, 16, 2), conv_block(16, 16))
        self.down2 = conv_block(16, 24, 2)
        self.down3 = conv_block(24, 32, 2)
        self.down4 = conv_block(32, 48, 2)
        self.up3 = conv_block(48 + 32, 32)
        self.up2 = conv_block(32 + 24, 32)
        self.head = nn.Conv2d(32, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f1 = self.stem(x)
        f2 = self.down2(f1)
        f3 = self.down3(f2)
        f4 = self.down4(f3)
        # Nearest-neighbour upsampling keeps the backward pass deterministic.
        u3 = self.up3(torch.cat([nn.functional.interpolate(f4, scale_factor=2.0), f3], 1))
        u2 = self.up2(torch.cat([nn.functional.interpolate(u3, scale_factor=2.0), f2], 1))
        return self.head(u2)


class CropClassifier(nn.Module):
    """Grade logits ``[B, 4]`` from a crop ``[B, in_channels, S, S]``."""

    def __init__(self, in_channels: int = 3, classes: int = 4) -> None:
        super().__init__()
        self.features = nn.Sequential(
            conv_block(in_channels, 16),
            nn.MaxPool2d(2),
            conv_block(16, 32),
            nn.MaxPool2d(2),
            conv_block(32, 64),
            nn.MaxPool2d(2),
            conv_block(64, 64),
        )
        self.head = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))
