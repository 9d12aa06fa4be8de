"""gn.explain.adversarial: FGSM worked by hand and, with PGD, against PyTorch."""

import numpy as np
import pytest

import glassnet as gn
from glassnet.explain import adversarial

W = np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0]])  # (inputs 2, classes 3)
B = np.array([0.1, 0.0, -0.2])
X = np.array([[0.5, 0.2], [-0.3, 0.9], [1.0, -1.0], [0.2, 0.1]])
Y = np.array([0, 1, 0, 2])


def _softmax_model(dtype=np.float64):
    model = gn.Sequential([gn.layers.Dense(3, activation="softmax")], seed=0)
    model.build(input_shape=(2,), dtype=dtype)
    model.load_state_dict({"layers.0.W": W.astype(dtype), "layers.0.b": B.astype(dtype)})
    return model


def test_fgsm_step_by_hand():
    """Softmax regression: dE/dx_i = (p_i - onehot(y_i)) W^T / n, so x_adv = x + eps sign((p - onehot) W^T).

    Sample 0: z = (0.5, 0.2) W + b = (0.66, -0.09, -0.3); p = softmax(z) = (0.5390, 0.2546, 0.2064);
    p - onehot(0) = (-0.4610, 0.2546, 0.2064); times W^T: (-0.4610 - 0.1273 + 0.0413,
    -0.1383 + 0.2037 - 0.2064) = (-0.5470, -0.1410): both negative, so x_adv = (0.5 - eps, 0.2 - eps).
    """
    result = adversarial(_softmax_model(), X, Y, eps=0.1)
    np.testing.assert_allclose(result.X_adv[0], [0.4, 0.1], rtol=1e-12)
    z = X @ W + B
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    expected = X + 0.1 * np.sign((p - np.eye(3)[Y]) @ W.T)
    np.testing.assert_allclose(result.X_adv, expected, rtol=1e-12)
    assert np.abs(result.X_adv - X).max() == pytest.approx(0.1)


def _torch_model(torch):
    W_t, b_t = torch.tensor(W), torch.tensor(B)
    return lambda x: x @ W_t + b_t  # the logits; cross_entropy applies log-softmax


def test_fgsm_matches_pytorch():
    torch = pytest.importorskip("torch")
    f = _torch_model(torch)
    x = torch.tensor(X, requires_grad=True)
    torch.nn.functional.cross_entropy(f(x), torch.tensor(Y)).backward()
    expected = torch.clamp(x + 0.3 * x.grad.sign(), -0.8, 0.8).detach().numpy()
    result = adversarial(_softmax_model(), X, Y, eps=0.3, clip=(-0.8, 0.8))
    np.testing.assert_allclose(result.X_adv, expected, rtol=1e-12)
    predicted = f(torch.tensor(expected)).argmax(1).numpy()
    assert result.adversarial_accuracy == pytest.approx(np.mean(predicted == Y))


def test_pgd_matches_pytorch_and_stays_in_the_ball():
    torch = pytest.importorskip("torch")
    f = _torch_model(torch)
    x0 = torch.tensor(X)
    x = x0.clone()
    eps, alpha = 0.4, 0.07
    for _ in range(8):
        x.requires_grad_(True)
        torch.nn.functional.cross_entropy(f(x), torch.tensor(Y)).backward()
        x = torch.min(torch.max(x.detach() + alpha * x.grad.sign(), x0 - eps), x0 + eps)
    result = adversarial(_softmax_model(), X, Y, eps=eps, method="pgd", steps=8, step_size=alpha)
    np.testing.assert_allclose(result.X_adv, x.numpy(), rtol=1e-12)
    assert np.abs(result.X_adv - X).max() <= eps + 1e-12


def test_pgd_is_at_least_as_strong_as_fgsm_and_the_model_is_left_unchanged():
    model = _softmax_model()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    fgsm = adversarial(model, X, Y, eps=0.3)
    pgd = adversarial(model, X, Y, eps=0.3, method="pgd", steps=20)
    assert pgd.adversarial_accuracy <= fgsm.adversarial_accuracy <= fgsm.clean_accuracy
    assert fgsm.accuracy_drop == fgsm.clean_accuracy - fgsm.adversarial_accuracy
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    assert all(p.grad is None for p in model.parameters())


def test_eps_zero_changes_nothing_and_one_hot_labels_work():
    result = adversarial(_softmax_model(), X, np.eye(3)[Y], eps=0.0, loss="categorical_crossentropy")
    np.testing.assert_array_equal(result.X_adv, X)
    accuracy = np.mean((X @ W + B).argmax(1) == Y)  # samples 0 and 1 right, 2 and 3 wrong
    assert result.clean_accuracy == result.adversarial_accuracy == accuracy == 0.5
    assert "FGSM attack, eps = 0: accuracy 0.500 -> 0.500 (drop 0.000)" == str(result)


@pytest.mark.parametrize("params, match", [
    (dict(method="deepfool"), "method must be one of fgsm, pgd, got 'deepfool'"),
    (dict(eps=-0.1), r"eps must be a number >= 0 .* got -0.1"),
    (dict(method="pgd", step_size=0.0), "step_size must be a number > 0 or None, got 0.0"),
    (dict(clip=(1.0, 0.0)), r"clip must be a range \(low, high\) with low < high, got \(1.0, 0.0\)"),
    (dict(method="pgd", steps=0), "steps must be a positive integer, got 0"),
])
def test_bad_arguments_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        adversarial(_softmax_model(), X, Y, **{"eps": 0.1, **params})


def test_the_digits_example_lowers_the_accuracy_of_a_trained_cnn():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "adversarial_digits.py"
    spec = importlib.util.spec_from_file_location("adversarial_digits", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    fgsm, pgd = example.attacks(epochs=1, eps_values=(0.2,), test_samples=60)
    assert fgsm.clean_accuracy > 0.5
    assert max(fgsm.adversarial_accuracy, pgd.adversarial_accuracy) < fgsm.clean_accuracy
    assert fgsm.X_adv.shape == (60, 1, 8, 8) and fgsm.X_adv.min() >= 0 and fgsm.X_adv.max() <= 1
