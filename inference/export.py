"""TorchScript export of the six networks, with a parity check against eager mode.

``python -m inference.export --out DIR`` writes ``<network>.pt`` files traced on
example inputs of the shapes the reader uses.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from .classify import CROPS
from .localize import AX_SIZE, AXIAL_INPUT_SLICES, FORAMEN_SLICES, SAG_SIZE
from .registry import DEFAULT_DIR, WEIGHTS_FILE, load_networks

#: Example input shapes ``[channels, size]`` per network.
EXAMPLE_SHAPES = {
    "sagittal": (3, SAG_SIZE),
    "axial": (AXIAL_INPUT_SLICES, AX_SIZE),
    "foramen_localiser": (FORAMEN_SLICES, SAG_SIZE),
    "canal": (3, CROPS["canal"].pixels),
    "recess": (3, CROPS["recess"].pixels),
    "foramen": (3, CROPS["foramen"].pixels),
}


def example_input(name: str, batch: int = 2, seed: int = 0) -> torch.Tensor:
    channels, size = EXAMPLE_SHAPES[name]
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, channels, size, size, generator=generator)


def trace(networks: dict) -> dict[str, torch.jit.ScriptModule]:
    """Traced TorchScript modules (eval mode) of every network."""
    traced = {}
    with torch.inference_mode(False), torch.no_grad():
        for name, net in networks.items():
            traced[name] = torch.jit.trace(net.eval(), example_input(name))
    return traced


def parity(networks: dict, traced: dict) -> dict[str, float]:
    """Largest absolute difference of the outputs, eager vs TorchScript, per network."""
    out = {}
    with torch.no_grad():
        for name, net in networks.items():
            x = example_input(name, batch=3, seed=1)
            out[name] = float((net(x) - traced[name](x)).abs().max())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m inference.export")
    parser.add_argument("--weights", type=Path, default=DEFAULT_DIR / WEIGHTS_FILE)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    networks, _ = load_networks(args.weights)
    traced = trace(networks)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, module in traced.items():
        module.save(str(args.out / f"{name}.pt"))
    for name, delta in parity(networks, traced).items():
        print(f"{name:18s} max |Δ| {delta:.2e}")


if __name__ == "__main__":
    main()
