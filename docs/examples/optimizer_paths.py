"""The optimizers' paths on the ravine and on Rosenbrock's valley, with the steps each needs."""
import glassnet as gn

fig, result = gn.plot.optimizer_paths(("ravine", "rosenbrock"), path="optimizer_paths.png")
for surface, paths in result.items():
    print(surface)
    for name, r in paths.items():
        reached = f"{r['steps']} steps" if r["steps"] is not None else "not reached"
        print(f"  {name:10s} {reached:12s} settings {r['settings']}")
