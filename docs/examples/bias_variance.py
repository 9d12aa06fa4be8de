"""Training and test error against the polynomial degree: underfitting, the best degree, overfitting."""
import glassnet as gn

fig, result = gn.plot.bias_variance(path="bias_variance.png")        # the lectures' y = x^2 + noise
for c, train, test in zip(result["complexity"], result["train_error"], result["test_error"]):
    print(f"degree {c:2d}: train MSE {train:.5f}  test MSE {test:.5f}")
print("best degree", result["best"], " underfitting", result["underfitting"],
      " overfitting from", result["overfitting"][0])
