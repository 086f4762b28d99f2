"""The weights record: ``<name>.safetensors`` plus ``model_card.json``, and loading it.

The model card names the weights file and its SHA-256; :func:`load_reader` refuses
weights whose hash differs, so a read always names the exact weights that made it.
Per-region temperatures are stored as tensors in the safetensors file, so the hash
covers everything that shapes a prediction.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .pipeline import ReaderInfo, TwoStageReader, build_networks
from .types import REGIONS

MODEL_NAME = "stenosis-2stage"
MODEL_VERSION = "1.0.0"
DEFAULT_DIR = Path(__file__).resolve().parent / "weights"
WEIGHTS_FILE = "default.safetensors"
CARD_FILE = "model_card.json"

_cache: dict[tuple[str, str, int], TwoStageReader] = {}
_lock = threading.Lock()


class WeightsMismatchError(RuntimeError):
    """The weights file does not have the SHA-256 its model card records."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_weights(networks: dict, temperatures: dict[str, float], path: Path) -> str:
    """Write all networks and temperatures to one safetensors file; return its SHA-256."""
    tensors = {}
    for name, net in networks.items():
        for key, value in net.state_dict().items():
            tensors[f"{name}.{key}"] = value.detach().cpu().contiguous()
    for region in REGIONS:
        tensors[f"temperature.{region}"] = torch.tensor([temperatures[region]], dtype=torch.float64)
    # One metadata key only: safetensors writes the metadata map in hash order, so two
    # keys can swap between runs and change the file's SHA-256 with identical tensors.
    save_file(tensors, str(path), metadata={"model": f"{MODEL_NAME} {MODEL_VERSION}"})
    return sha256_of(path)


def load_networks(path: Path) -> tuple[dict, dict[str, float]]:
    """Networks (eval mode, CPU) and temperatures from a safetensors file."""
    tensors = load_file(str(path))
    networks = build_networks()
    for name, net in networks.items():
        prefix = f"{name}."
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        net.load_state_dict(state, strict=True)
        net.eval()
    temperatures = {r: float(tensors[f"temperature.{r}"][0]) for r in REGIONS}
    return networks, temperatures


def read_card(folder: Path) -> dict:
    return json.loads((Path(folder) / CARD_FILE).read_text())


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto'; got {device!r}")
    return device


def configure_determinism(threads: int) -> None:
    """Fixed thread count and deterministic kernels: the same input gives the same bits."""
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def load_reader(path: Path | str | None = None, device: str = "cpu", threads: int = 2):
    """Load a reader once per (weights, device) and verify its hash against the model card.

    Parameters
    ----------
    path
        A weights file (its ``model_card.json`` beside it) or a folder holding
        ``default.safetensors`` and ``model_card.json``; default: the shipped weights in
        ``inference/weights/``.
    device
        ``cpu``, ``cuda`` or ``auto`` (CUDA when available).
    threads
        CPU threads for torch.

    Raises
    ------
    WeightsMismatchError
        When the file's SHA-256 differs from the one recorded in the model card.
    FileNotFoundError
        When the weights or the model card are missing.
    """
    path = Path(path) if path is not None else DEFAULT_DIR
    weights = path / WEIGHTS_FILE if path.is_dir() else path
    device = resolve_device(device)
    key = (str(weights.resolve()), device, threads)
    with _lock:
        if key in _cache:
            return _cache[key]
        card = read_card(weights.parent)
        if card.get("weights_file", WEIGHTS_FILE) != weights.name:
            raise WeightsMismatchError(
                f"{weights.name} is not the file named by {weights.parent / CARD_FILE}"
            )
        actual = sha256_of(weights)
        if actual != card["sha256"]:
            raise WeightsMismatchError(
                f"{weights}: SHA-256 {actual} does not match the model card's {card['sha256']};"
                " refusing to load weights the card does not describe."
            )
        configure_determinism(threads)
        networks, temperatures = load_networks(weights)
        info = ReaderInfo(card.get("name", MODEL_NAME), card.get("version", MODEL_VERSION), actual)
        reader = TwoStageReader(networks, temperatures, info, device=device)
        _cache[key] = reader
        return reader
