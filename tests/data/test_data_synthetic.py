"""Synthetic generators: seeded, in range, balanced, shaped as in TensorFlow Playground."""

import numpy as np
import pytest

from nnstudio.data import DataError, synthetic

CLASSIFIERS = [synthetic.circle, synthetic.xor, synthetic.gauss, synthetic.spiral, synthetic.moons]
REGRESSORS = [synthetic.plane, synthetic.sine]
GENERATORS = CLASSIFIERS + REGRESSORS


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_points_other_seed_other_points(make):
    a, b = make(seed=3, noise=0.2), make(seed=3, noise=0.2)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, make(seed=4, noise=0.2).X)


@pytest.mark.parametrize("make", GENERATORS)
def test_generators_do_not_touch_the_global_rng(make):
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    make(noise=0.3)
    assert np.random.random() == expected


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_points_lie_in_the_square(make, noise):
    d = make(n_samples=400, noise=noise)
    assert len(d) == 400
    assert np.all(np.abs(d.X) <= 6.0)


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_classes_are_balanced_without_noise(make):
    d = make(n_samples=301)
    assert d.task == "binary" and d.class_names == ["orange", "blue"]
    assert d.feature_names == ["x1", "x2"]
    assert list(d.class_counts()) == [150, 151]


@pytest.mark.parametrize("make", GENERATORS)
def test_noise_changes_the_data(make):
    clean, noisy = make(noise=0.0), make(noise=0.4)
    assert not (np.array_equal(clean.X, noisy.X) and np.array_equal(clean.y, noisy.y))


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("noise", [-0.1, 0.51])
def test_noise_outside_0_to_half_is_refused(make, noise):
    with pytest.raises(DataError, match=r"noise must be between 0 and 0\.5"):
        make(noise=noise)


@pytest.mark.parametrize("n_samples", [1, 2.5])
def test_bad_sample_counts_are_refused(n_samples):
    with pytest.raises(DataError, match="n_samples"):
        synthetic.xor(n_samples=n_samples)


def test_circle_blue_inside_radius_2_5_orange_outside_3_5():
    d = synthetic.circle(noise=0.0)
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    assert np.all(r[d.y == 1] < 2.5)
    assert np.all((r[d.y == 0] >= 3.5) & (r[d.y == 0] <= 5.0))


def test_circle_noise_flips_labels_near_the_edge_only():
    clean, noisy = synthetic.circle(noise=0.0), synthetic.circle(noise=0.1)
    np.testing.assert_array_equal(clean.X, noisy.X)  # noise moves the judged point, not the point
    assert 0 < np.sum(clean.y != noisy.y) < len(clean) // 4


def test_xor_label_is_sign_agreement_with_a_gap_at_the_axes():
    d = synthetic.xor(noise=0.0)
    np.testing.assert_array_equal(d.y, (d.X[:, 0] * d.X[:, 1] >= 0).astype(int))
    assert np.all(np.abs(d.X) >= 0.3)


def test_gauss_clusters_sit_at_plus_and_minus_two():
    d = synthetic.gauss(n_samples=2000)
    np.testing.assert_allclose(d.X[d.y == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(d.X[d.y == 0].mean(axis=0), [-2, -2], atol=0.1)
    assert d.X[d.y == 1].std() < synthetic.gauss(n_samples=2000, noise=0.5).X[d.y == 1].std()


def test_spiral_radius_grows_to_five():
    d = synthetic.spiral(noise=0.0)
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    assert r.min() == 0.0 and 4.9 < r.max() < 5.0


def test_moons_are_not_linearly_separable_along_either_axis():
    d = synthetic.moons()
    for column in (0, 1):
        top_orange = d.X[d.y == 0, column].max()
        bottom_blue = d.X[d.y == 1, column].min()
        assert bottom_blue < top_orange


def test_plane_target_is_sum_over_ten():
    d = synthetic.plane(noise=0.0)
    assert d.task == "regression" and d.n_outputs == 1
    np.testing.assert_allclose(d.y, d.X.sum(axis=1) / 10)


def test_sine_target_is_sine_of_x():
    d = synthetic.sine(noise=0.0)
    assert d.feature_names == ["x"]
    np.testing.assert_allclose(d.y, np.sin(d.X[:, 0]))
    noisy = synthetic.sine(noise=0.2)
    assert np.max(np.abs(noisy.y - np.sin(noisy.X[:, 0]))) <= 0.2


def test_course_line_is_the_two_points_of_the_lecture():
    d = synthetic.course_line()
    np.testing.assert_array_equal(d.X, [[1.0], [2.0]])
    np.testing.assert_array_equal(d.y, [3.0, 5.0])
    assert d.feature_names == ["x"] and d.target_names == ["y"] and d.task == "regression"


def test_pass_class_is_plausible():
    d = synthetic.pass_class()
    assert len(d) == 200 and d.class_names == ["fail", "pass"]
    assert d.feature_names == ["lectures_attended", "project_hours"]
    lectures, hours = d.X[:, 0], d.X[:, 1]
    assert np.all(lectures == np.round(lectures)) and lectures.min() >= 0 and lectures.max() <= 20
    assert hours.min() >= 0 and hours.max() <= 40
    assert 0.3 < d.y.mean() < 0.7
    # more of both habits -> more passes
    assert lectures[d.y == 1].mean() > lectures[d.y == 0].mean() + 3
    assert hours[d.y == 1].mean() > hours[d.y == 0].mean() + 5


def test_pass_class_without_noise_is_split_by_a_line():
    d = synthetic.pass_class(noise=0.0)
    score = d.X[:, 0] / 20 + d.X[:, 1] / 40
    np.testing.assert_array_equal(d.y, (score > 1).astype(int))
