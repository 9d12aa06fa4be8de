"""Tutorial 2: logistic regression, a neuron with a sigmoid trained on the cross-entropy.

P(y = 1 | x) = sigmoid(w . x + b); gradient descent on E = -mean(y log p + (1 - y) log(1 - p)),
whose gradient is simply X^T (p - y) / n. The same model is written twice: the scikit-learn
estimator, and one Dense(1, sigmoid) layer trained in Keras style, which agree.

Run:  python tutorials/02_logistic_regression.py      (writes logistic_probability.png, logistic_loss.png)
"""
import matplotlib.pyplot as plt
import numpy as np

import glassnet as gn
from glassnet.estimators import LogisticRegression

data = gn.datasets.load("moons", n_samples=300, noise=0.25, seed=0)
X_train, X_test, y_train, y_test = gn.data.train_test_split(data.X, data.y, seed=0)

clf = LogisticRegression(learning_rate=0.5, max_iter=2000).fit(X_train, y_train)
print(f"estimator: w = {clf.coef_.ravel().round(3)}, b = {float(np.ravel(clf.intercept_)[0]):.3f}, "
      f"test accuracy {clf.score(X_test, y_test):.3f}")

neuron = gn.Sequential([gn.layers.Dense(1, activation="sigmoid", input_dim=2)], seed=0)
neuron.compile(optimizer=gn.optim.SGD(lr=0.5), loss="binary_cross_entropy", metrics=["accuracy"])
history = neuron.fit(X_train, y_train.reshape(-1, 1).astype(float), epochs=200, batch_size=None,
                     verbose=0, seed=0)
w, b = neuron.layers[0].W.numpy().ravel(), neuron.layers[0].b.numpy()[0]
test_accuracy = ((neuron.predict(X_test)[:, 0] > 0.5) == y_test).mean()
print(f"Dense(1, sigmoid): w = {w.round(3)}, b = {b:.3f}, test accuracy {test_accuracy:.3f}")
losses = history.history["loss"]
print(f"cross-entropy after 1 epoch {losses[0]:.4f}, after 200 {losses[-1]:.4f}")

xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1.0, 1.5, 200))
proba = clf.predict_proba(np.column_stack([xx.ravel(), yy.ravel()]))[:, 1].reshape(xx.shape)
fig, ax = plt.subplots(figsize=(5.5, 4))
im = ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.6)
ax.contour(xx, yy, proba, levels=[0.5], colors="k")
ax.scatter(*data.X.T, c=data.y, cmap="coolwarm", s=10, edgecolors="k", linewidths=0.3)
fig.colorbar(im, label="P(y = 1 | x)")
ax.set(title="A straight boundary: the moons need more", xlabel="$x_1$", ylabel="$x_2$")
fig.tight_layout()
fig.savefig("logistic_probability.png", dpi=90)
gn.plot.history(history, path="logistic_loss.png")
