"""Gradient descent on the ravine with a too-small, a good and a too-large learning rate."""
import glassnet as gn

fig, result = gn.plot.learning_rate_paths("ravine", path="learning_rate_paths.png")
for lr, r in result.items():
    print(f"learning rate {lr}: steps to the minimum {r['steps']}, diverged {r['diverged']}")
