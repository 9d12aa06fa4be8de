"""Adversarial examples against the digits CNN: tiny pixel changes, chosen by the gradient.

The CNN of ``examples/cnn_digits.py`` is trained briefly (three epochs; about 95% test
accuracy). Then each test image x is moved by at most eps per pixel (pixels in [0, 1]) in
the direction that raises the loss most, found by backpropagation to the input:

- FGSM: x + eps sign(dE/dx), one step;
- PGD: ten such steps of size 2.5 eps / 10, each projected back to |x_adv - x| <= eps.

The accuracy on the perturbed images falls far below the clean accuracy although the
images look the same to a person; PGD, the stronger attack, lowers it further.

Run:  python examples/adversarial_digits.py [--epochs 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import glassnet as gn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cnn_digits import build_model, load_images  # noqa: E402 - the example next to this one


def attacks(epochs: int = 3, seed: int = 0, eps_values: tuple[float, ...] = (0.05, 0.1, 0.2),
            test_samples: int = 200) -> list[gn.explain.AdversarialResult]:
    """Train the CNN, then attack ``test_samples`` test images with FGSM and PGD at each eps."""
    X_train, X_test, y_train, y_test = load_images(seed)
    model = build_model(seed)
    model.fit(X_train, y_train, epochs=epochs, batch_size=32, seed=seed, verbose=0)
    X, y = X_test[:test_samples], y_test[:test_samples]
    return [gn.explain.adversarial(model, X, y, eps=eps, method=method, clip=(0.0, 1.0))
            for eps in eps_values for method in ("fgsm", "pgd")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for result in attacks(args.epochs, args.seed):
        print(result)


if __name__ == "__main__":
    main()
