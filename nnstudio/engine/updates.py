"""What one optimizer step does to each weight: the arithmetic of ``optimizers.py``, compiled.

Each function walks the flat vectors once. For weight i it reads the weight ``w[i]``, its
gradient ``g[i]`` and its state, and writes the new state, the update ``d[i]`` (the GUI shows
each weight's last update) and the new weight, keeping the old one in ``old[i]``. It returns
whether every new weight is finite; if not, the caller puts the old weights back, so a step
that overflows changes no weight.

Why compiled: in NumPy every operation is a pass over whole vectors, and Adam needs nine of
them (plus the finiteness check and the add), about 4.5 ns per float64 weight on this
machine's core; one vectorized loop reads and writes each vector once, about 1.7 ns (the
editor's deepest network, 0.74 M weights: 3.5 ms -> 1.3 ms per step; docs/engine-bench.md).
numba compiles the loops on first use (0.2-0.6 s each) and caches them on disk
(``compiled.py``).

The operations are torch.optim's, each written as NumPy evaluated it before these kernels
existed: same order, scalars of the vectors' dtype (as NumPy casts a Python float), no
fast-math and no fused multiply-add. So every result is the NumPy result bit for bit, and
``tests/engine/test_engine_optimizers.py`` checks that against plain NumPy formulas.

Scalars that change per step (Adam's bias corrections, Adagrad's decayed rate) are computed
once per step by the optimizer and passed in. Flags (``amsgrad``, ``nesterov``...) are
constant in a loop; the compiler moves their tests out of it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nnstudio.engine.compiled import compiled

# error_model="numpy": a division by zero gives inf or NaN, as in NumPy, instead of a check
# that raises ZeroDivisionError; that check kept the loops from being vectorized (Adam over
# 0.74 M float64 weights: 1.9 ms -> 1.3 ms; float32: 1.2 ms -> 0.6 ms).
_jit = compiled(error_model="numpy")
_inline = njit(inline="always", error_model="numpy")


@_inline
def _decayed(wi, gi, wd):
    """torch.optim's weight decay: the gradient plus wd times the weight."""
    return wi * wd + gi if wd else gi


@_inline
def _apply(w, d, old, i, wi, di):
    """Keep the old weight, write the update and the new weight; is the new weight finite?"""
    d[i] = di
    old[i] = wi
    wi = wi + di
    w[i] = wi
    return abs(wi) < np.inf


@_jit
def sgd(w, g, d, old, buf, lr, wd, mu, undamped, nesterov, first):
    """g += wd w;  b = mu b + (1 - dampening) g (b = g at step 1);  w += lr (g + mu b or b).

    ``lr`` holds -learning_rate.
    """
    finite = True
    for i in range(w.size):
        wi = w[i]
        gi = _decayed(wi, g[i], wd)
        if mu:
            if first:
                b = gi
            elif undamped != 1:  # 1 - dampening; g x 1.0 is g, so it is skipped
                b = buf[i] * mu + gi * undamped
            else:
                b = buf[i] * mu + gi
            buf[i] = b
            gi = b * mu + gi if nesterov else b
        di = gi * lr
        finite &= _apply(w, d, old, i, wi, di)
    return finite


@_jit
def adam(w, g, d, old, m, v, vmax, wd, beta1, beta2, amsgrad, eps_c, scale):
    """m' = b1 m' + g;  v' = b2 v' + g^2;  w += scale m' / (sqrt(v') + eps_c).

    The state is kept scaled (m' = m / (1 - b1), v' = v / (1 - b2)) and the bias corrections
    are folded into ``eps_c`` and ``scale`` (see ``optimizers.Adam``).
    """
    finite = True
    for i in range(w.size):
        wi = w[i]
        gi = _decayed(wi, g[i], wd)
        mi = m[i] * beta1 + gi
        vi = v[i] * beta2 + gi * gi
        m[i], v[i] = mi, vi
        if amsgrad:
            top = vmax[i]
            if not top >= vi:  # a NaN in vi wins, as in np.maximum (vmax is never NaN)
                top = vi
            vmax[i] = vi = top
        di = mi / (np.sqrt(vi) + eps_c) * scale
        finite &= _apply(w, d, old, i, wi, di)
    return finite


@_jit
def rmsprop(w, g, d, old, sq, ga, buf, lr, wd, alpha, rest, eps, mu, centered):
    """v = alpha v + (1 - alpha) g^2 (centered: minus mean(g)^2);  w += lr g / (sqrt(v) + eps).

    ``rest`` holds 1 - alpha and ``lr`` -learning_rate; with momentum ``mu``,
    b = mu b + g / (sqrt(v) + eps) and w += lr b.
    """
    finite = True
    for i in range(w.size):
        wi = w[i]
        gi = _decayed(wi, g[i], wd)
        s = sq[i] * alpha + gi * gi * rest
        sq[i] = s
        if centered:
            a = ga[i] + (gi - ga[i]) * rest  # torch: grad_avg.lerp_(grad, 1 - alpha)
            ga[i] = a
            avg = np.sqrt(s - a * a) + eps
        else:
            avg = np.sqrt(s) + eps
        if mu > 0:
            b = buf[i] * mu + gi / avg
            buf[i] = b
            di = b * lr
        else:
            di = gi / avg * lr
        finite &= _apply(w, d, old, i, wi, di)
    return finite


@_jit
def adagrad(w, g, d, old, total, wd, eps, clr):
    """s = s + g^2;  w -= clr g / (sqrt(s) + eps), ``clr`` holding minus the decayed rate."""
    finite = True
    for i in range(w.size):
        wi = w[i]
        gi = _decayed(wi, g[i], wd)
        s = total[i] + gi * gi
        total[i] = s
        di = gi / (np.sqrt(s) + eps) * clr
        finite &= _apply(w, d, old, i, wi, di)
    return finite


@_jit
def adadelta(w, g, d, old, sq, acc, lr, wd, rho, rest, eps):
    """v = rho v + (1 - rho) g^2;  s = sqrt(u + eps) / sqrt(v + eps) g;  u = rho u + (1 - rho) s^2.

    ``rest`` holds 1 - rho and ``lr`` -learning_rate; w += lr s.
    """
    finite = True
    for i in range(w.size):
        wi = w[i]
        gi = _decayed(wi, g[i], wd)
        v = sq[i] * rho + gi * gi * rest
        sq[i] = v
        step = np.sqrt(acc[i] + eps) / np.sqrt(v + eps) * gi
        acc[i] = acc[i] * rho + step * step * rest
        di = step * lr
        finite &= _apply(w, d, old, i, wi, di)
    return finite
