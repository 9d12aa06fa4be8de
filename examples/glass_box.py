"""The glass box: look inside forward and backward propagation, check it, and read training health.

1. The lectures' chain-rule example f = (x + y) z and its computation graph (DOT text).
2. The 2-2-2 sigmoid network: every delta and gradient, with the chain rule written out.
3. A gradient check of a small network against central finite differences.
4. Gradient descent on a two-parameter quadratic with three step sizes.
5. Vanishing gradients: per-layer gradient norms of deep sigmoid and ReLU stacks.
6. The learning-rate range test, a trained model's loss landscape, dead and saturated units.

Figures and the graph are written to --out (default: glass_box_figures/).

Run:  python examples/glass_box.py [--out glass_box_figures] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import glassnet as gn

L = gn.layers


def lecture_examples(out: Path) -> None:
    """Print the chain-rule and 2-2-2 examples; save the chain rule's graph as DOT text."""
    chain = gn.explain.examples.run("chain-rule")
    chain.print()
    (out / "chain_rule.dot").write_text(chain.graph.dot)
    gn.explain.examples.run("two-layer-sigmoid").print()


def check_gradients(seed: int) -> None:
    """Backpropagation of a small classifier against finite differences (float64 copy)."""
    model = gn.Sequential([L.Dense(8, activation="tanh"), L.Dense(3, activation="softmax")], seed=seed)
    model.compile(optimizer="adam", loss="cross_entropy")
    rng = np.random.default_rng(seed)
    print(gn.explain.gradcheck(model, rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)))


def moons_model(seed: int) -> gn.Sequential:
    model = gn.Sequential([L.Dense(16, activation="relu"), L.Dense(16, activation="relu"),
                           L.Dense(2, activation="softmax")], seed=seed)
    model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy"])
    return model


def training_health(out: Path, seed: int) -> None:
    """LR range test, training, landscape and activation report of a small moons classifier."""
    data = gn.datasets.load("moons", n_samples=400, noise=0.2, seed=seed)
    model = moons_model(seed)
    model.build(input_shape=(2,))
    start = model.state_dict()
    finder = gn.explain.lr_finder(model, data.X, data.y, start=1e-5, end=1.0, steps=100, seed=seed)
    finder.plot(out / "lr_finder.png")
    print(f"learning-rate range test suggests lr = {finder.suggestion:.3g}")
    model.optimizer.lr = finder.suggestion
    history = model.fit(data.X, data.y, epochs=30, batch_size=32, verbose=0, seed=seed, track_gradients=True)
    print(f"after 30 epochs: loss {history.history['loss'][-1]:.4f}, "
          f"accuracy {history.history['accuracy'][-1]:.3f}")
    gn.explain.gradient_flow(history, out / "gradient_flow_moons.png")
    gn.explain.loss_landscape(model, data.X, data.y, kind="2d", steps=21).plot(out / "landscape_2d.png")
    gn.explain.loss_landscape(model, data.X, data.y, kind="1d", start=start, steps=41).plot(
        out / "landscape_1d.png")
    gn.explain.activation_report(model, data.X).table()


def vanishing_gradients(out: Path, seed: int) -> None:
    """The lectures' slide: in a deep sigmoid stack the first layers' gradients vanish."""
    norms = gn.explain.examples.vanishing_gradients(depth=8, width=32, epochs=3, seed=seed)
    for activation, by_layer in norms.items():
        gn.explain.gradient_flow(by_layer, out / f"vanishing_{activation}.png")
        first, last = by_layer["layer_1"][-1], by_layer["layer_8"][-1]
        print(f"{activation:>8}: ||dE/dW|| of layer 1 = {first:.2e}, of layer 8 = {last:.2e} "
              f"(ratio {first / last:.1e})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("glass_box_figures"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lecture_examples(args.out)
    check_gradients(args.seed)
    gn.plot.gradient_descent_path(path=args.out / "gradient_descent_path.png")
    vanishing_gradients(args.out, args.seed)
    training_health(args.out, args.seed)
    print(f"figures written to {args.out}/")


if __name__ == "__main__":
    main()
