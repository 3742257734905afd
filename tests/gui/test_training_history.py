"""The live history stays bounded: a million batch losses fit in a few kilobytes."""

import tracemalloc

import numpy as np

from nnstudio.live.snapshot import CURVE_CAPACITY, Decimated, Recorder


def test_million_batch_losses_stay_under_100_mb():
    recorder = Recorder(n_layers=3)
    tracemalloc.start()
    try:
        for step in range(1, 1_000_001):
            recorder.on_batch(step, 1.0 / step)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    x, _y = recorder.batch_loss.arrays()
    assert len(x) <= CURVE_CAPACITY + 1
    assert recorder.nbytes < 100 * 2**20 and peak < 100 * 2**20
    assert x[0] < 300 and x[-1] > 999_000  # the whole run is still covered
    assert np.all(np.diff(x) > 0)


def test_decimation_averages_pairs():
    curve = Decimated(capacity=4)
    for i in range(8):
        curve.append(i, float(i))
    x, y = curve.arrays()
    np.testing.assert_allclose(x, [0.5, 2.5, 4.5, 6.5])
    np.testing.assert_allclose(y, x)
    curve.append(8, 8.0)
    assert curve.arrays()[0][-1] == 8  # the unfinished bucket shows as a last point
