"""Training loops: heatmap localisers and crop classifiers, deterministic on CPU.

Batches are drawn with a seeded :class:`torch.Generator`; no DataLoader workers, so a
run depends only on the seed, the data and the number of threads.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from .localize import STRIDE

LOCALISER_SIGMA_CELLS = 1.0
SLICE_SIGMA_MM = 2.0


def _batches(n: int, batch: int, generator: torch.Generator):
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, batch):
        yield order[start : start + batch]


def _optimiser(net: nn.Module, lr: float, epochs: int, steps: int):
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.25
    )
    return opt, sched


def _gain(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random per-sample intensity gain (0.85-1.15): scanners scale signal differently."""
    g = 0.85 + 0.3 * torch.rand(x.shape[0], 1, 1, 1, generator=generator)
    return x * g


def heatmap_loss(logits, coords, offsets, size: int) -> torch.Tensor:
    """Cross-entropy to a Gaussian target plus L1 on the soft-argmax (in heatmap cells).

    ``logits`` ``[B, points, blocks, h, w]``; ``coords`` ``[B, points, 3]`` (grid column,
    grid row, offset mm); ``offsets`` ``[B, blocks]`` slice offsets (mm).
    """
    b, k, s, h, w = logits.shape
    cells = torch.arange(h, dtype=torch.float32) * STRIDE + 0.5 * (STRIDE - 1)
    sig = LOCALISER_SIGMA_CELLS * STRIDE
    gc = torch.exp(-0.5 * ((cells[None, None, :] - coords[..., 0:1]) / sig) ** 2)
    gr = torch.exp(-0.5 * ((cells[None, None, :] - coords[..., 1:2]) / sig) ** 2)
    gb = torch.exp(-0.5 * ((offsets[:, None, :] - coords[..., 2:3]) / SLICE_SIGMA_MM) ** 2)
    target = gb[..., :, None, None] * gr[..., None, :, None] * gc[..., None, None, :]
    target = target.reshape(b, k, -1)
    target = target / target.sum(-1, keepdim=True).clamp_min(1e-12)
    logp = torch.log_softmax(logits.reshape(b, k, -1), dim=-1)
    ce = -(target * logp).sum(-1).mean()
    p = logp.exp().reshape(b, k, s, h, w)
    col = (p.sum(dim=(2, 3)) * cells).sum(-1)
    row = (p.sum(dim=(2, 4)) * cells).sum(-1)
    l1 = ((col - coords[..., 0]).abs() + (row - coords[..., 1]).abs()).mean() / STRIDE
    if s > 1:
        off = (p.sum(dim=(3, 4)) * offsets[:, None, :]).sum(-1)
        l1 = l1 + (off - coords[..., 2]).abs().mean() / SLICE_SIGMA_MM
    return ce + l1


def train_localiser(
    net: nn.Module,
    inputs: np.ndarray,
    coords: np.ndarray,
    offsets: np.ndarray | None,
    *,
    epochs: int,
    seed: int,
    batch: int = 32,
    lr: float = 3e-3,
    log=print,
    name: str = "",
) -> None:
    """Fit a :class:`~.networks.HeatmapNet` in place."""
    n, _, size, _ = inputs.shape
    k = coords.shape[1]
    x_all = torch.from_numpy(inputs)
    y_all = torch.from_numpy(coords)
    off_all = torch.zeros(n, 1) if offsets is None else torch.from_numpy(offsets)
    blocks = off_all.shape[1]
    generator = torch.Generator().manual_seed(seed)
    steps = (n + batch - 1) // batch
    opt, sched = _optimiser(net, lr, epochs, steps)
    net.train()
    t0 = time.perf_counter()
    for epoch in range(epochs):
        total = 0.0
        for idx in _batches(n, batch, generator):
            x = _gain(x_all[idx].float(), generator)
            logits = net(x)
            logits = logits.reshape(len(idx), k, blocks, *logits.shape[2:])
            loss = heatmap_loss(logits, y_all[idx], off_all[idx], size)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        log(
            f"  {name} epoch {epoch + 1}/{epochs} loss {total / n:.4f} ({time.perf_counter() - t0:.0f} s)"
        )
    net.eval()


def train_classifier(
    net: nn.Module,
    inputs: np.ndarray,
    grades: np.ndarray,
    *,
    epochs: int,
    seed: int,
    batch: int = 128,
    lr: float = 3e-3,
    log=print,
    name: str = "",
) -> None:
    """Fit a :class:`~.networks.CropClassifier` with class-weighted cross-entropy."""
    n = inputs.shape[0]
    x_all = torch.from_numpy(inputs)
    y_all = torch.from_numpy(grades)
    counts = np.bincount(grades, minlength=4).astype(np.float64)
    # Inverse-frequency weights (Hallinan's cost-sensitive loss), tempered by a square root.
    weights = torch.tensor(
        np.sqrt(counts.sum() / np.maximum(counts, 1.0) / 4.0), dtype=torch.float32
    )
    criterion = nn.CrossEntropyLoss(weight=weights)
    generator = torch.Generator().manual_seed(seed)
    steps = (n + batch - 1) // batch
    opt, sched = _optimiser(net, lr, epochs, steps)
    net.train()
    t0 = time.perf_counter()
    for epoch in range(epochs):
        total, correct = 0.0, 0
        for idx in _batches(n, batch, generator):
            x = _gain(x_all[idx].float(), generator)
            logits = net(x)
            loss = criterion(logits, y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y_all[idx]).sum())
        log(
            f"  {name} epoch {epoch + 1}/{epochs} loss {total / n:.4f} acc {correct / n:.3f} ({time.perf_counter() - t0:.0f} s)"
        )
    net.eval()
