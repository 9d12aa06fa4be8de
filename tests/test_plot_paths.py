"""gn.plot.optimizer_paths and learning_rate_paths: glassnet's optimizers on 2-D loss surfaces."""

import numpy as np
import pytest
import torch
from png_checks import check_drawn_png

import glassnet as gn
from glassnet.plot import paths

TORCH = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
}


def torch_path(surface, name, lr, start, steps):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = TORCH[name]([w], lr)
    points = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        surface(w).backward()
        opt.step()
        points.append(w.detach().numpy().copy())
    return np.array(points)


@pytest.mark.parametrize("surface", ["ravine", "rosenbrock"])
@pytest.mark.parametrize("name", paths.OPTIMIZERS)
def test_each_path_is_torch_optim_stepping_the_same_surface(surface, name):
    lr = paths.SURFACES[surface]["settings"][name]["lr"]
    start = (-1.2, 1.5)
    _, result = paths.optimizer_paths(surface, (name,), start=start, steps=6)
    expected = torch_path(paths.SURFACES[surface]["f"], name, lr, start, 6)
    np.testing.assert_allclose(result[surface][name]["path"], expected, rtol=1e-10, atol=1e-12)


def test_figure_with_both_surfaces_and_step_counts(tmp_path):
    file = tmp_path / "paths.png"
    fig, result = paths.optimizer_paths(("ravine", "rosenbrock"), ("sgd", "momentum", "adam"), steps=150,
                                        tol=0.05, path=file)
    check_drawn_png(fig, file, 450, 1000)
    assert set(result) == {"ravine", "rosenbrock"}
    legends = [text.get_text() for ax in fig.axes for text in ax.get_legend().get_texts()]
    for surface, runs in result.items():
        minimum = np.asarray(paths.SURFACES[surface]["minimum"])
        for name, run in runs.items():
            distance = np.linalg.norm(run["path"] - minimum, axis=1)
            if run["steps"] is None:
                assert (distance > 0.05).all()
                assert any(t.startswith(f"{name} ") and t.endswith("not reached") for t in legends)
            else:
                assert distance[run["steps"]] <= 0.05 < distance[:run["steps"]].min()
                label = f": {run['steps']} steps"
                assert any(t.startswith(f"{name} ") and t.endswith(label) for t in legends)
    # on the ravine, momentum gets there and plain gradient descent at the same rate does not
    assert result["ravine"]["momentum"]["steps"] is not None and result["ravine"]["sgd"]["steps"] is None


def test_a_callable_surface_needs_its_minimum_and_tensor_operations():
    def bowl(w):
        return w[0] * w[0] + w[1] * w[1]

    fig, result = paths.optimizer_paths(bowl, ("sgd",), minimum=(0, 0), start=(1, 1), steps=30,
                                        settings={"sgd": {"lr": 0.25}}, tol=1e-3)
    # each step halves w: |w_k| = 2**-k sqrt(2), first below 1e-3 at k = 11
    assert result["bowl"]["sgd"]["steps"] == 11
    with pytest.raises(ValueError, match="minimum= is needed"):
        paths.optimizer_paths(bowl, ("sgd",))
    with pytest.raises(TypeError, match="Tensor operations"):
        paths.optimizer_paths(lambda w: np.sum(np.asarray(w.data) ** 2), ("sgd",), minimum=(0, 0), steps=2)


@pytest.mark.parametrize("kwargs, match", [
    ({"surface": "bowl"}, "surface 'bowl' is not available"),
    ({"optimizers": ("sgd", "lbfgs")}, "lbfgs"),
    ({"optimizers": "adam"}, "optimizers must be a non-empty sequence"),
    ({"start": (1.0,)}, "start must be 2 finite numbers"),
    ({"steps": 0}, "steps must be an int >= 1"),
    ({"tol": 0}, "tol must be a number > 0"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        paths.optimizer_paths(**{"surface": "ravine", "steps": 2, **kwargs})


def test_learning_rate_paths_too_small_good_too_large(tmp_path):
    file = tmp_path / "lr.png"
    fig, result = gn.plot.learning_rate_paths(path=file)
    check_drawn_png(fig, file, 360, 1200)
    small, good, large = (result[lr] for lr in (0.02, 0.18, 0.21))
    assert small["steps"] is None and not small["diverged"]
    # gradient descent on (w1^2 + 10 w2^2)/2 with lr 0.18 from (-4, 2): w1 <- 0.82 w1, w2 <- -0.8 w2
    k = np.arange(41)
    first = int(np.flatnonzero(np.hypot(4 * 0.82 ** k, 2 * 0.8 ** k) <= 0.01)[0])
    assert good["steps"] == first
    assert large["diverged"]
    titles = [ax.get_title() for ax in fig.axes]
    assert "too small" in titles[0] and "good" in titles[1] and "diverged" in titles[2]
    with pytest.raises(ValueError, match="lrs must be"):
        gn.plot.learning_rate_paths(lrs=(0.1, -1))
