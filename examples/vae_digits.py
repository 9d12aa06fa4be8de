"""A variational autoencoder learns a 2-D map of scikit-learn's handwritten digits.

The encoder gives, for each 8 x 8 image, the mean mu and the log-variance of a Gaussian over
a 2-D latent code; the Sampling layer draws z = mu + exp(log_var / 2) eps (the
reparameterisation trick); the decoder turns z back into 64 pixel intensities:

    x (64) -> Dense 64, relu -> mu (2), log_var (2) -> Sampling -> z (2)
           -> Dense 64, relu -> Dense 64, sigmoid -> x_hat (64)

The loss is the negative evidence lower bound per pixel: the binary cross-entropy of the
reconstruction (the compiled loss, a mean over the 64 pixels) plus the KL divergence of
N(mu, sigma^2) from N(0, I), added with ``model.add_loss`` and divided by 64 to match:

    KL = -1/2 sum_j (1 + log_var_j - mu_j^2 - exp(log_var_j))

The decoder alone, fed a grid of latent codes, generates new digits; the encoder's means
of the test images, coloured by their label, show how the classes spread over the map.
Both pictures are saved as PNG files.

Run:  python examples/vae_digits.py [--epochs 60] [--seed 0] [--out .]
(the environment variable GLASSNET_EXAMPLE_EPOCHS overrides the default number of epochs).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import glassnet as gn

F = gn.functional
L = gn.layers
LATENT = 2
PIXELS = 64


def build(seed: int = 0) -> tuple[gn.Model, gn.Model, gn.Model]:
    """The VAE (compiled, KL term added) and its encoder (x -> mu) and decoder (z -> x_hat),
    which share its layers."""
    x = gn.Input((PIXELS,))
    h = L.Dense(64, activation="relu")(x)
    mu, log_var = L.Dense(LATENT, name="mu")(h), L.Dense(LATENT, name="log_var")(h)
    z = L.Sampling(seed=seed)([mu, log_var])
    hidden, pixels = L.Dense(64, activation="relu"), L.Dense(PIXELS, activation="sigmoid")
    vae = gn.Model(x, pixels(hidden(z)), seed=seed, name="vae")
    kl = -0.5 * F.mean(F.sum(1 + log_var - mu**2 - F.exp(log_var), axis=1))
    vae.add_loss(kl / PIXELS)
    vae.compile(optimizer=gn.optim.Adam(lr=3e-3), loss="binary_cross_entropy")
    code = gn.Input((LATENT,))
    decoder = gn.Model(code, pixels(hidden(code)), name="decoder")
    encoder = gn.Model(x, mu, name="encoder")
    return vae, encoder, decoder


def generated_grid(decoder: gn.Model, n: int = 12, span: float = 2.5) -> np.ndarray:
    """An (9n, 9n) image: the decoder's digit for each code of an n x n grid over [-span, span]^2,
    each 8 x 8 digit with a blank row and column around it."""
    axis = np.linspace(-span, span, n, dtype=np.float32)
    codes = np.array([[a, b] for b in axis[::-1] for a in axis], dtype=np.float32)
    images = np.pad(decoder.predict(codes).reshape(n, n, 8, 8), ((0, 0), (0, 0), (1, 0), (1, 0)))
    return images.transpose(0, 2, 1, 3).reshape(9 * n, 9 * n)


def save_figures(grid: np.ndarray, means: np.ndarray, labels: np.ndarray, out: Path) -> tuple[Path, Path]:
    """The grid of generated digits and the latent scatter plot, as PNG files in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    grid_path, scatter_path = out / "vae_digits_generated.png", out / "vae_digits_latent.png"
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(grid, cmap="gray_r")
    ax.set_title("digits decoded from a grid of latent codes")
    ax.axis("off")
    fig.savefig(grid_path, dpi=80)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 5))
    points = ax.scatter(means[:, 0], means[:, 1], c=labels, cmap="tab10", s=8)
    fig.colorbar(points, ax=ax, label="digit")
    ax.set_xlabel("z_1 (encoder mean)")
    ax.set_ylabel("z_2 (encoder mean)")
    ax.set_title("test digits in the 2-D latent space")
    fig.savefig(scatter_path, dpi=80)
    plt.close(fig)
    return grid_path, scatter_path


def run(epochs: int = 60, seed: int = 0, out: Path | str = ".", verbose: int = 0) -> dict[str, object]:
    """Train, then save both figures; returns the history, the test reconstruction loss and the paths."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    X_train, X_test, _, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    vae, encoder, decoder = build(seed)
    history = vae.fit(X_train, X_train, epochs=epochs, batch_size=64, seed=seed, verbose=verbose).history
    test_loss = vae.evaluate(X_test, X_test, verbose=0)
    paths = save_figures(generated_grid(decoder), encoder.predict(X_test), y_test, Path(out))
    return {"history": history, "test_loss": test_loss, "figures": paths}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("GLASSNET_EXAMPLE_EPOCHS", 60)))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    result = run(args.epochs, args.seed, args.out, verbose=2)
    print(f"test reconstruction loss (binary cross-entropy per pixel) {result['test_loss']:.4f}")
    print("saved", *result["figures"])


if __name__ == "__main__":
    main()
