"""The course's worked examples (COURSE.md), computed by the engine to the digit."""

import math

import numpy as np
import pytest

from nnstudio.engine import Network, losses

TOL = 1e-9


def one_unit(inputs, *, bias, activation="linear", loss="mse", lr=0.01):
    layer = {"units": 1, "activation": activation, "use_bias": bias}
    return Network.from_spec(
        {
            "inputs": inputs,
            "layers": [layer],
            "loss": loss,
            "optimizer": {"name": "sgd", "learning_rate": lr},
        }
    )


def test_two_inputs_prediction_error_gradient_and_one_step():
    net = one_unit(2, bias=False)
    net.set_weights([np.array([[1.0], [2.0]])])
    x, t = np.array([[3.0, 4.0]]), np.array([6.0])
    pred = net.predict(x)
    assert pred.shape == (1, 1)
    assert pred[0, 0] == pytest.approx(11, abs=TOL)
    assert pred[0, 0] - t[0] == pytest.approx(5, abs=TOL)
    (grad,) = net.gradients(x, t)
    np.testing.assert_allclose(grad, [[30.0], [40.0]], rtol=0, atol=TOL)
    assert net.train_step(x, t) == pytest.approx(25, abs=TOL)  # the loss before the step
    np.testing.assert_allclose(net.get_weights()[0], [[0.7], [1.6]], rtol=0, atol=TOL)
    assert net.predict(x)[0, 0] - t[0] == pytest.approx(2.5, abs=TOL)


def test_line_through_two_points():
    net = one_unit(1, bias=True, lr=0.1)
    net.set_weights([np.array([[-1.0]]), np.array([5.0])])  # m = -1, b = 5
    x, t = np.array([[1.0], [2.0]]), np.array([3.0, 5.0])
    mse = net.loss(x, t)
    assert mse == pytest.approx(2.5, abs=TOL)
    assert math.sqrt(mse) == pytest.approx(1.6, abs=0.05)  # RMSE, as the slides round it
    dm, db = net.gradients(x, t)
    assert dm.shape == (1, 1) and db.shape == (1,)
    assert dm[0, 0] == pytest.approx(-3, abs=TOL)
    assert db[0] == pytest.approx(-1, abs=TOL)
    net.train_step(x, t)
    m, b = net.get_weights()
    assert m[0, 0] == pytest.approx(-0.7, abs=TOL)
    assert b[0] == pytest.approx(5.1, abs=TOL)


def test_perceptron_with_sigmoid():
    net = one_unit(2, bias=True, activation="sigmoid")
    net.set_weights([np.array([[3.0], [-2.0]]), np.array([1.0])])
    x = np.array([[-1.0, 2.0]])
    ((z, a),) = net.layer_outputs(x)
    assert z[0, 0] == pytest.approx(-6, abs=TOL)
    out = net.predict(x)[0, 0]
    assert f"{out:.4g}" == "0.002473"
    assert out == pytest.approx(1 / (1 + math.exp(6)), rel=1e-12)
    assert a[0, 0] == out


def test_squared_error_over_three_points():
    pred = np.array([[10.0], [8.0], [6.0]])
    target = np.array([[20.0], [3.0], [1.0]])
    errors = pred - target
    np.testing.assert_array_equal(errors[:, 0], [-10, 5, 5])
    np.testing.assert_array_equal((errors**2)[:, 0], [100, 25, 25])
    assert float((errors**2).sum()) == 150
    mse = losses.get("mse")
    assert mse.value(pred, target) == pytest.approx(50, abs=TOL)
    assert losses.get("half_mse").value(pred, target) == pytest.approx(25, abs=TOL)
    # The slope with respect to each prediction: 2 x error / N.
    np.testing.assert_allclose(mse.gradient(pred, target), 2 * errors / 3, rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("loss", "slope", "new_weight"), [("mse", -24.0, 2.24), ("half_mse", -12.0, 2.12)]
)
def test_slope_by_hand_one_weight(loss, slope, new_weight):
    net = one_unit(1, bias=False, loss=loss, lr=0.01)
    net.set_weights([np.array([[2.0]])])
    x, t = np.array([[3.0]]), np.array([10.0])
    assert net.predict(x)[0, 0] - t[0] == pytest.approx(-4, abs=TOL)
    assert net.gradients(x, t)[0][0, 0] == pytest.approx(slope, abs=TOL)
    net.train_step(x, t)
    assert net.get_weights()[0][0, 0] == pytest.approx(new_weight, abs=TOL)


def baseline_network():
    net = Network.from_spec(
        {
            "inputs": 2,
            "layers": [
                {"units": 2, "activation": "linear", "use_bias": False},
                {"units": 1, "activation": "linear", "use_bias": False},
            ],
        }
    )
    # Column j holds the weights into hidden node j: node 1 [1, 1], node 2 [-1, 1].
    net.set_weights([np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([[2.0], [-1.0]])])
    return net


def test_baseline_network_forward():
    net = baseline_network()
    x = np.array([[2.0, 3.0]])
    (z1, a1), (z2, a2) = net.layer_outputs(x)
    np.testing.assert_allclose(a1, [[5.0, 1.0]], rtol=0, atol=TOL)
    assert a2[0, 0] == pytest.approx(9, abs=TOL)
    np.testing.assert_array_equal(z1, a1)  # identity activations: sums pass through
    np.testing.assert_array_equal(z2, a2)
    assert net.predict(x)[0, 0] - 13 == pytest.approx(-4, abs=TOL)


def test_baseline_network_backpropagation_by_hand():
    """The chain-rule table a student fills in: dL/dpred = 2 x error = -8, then one layer back."""
    net = baseline_network()
    x, t = np.array([[2.0, 3.0]]), np.array([13.0])
    trace = net.trace(x, t)
    assert trace["loss"] == pytest.approx(16, abs=TOL)
    hidden, out = trace["layers"]
    np.testing.assert_allclose(out["input"], [[5.0, 1.0]], atol=TOL)
    np.testing.assert_allclose(out["dL_da"], [[-8.0]], atol=TOL)
    np.testing.assert_allclose(out["slope"], [[1.0]], atol=TOL)
    np.testing.assert_allclose(out["dW"], [[-40.0], [-8.0]], atol=TOL)
    # A hidden node's slope is the sum over the weights leaving it: -8 x [2, -1].
    np.testing.assert_allclose(hidden["dL_da"], [[-16.0, 8.0]], atol=TOL)
    np.testing.assert_allclose(hidden["dW"], [[-32.0, 16.0], [-48.0, 24.0]], atol=TOL)
    assert hidden["db"] is None
    dW1, dW2 = net.gradients(x, t)
    np.testing.assert_array_equal(dW1, hidden["dW"])
    np.testing.assert_array_equal(dW2, out["dW"])
