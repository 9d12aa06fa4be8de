"""glassnet.plot: every figure renders to a PNG of the expected size and draws the right numbers."""

import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix, r2_score, roc_auc_score

import glassnet as gn
from glassnet import plot

HISTORY = {
    "loss": [0.9, 0.6, 0.45, 0.4],
    "val_loss": [1.0, 0.7, 0.6, 0.58],
    "accuracy": [0.5, 0.7, 0.8, 0.85],
    "val_accuracy": [0.45, 0.65, 0.7, 0.72],
}


class History:
    """Stands for the training loop's History: anything with a ``.history`` dict."""

    def __init__(self, logs):
        self.history = logs


class LabelModel:
    """Predicts class 1 right of x1 = 0, class 0 left; records the inputs it is given."""

    def __init__(self):
        self.calls = []

    def predict(self, X):
        self.calls.append(X)
        return (X[:, 0] > 0).astype(np.int64)


class SigmoidModel:
    def predict(self, X):
        return 1 / (1 + np.exp(-3 * X[:, :1]))


class SoftmaxModel:
    def predict(self, X):
        z = np.stack([X[:, 0], X[:, 1], -X[:, 0] - X[:, 1]], axis=1)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def check_png(fig, path, height, width):
    """The figure was returned and saved as a non-empty PNG of height x width pixels."""
    assert isinstance(fig, Figure)
    assert path.stat().st_size > 0
    assert matplotlib.image.imread(path).shape[:2] == (height, width)


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    return X, (X[:, 0] > 0).astype(np.int64)


# --------------------------------------------------------------------------- history
def test_history_draws_training_and_validation(tmp_path):
    fig = plot.history(History(HISTORY), path=tmp_path / "history.png")
    check_png(fig, tmp_path / "history.png", 320, 800)
    loss_panel, accuracy_panel = fig.axes
    assert loss_panel.get_title() == "loss" and accuracy_panel.get_title() == "accuracy"
    training, validation = loss_panel.lines
    np.testing.assert_array_equal(training.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(training.get_ydata(), HISTORY["loss"])
    np.testing.assert_array_equal(validation.get_ydata(), HISTORY["val_loss"])


def test_history_accepts_a_dict_and_one_metric(tmp_path):
    fig = plot.history(HISTORY, metrics="accuracy", path=tmp_path / "accuracy.png")
    check_png(fig, tmp_path / "accuracy.png", 320, 400)
    assert [ax.get_title() for ax in fig.axes] == ["accuracy"]


def test_history_unknown_metric_lists_available():
    with pytest.raises(ValueError, match=r"\['f1'\] not in the history; available: \['loss', 'accuracy'\]"):
        plot.history(HISTORY, metrics=["loss", "f1"])


def test_history_refuses_empty_and_wrong_types():
    with pytest.raises(ValueError, match="history is empty"):
        plot.history({})
    with pytest.raises(TypeError, match="h must be a History or a dict.*got list"):
        plot.history([0.5, 0.4])


# ------------------------------------------------------------------ confusion matrix
def test_confusion_matrix_annotates_sklearn_counts(tmp_path):
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 3, 100)
    y_pred = np.where(rng.random(100) < 0.7, y_true, rng.integers(0, 3, 100))
    fig = plot.confusion_matrix(y_true, y_pred, path=tmp_path / "cm.png")
    check_png(fig, tmp_path / "cm.png", 450, 500)
    texts = [int(t.get_text()) for t in fig.axes[0].texts]
    np.testing.assert_array_equal(texts, confusion_matrix(y_true, y_pred).ravel())


def test_confusion_matrix_normalized_from_probabilities():
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 4, 80)
    probabilities = rng.dirichlet(np.ones(4), 80)
    fig = plot.confusion_matrix(y_true, probabilities, normalize="true")
    expected = confusion_matrix(y_true, probabilities.argmax(axis=1), normalize="true")
    shown = np.array([float(t.get_text()) for t in fig.axes[0].texts])
    np.testing.assert_allclose(shown, expected.ravel(), atol=0.005)
    assert "normalized: true" in fig.axes[0].get_title()


def test_confusion_matrix_thresholds_sigmoid_outputs():
    fig = plot.confusion_matrix([0, 1, 1, 0], np.array([[0.2], [0.9], [0.4], [0.6]]))
    assert [t.get_text() for t in fig.axes[0].texts] == ["1", "1", "1", "1"]


def test_confusion_matrix_bad_input():
    with pytest.raises(ValueError, match="normalize must be None, 'true', 'pred' or 'all', got 'rows'"):
        plot.confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="y_true has 3 samples but y_pred has 2"):
        plot.confusion_matrix([0, 1, 1], [0, 1])


# ------------------------------------------------------------------------ ROC curve
def test_roc_curve_binary_auc_matches_sklearn(tmp_path):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    scores = y + rng.normal(0, 1.0, 200)
    fig = plot.roc_curve(y, scores, path=tmp_path / "roc.png")
    check_png(fig, tmp_path / "roc.png", 450, 500)
    label = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert label == f"class 1 (AUC = {roc_auc_score(y, scores):.3f})"


def test_roc_curve_one_vs_rest_per_class():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 150)
    scores = np.eye(3)[y] + rng.random((150, 3))
    fig = plot.roc_curve(y, scores)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    expected = [f"class {c} (AUC = {roc_auc_score(y == c, scores[:, c]):.3f})" for c in range(3)]
    assert labels == [*expected, "chance"]


def test_roc_curve_bad_input():
    with pytest.raises(ValueError, match="needs exactly 2 classes in y_true"):
        plot.roc_curve([1, 1, 1], [0.2, 0.5, 0.9])
    with pytest.raises(ValueError, match="y_true holds only class 2"):
        plot.roc_curve([2, 2], np.eye(3)[:2])
    with pytest.raises(ValueError, match="y_true must hold labels 0..2"):
        plot.roc_curve([0, 5, 1], np.eye(3))
    with pytest.raises(ValueError, match="y_true has 3 samples but scores has 2"):
        plot.roc_curve([0, 1, 1], [0.2, 0.5])


# ---------------------------------------------------------------- decision boundary
@pytest.mark.parametrize("model", [LabelModel(), SigmoidModel(), SoftmaxModel()],
                         ids=["labels", "sigmoid", "softmax"])
def test_decision_boundary_renders(tmp_path, blobs, model):
    X, y = blobs
    fig = plot.decision_boundary(model, X, y, resolution=50, path=tmp_path / "boundary.png")
    check_png(fig, tmp_path / "boundary.png", 450, 550)
    ax = fig.axes[0]
    points = [c for c in ax.collections if len(c.get_offsets()) == len(X)]
    np.testing.assert_array_equal(points[0].get_offsets(), X)


def test_decision_boundary_predicts_once_on_a_grid_covering_the_data(blobs):
    X, y = blobs
    model = LabelModel()
    plot.decision_boundary(model, X, y, resolution=30)
    (grid,) = model.calls
    assert grid.shape == (900, 2)
    assert np.all(grid.min(axis=0) < X.min(axis=0)) and np.all(grid.max(axis=0) > X.max(axis=0))


def test_decision_boundary_colours_points_by_their_class(blobs):
    X, y = blobs
    fig = plot.decision_boundary(LabelModel(), X, y, resolution=20)
    points = next(c for c in fig.axes[0].collections if len(c.get_offsets()) == len(X))
    colours = points.get_facecolors()
    assert len(np.unique(colours[y == 0], axis=0)) == 1
    assert not np.array_equal(colours[y == 0][0], colours[y == 1][0])


def test_decision_boundary_needs_two_features(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"needs 2 features.*got X of shape \(60, 3\)"):
        plot.decision_boundary(LabelModel(), np.hstack([X, X[:, :1]]), y)
    with pytest.raises(ValueError, match="X has 60 rows but y has 59 labels"):
        plot.decision_boundary(LabelModel(), X, y[:-1])
    with pytest.raises(ValueError, match="resolution must be an int >= 2, got 1"):
        plot.decision_boundary(LabelModel(), X, y, resolution=1)
    with pytest.raises(TypeError, match="model must have a predict"):
        plot.decision_boundary(object(), X, y)


# ------------------------------------------------------------------- regression fit
def test_regression_fit_shows_r2(tmp_path):
    rng = np.random.default_rng(5)
    y = rng.normal(size=80)
    y_hat = y + rng.normal(0, 0.3, 80)
    fig = plot.regression_fit(y, y_hat[:, None], path=tmp_path / "fit.png")
    check_png(fig, tmp_path / "fit.png", 400, 450)
    assert f"$R^2$ = {r2_score(y, y_hat):.3f}" in fig.axes[0].get_title()


def test_regression_fit_draws_the_curve_sorted_by_x(tmp_path):
    data = gn.datasets.load("sine", n_samples=60)
    y_hat = np.sin(data.X[:, 0])
    fig = plot.regression_fit(data.y, y_hat, tmp_path / "curve.png", x=data.X)
    check_png(fig, tmp_path / "curve.png", 400, 900)
    curve = fig.axes[0].lines[0]
    order = np.argsort(data.X[:, 0])
    np.testing.assert_array_equal(curve.get_xdata(), data.X[order, 0])
    np.testing.assert_array_equal(curve.get_ydata(), y_hat[order])


def test_regression_fit_bad_input():
    with pytest.raises(ValueError, match="y_true has 3 values but y_pred has 2"):
        plot.regression_fit([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"y_pred must have shape \(N,\) or \(N, 1\).*\(2, 2\)"):
        plot.regression_fit([1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="x has 3 values but y_true has 2"):
        plot.regression_fit([1.0, 2.0], [1.0, 2.0], x=[0.0, 1.0, 2.0])


# ---------------------------------------------------------------------- activations
def test_activations_table(tmp_path):
    fig = plot.activations(path=tmp_path / "activations.png")
    check_png(fig, tmp_path / "activations.png", 720, 1200)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.axison]
    assert titles == list(plot.ACTIVATIONS)
    assert len(titles) == 11


def test_activations_draw_the_derivative_the_engine_computes():
    fig = plot.activations(["sigmoid", "tanh", "relu"])
    z = np.linspace(-4, 4, 401)
    s = 1 / (1 + np.exp(-z))
    expected = {"sigmoid": (s, s * (1 - s)), "tanh": (np.tanh(z), 1 - np.tanh(z) ** 2),
                "relu": (np.maximum(z, 0), (z > 0).astype(float))}
    for ax in fig.axes:
        value, derivative = ax.lines[-2:]
        np.testing.assert_allclose(value.get_ydata(), expected[ax.get_title()][0], atol=1e-12)
        np.testing.assert_allclose(derivative.get_ydata(), expected[ax.get_title()][1], atol=1e-12)


def test_activations_refuses_vector_and_unknown_names():
    with pytest.raises(ValueError, match=r"\['softmax'\] act on a whole vector"):
        plot.activations(["relu", "softmax"])
    with pytest.raises(ValueError, match="unknown activation 'swishy'.*'relu'"):
        plot.activations("swishy")


# ----------------------------------------------------------- gradient descent paths
def test_gradient_descent_path_three_step_sizes(tmp_path):
    fig = plot.gradient_descent_path(path=tmp_path / "descent.png")
    check_png(fig, tmp_path / "descent.png", 360, 1200)
    titles = [ax.get_title() for ax in fig.axes]
    assert "(too small)" in titles[0] and "(good)" in titles[1] and "(too large)" in titles[2]
    assert "diverging" in titles[2] and "diverging" not in titles[1]


def test_gradient_descent_path_follows_the_update_rule():
    # E = (w1^2 + 10 w2^2) / 2, so w <- w - lr (w1, 10 w2): each coordinate shrinks by a factor.
    fig = plot.gradient_descent_path(start=(-4.0, 2.0), lrs=(0.05,), steps=6)
    path_line = next(line for line in fig.axes[0].lines if len(line.get_xdata()) == 7)
    t = np.arange(7)
    np.testing.assert_allclose(path_line.get_xdata(), -4.0 * (1 - 0.05) ** t)
    np.testing.assert_allclose(path_line.get_ydata(), 2.0 * (1 - 0.5) ** t)


def test_gradient_descent_path_user_loss_by_autodiff_or_gradient():
    def bowl(w):
        return (w[0] - 1) * (w[0] - 1) + 2 * (w[1] + 1) * (w[1] + 1)

    by_autodiff = plot.gradient_descent_path(bowl, start=(0.0, 0.0), lrs=(0.1, 0.2), steps=40)
    by_hand = plot.gradient_descent_path(
        bowl, lambda w: np.array([2 * (w[0] - 1), 4 * (w[1] + 1)]),
        start=(0.0, 0.0), lrs=(0.1, 0.2), steps=40)
    for ax_a, ax_h in zip(by_autodiff.axes, by_hand.axes, strict=True):
        np.testing.assert_allclose(ax_a.lines[0].get_xydata(), ax_h.lines[0].get_xydata())
        np.testing.assert_allclose(ax_a.lines[0].get_xydata()[-1], [1.0, -1.0], atol=1e-3)


def test_gradient_descent_path_stops_a_divergent_path():
    fig = plot.gradient_descent_path(lrs=(1.0,), steps=200)
    assert fig.axes[0].get_title().endswith("diverged")


def test_gradient_descent_path_bad_input():
    with pytest.raises(ValueError, match=r"start must be 2 finite numbers \(w1, w2\), got \[1.0\]"):
        plot.gradient_descent_path(start=(1.0,))
    with pytest.raises(ValueError, match="lrs must be a non-empty sequence of learning rates > 0"):
        plot.gradient_descent_path(lrs=(0.1, -0.1))
    with pytest.raises(ValueError, match="steps must be an int >= 1, got 0"):
        plot.gradient_descent_path(steps=0)
    with pytest.raises(TypeError, match="f must map a Tensor of shape \\(2,\\) to a scalar Tensor"):
        plot.gradient_descent_path(lambda w: np.float64(1.0))


# -------------------------------------------------------------------- gradient flow
def test_gradient_flow_log_scale(tmp_path):
    norms = {"dense_0": np.geomspace(1e-5, 1e-4, 30), "dense_1": np.geomspace(1e-2, 1e-1, 30)}
    fig = plot.gradient_flow(norms, path=tmp_path / "flow.png")
    check_png(fig, tmp_path / "flow.png", 400, 600)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.lines] == ["dense_0", "dense_1"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), norms["dense_1"])


def test_gradient_flow_bad_input():
    with pytest.raises(ValueError, match="norms_by_layer is empty"):
        plot.gradient_flow({})
    with pytest.raises(ValueError, match=r"norms_by_layer\['dense_1'\] must be a non-empty list"):
        plot.gradient_flow({"dense_0": [0.1], "dense_1": [0.2, -0.1]})
    with pytest.raises(TypeError, match="norms_by_layer must be a dict"):
        plot.gradient_flow([0.1, 0.2])


# ---------------------------------------------------------------- saving and state
def test_saving_without_suffix_writes_png_into_new_folders(tmp_path):
    target = tmp_path / "runs" / "one" / "loss"
    plot.history(HISTORY, metrics="loss", path=target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_stay_out_of_pyplot(blobs):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    X, y = blobs
    plot.history(HISTORY)
    plot.decision_boundary(LabelModel(), X, y, resolution=10)
    assert plt.get_fignums() == before


def test_imports_stay_light():
    code = (
        "import sys\n"
        "import glassnet\n"
        "heavy = [m for m in ('matplotlib', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "import glassnet.plot\n"
        "glassnet.plot.history({'loss': [1.0, 0.5]})\n"
        "assert 'matplotlib.figure' in sys.modules\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
