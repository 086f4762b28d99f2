"""Temperature scaling and calibration metrics (handbook ``models.md`` section 9).

One temperature per region classifier, fitted on a calibration split that is never used
for testing; ECE, Brier score and reliability bins show whether probabilities can be
read as frequencies.
"""

from __future__ import annotations

import numpy as np

#: Searched temperatures: a fixed log-spaced grid keeps the fit deterministic.
_GRID = np.exp(np.linspace(np.log(0.25), np.log(4.0), 801))


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    p = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, None))))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood on a calibration split."""
    losses = [nll(logits, labels, t) for t in _GRID]
    return float(_GRID[int(np.argmin(losses))])


def brier(probs: np.ndarray, labels: np.ndarray) -> float:
    """Multi-class Brier score: mean squared distance to the one-hot truth."""
    onehot = np.eye(probs.shape[1])[labels]
    return float(np.mean(np.sum((probs - onehot) ** 2, axis=1)))


def reliability_bins(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> list[dict]:
    """Top-label confidence bins: count, mean confidence and accuracy in each."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            out.append(
                {
                    "low": float(lo),
                    "high": float(hi),
                    "count": int(inside.sum()),
                    "confidence": float(conf[inside].mean()),
                    "accuracy": float(correct[inside].mean()),
                }
            )
    return out


def ece(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top label."""
    n = len(labels)
    return float(
        sum(
            b["count"] / n * abs(b["accuracy"] - b["confidence"])
            for b in reliability_bins(probs, labels, bins)
        )
    )
