"""A plain multi-layer perceptron to read in one sitting: forward, backward, one optimizer step.

This is the lecture's algorithm written out with nothing left out and nothing optimized. The
real ``Network`` computes the same numbers faster (one flat parameter vector, fused bias,
preallocated buffers); the tests use this file as an independent oracle for it, so it imports
nothing else of the engine. ``layers`` is a list of ``(W, b, activation)`` with W of shape
(inputs, units) and b of shape (units,) or None. Targets ``T`` have the output's shape
(one-hot rows for softmax). Losses: ``"mse"`` and, with a sigmoid or softmax output, cross-entropy.
"""

from __future__ import annotations

import numpy as np

ACTIVATIONS = {  # name: (g(z), g'(z) written with z and a = g(z))
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0) * 1.0),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z, a: np.where(z > 0, 1, 0.01)),
    "elu": (
        lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
        lambda z, a: np.where(z > 0, 1, a + 1),
    ),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
}


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(layers: list, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every layer's weighted sums z = a_prev W + b and activations a = g(z)."""
    out, a = [], X
    for W, b, activation in layers:
        z = a @ W + (0 if b is None else b)
        a = softmax(z) if activation == "softmax" else ACTIVATIONS[activation][0](z)
        out.append((z, a))
    return out


def loss(layers: list, X: np.ndarray, T: np.ndarray, name: str) -> float:
    """The mean loss over the batch, as PyTorch's ``reduction="mean"`` computes it."""
    P = forward(layers, X)[-1][1]
    if name == "mse":
        return float(np.mean((P - T) ** 2))
    if name == "binary_crossentropy":
        return float(-np.mean(T * np.log(P) + (1 - T) * np.log(1 - P)))
    return float(-np.sum(T * np.log(P)) / len(P))  # categorical: mean over the rows


def backward(layers: list, X: np.ndarray, T: np.ndarray, name: str) -> list:
    """dLoss/dW and dLoss/db of every layer (db None without a bias), by the chain rule."""
    outputs = forward(layers, X)
    P = outputs[-1][1]
    if name == "mse":
        dz = 2 * (P - T) / P.size * ACTIVATIONS[layers[-1][2]][1](outputs[-1][0], P)
    else:  # cross-entropy after sigmoid or softmax: dL/dz = (p - t) / N, N as in the mean
        dz = (P - T) / (P.size if name == "binary_crossentropy" else len(P))
    grads = []
    for k in range(len(layers) - 1, -1, -1):
        W, b, _ = layers[k]
        a_prev = X if k == 0 else outputs[k - 1][1]
        grads.append((a_prev.T @ dz, None if b is None else dz.sum(axis=0)))
        if k > 0:
            z_prev, a_prev = outputs[k - 1]
            dz = (dz @ W.T) * ACTIVATIONS[layers[k - 1][2]][1](z_prev, a_prev)
    return grads[::-1]


def sgd_step(layers: list, grads: list, learning_rate: float) -> list:
    """Plain gradient descent: w <- w - learning_rate * dL/dw."""
    return [
        (W - learning_rate * dW, None if b is None else b - learning_rate * db, act)
        for (W, b, act), (dW, db) in zip(layers, grads, strict=True)
    ]


def adam_step(layers: list, grads: list, learning_rate: float, state: dict) -> list:
    """One Adam step (betas 0.9, 0.999, eps 1e-8) as torch.optim computes it.

    ``state`` starts as ``{}``; it keeps the step count t and each weight's averages m and v.
    """
    b1, b2, eps = 0.9, 0.999, 1e-8
    t = state["t"] = state.get("t", 0) + 1

    def update(key: str, w: np.ndarray | None, g: np.ndarray | None) -> np.ndarray | None:
        if w is None:
            return None
        m = state[key + "m"] = b1 * state.get(key + "m", 0) + (1 - b1) * g
        v = state[key + "v"] = b2 * state.get(key + "v", 0) + (1 - b2) * g * g
        return w - learning_rate / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)

    return [
        (update(f"W{k}", W, dW), update(f"b{k}", b, db), act)
        for k, ((W, b, act), (dW, db)) in enumerate(zip(layers, grads, strict=True))
    ]
