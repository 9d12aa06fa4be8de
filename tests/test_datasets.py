"""glassnet.datasets: bundled sets equal scikit-learn's, toys have the geometry they claim."""

import dataclasses

import numpy as np
import pytest
import sklearn.datasets

from glassnet import datasets

# Sizes documented by scikit-learn for its bundled copies.
BUNDLED_SHAPES = {
    "digits": (1797, 64, 10),
    "iris": (150, 4, 3),
    "wine": (178, 13, 3),
    "breast_cancer": (569, 30, 2),
    "diabetes": (442, 10, None),
}
TOYS_2D = ["circles", "moons", "xor", "gaussians", "spiral"]


def test_names_lists_every_set_sorted():
    assert datasets.names() == sorted([*BUNDLED_SHAPES, *TOYS_2D, "sine"])


@pytest.mark.parametrize("name", sorted([*BUNDLED_SHAPES, *TOYS_2D, "sine"]))
def test_every_set_is_consistent(name):
    data = datasets.load(name)
    assert data.name == name
    assert data.X.dtype == np.float32 and data.X.ndim == 2
    assert data.y.shape == (data.n_samples,)
    assert len(data.feature_names) == data.n_features
    assert isinstance(data.description, str) and "\n" not in data.description
    assert str(data.n_samples) in data.description
    if data.task == "classification":
        assert data.y.dtype == np.int64
        assert np.array_equal(np.unique(data.y), np.arange(data.n_classes))
    else:
        assert data.task == "regression" and data.y.dtype == np.float32
        assert data.target_names is None and data.n_classes is None
    assert np.all(np.isfinite(data.X)) and np.all(np.isfinite(data.y))


@pytest.mark.parametrize("name", sorted(BUNDLED_SHAPES))
def test_bundled_sets_equal_scikit_learn(name):
    data = datasets.load(name)
    reference = getattr(sklearn.datasets, f"load_{name}")()
    n, features, classes = BUNDLED_SHAPES[name]
    assert data.X.shape == (n, features)
    assert data.n_classes == classes
    np.testing.assert_array_equal(data.X, reference.data.astype(np.float32))
    np.testing.assert_array_equal(data.y, reference.target.astype(data.y.dtype))
    assert data.feature_names == [str(f) for f in reference.feature_names]


def test_digits_are_images():
    data = datasets.load("digits")
    assert data.image_shape == (1, 8, 8)
    assert np.prod(data.image_shape) == data.n_features
    assert data.X.min() == 0 and data.X.max() == 16
    assert data.target_names == [str(d) for d in range(10)]
    assert all(datasets.load(n).image_shape is None for n in ("iris", "moons"))


def test_bundled_subset_is_seeded_and_keeps_order():
    full = datasets.load("wine")
    part = datasets.load("wine", n_samples=40, seed=3)
    again = datasets.load("wine", n_samples=40, seed=3)
    other = datasets.load("wine", n_samples=40, seed=4)
    np.testing.assert_array_equal(part.X, again.X)
    assert not np.array_equal(part.X, other.X)
    # Each row of the subset is a row of the full set, in the original order.
    rows = [int(np.flatnonzero((full.X == row).all(axis=1))[0]) for row in part.X[:10]]
    assert rows == sorted(rows)
    np.testing.assert_array_equal(full.y[rows], part.y[:10])
    assert "40 of 178 samples" in part.description


def test_bundled_subset_larger_than_set_is_refused():
    with pytest.raises(ValueError, match="n_samples=200 but 'iris' has only 150 rows"):
        datasets.load("iris", n_samples=200)


def test_noise_is_refused_for_bundled_sets():
    with pytest.raises(ValueError, match="noise=0.1: 'digits' is a fixed data set.*moons"):
        datasets.load("digits", noise=0.1)


@pytest.mark.parametrize("name", [*TOYS_2D, "sine"])
def test_toys_are_deterministic_and_sized(name):
    a = datasets.load(name, n_samples=101, seed=5)
    b = datasets.load(name, n_samples=101, seed=5)
    c = datasets.load(name, n_samples=101, seed=6)
    assert a.n_samples == 101
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert datasets.is_2d_toy(name) == (name != "sine")


def test_circles_radii_without_noise():
    data = datasets.load("circles", n_samples=200, noise=0.0)
    radius = np.linalg.norm(data.X, axis=1)
    np.testing.assert_allclose(radius[data.y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[data.y == 1], 0.5, rtol=1e-6)
    assert data.target_names == ["outer", "inner"]


def test_moons_equal_make_moons():
    data = datasets.load("moons", n_samples=300, noise=0.2, seed=7)
    X, y = sklearn.datasets.make_moons(300, noise=0.2, random_state=7)
    np.testing.assert_array_equal(data.X, X.astype(np.float32))
    np.testing.assert_array_equal(data.y, y)


def test_xor_layout():
    exact = datasets.load("xor", n_samples=400, noise=0.0)
    assert np.array_equal(np.abs(exact.X), np.ones((400, 2)))
    # Label 1 exactly where the two coordinates have opposite signs.
    np.testing.assert_array_equal(exact.y, (exact.X[:, 0] * exact.X[:, 1] < 0).astype(int))
    corners, counts = np.unique(exact.X, axis=0, return_counts=True)
    assert len(corners) == 4 and counts.max() - counts.min() <= 1
    noisy = datasets.load("xor", n_samples=2000, noise=0.3)
    agreement = np.mean(noisy.y == (noisy.X[:, 0] * noisy.X[:, 1] < 0))
    assert agreement > 0.99  # a sign flips when noise passes 1/0.3 = 3.3 std: p < 0.001
    # Offsets from the nearest corner have the requested standard deviation.
    assert abs((noisy.X - np.sign(noisy.X)).std() - 0.3) < 0.02


def test_gaussians_take_n_classes():
    data = datasets.load("gaussians", n_samples=400, n_classes=4, noise=0.5)
    assert data.n_classes == 4 and data.target_names == ["blob 0", "blob 1", "blob 2", "blob 3"]
    X, y = sklearn.datasets.make_blobs(400, n_features=2, centers=4, cluster_std=0.5, random_state=0)
    np.testing.assert_array_equal(data.X, X.astype(np.float32))
    np.testing.assert_array_equal(data.y, y)


@pytest.mark.parametrize("arms", [2, 3])
def test_spiral_arms_follow_the_formula(arms):
    data = datasets.load("spiral", n_samples=300, n_classes=arms, noise=0.0)
    assert np.array_equal(np.bincount(data.y), [300 // arms] * arms)
    r = np.linalg.norm(data.X, axis=1).astype(np.float64)
    theta = np.arctan2(data.X[:, 1], data.X[:, 0]).astype(np.float64)
    assert r.min() > 0 and r.max() < 1
    # theta = 3 pi r + 2 pi k / K (mod 2 pi) on arm k
    expected = 3 * np.pi * r + 2 * np.pi * data.y / arms
    np.testing.assert_allclose(np.cos(theta - expected), 1.0, atol=1e-5)


def test_sine_without_noise_is_the_sine():
    data = datasets.load("sine", n_samples=50, noise=0.0)
    assert data.X.shape == (50, 1) and data.feature_names == ["x"]
    assert np.all(np.abs(data.X) <= np.pi)
    np.testing.assert_allclose(data.y, np.sin(data.X[:, 0]), atol=1e-6)


def test_dataset_is_frozen():
    data = datasets.load("iris")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.X = None


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'.*'breast_cancer'.*'xor'"):
        datasets.load("mnist")
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.is_2d_toy("mnist")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 0}, "n_samples must be a positive int or None, got 0"),
        ({"n_samples": "10"}, "n_samples must be a positive int or None, got '10'"),
        ({"n_samples": True}, "n_samples must be a positive int"),
        ({"noise": -0.1}, r"noise must be a float >= 0 or None, got -0.1"),
        ({"seed": -1}, "seed must be an int >= 0, got -1"),
        ({"seed": 1.5}, "seed must be an int >= 0, got 1.5"),
        ({"n_classes": 3}, "only 'gaussians' and 'spiral' take n_classes, not 'moons'"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.load("moons", **kwargs)


def test_bad_class_counts_are_named():
    with pytest.raises(ValueError, match="spiral: n_classes must be 2 or 3, got 4"):
        datasets.load("spiral", n_classes=4)
    with pytest.raises(ValueError, match="gaussians: n_classes must be an int >= 2, got 1"):
        datasets.load("gaussians", n_classes=1)


def test_return_x_y_gives_the_arrays_as_scikit_learn_loaders_do():
    X, y = datasets.load("moons", n_samples=20, seed=1, return_X_y=True)
    data = datasets.load("moons", n_samples=20, seed=1)
    np.testing.assert_array_equal(X, data.X)
    np.testing.assert_array_equal(y, data.y)
    X, y = datasets.load("digits", n_samples=5, return_X_y=True)
    assert X.shape == (5, 64) and y.shape == (5,)
    with pytest.raises(TypeError, match="return_X_y must be True or False"):
        datasets.load("moons", return_X_y="yes")


def test_unpacking_a_dataset_names_the_attributes_and_return_x_y():
    with pytest.raises(TypeError, match=r"data.X, data.y, or gn.datasets.load\(.moons., return_X_y=True\)"):
        X, y = datasets.load("moons", n_samples=10)
