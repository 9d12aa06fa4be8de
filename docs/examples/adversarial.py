"""FGSM and PGD adversarial examples against an MLP trained on the digits, and the accuracy they cost."""
import matplotlib.pyplot as plt
import numpy as np

import glassnet as gn

data = gn.datasets.load("digits")
X, y = (data.X / 16.0).astype(np.float32), data.y             # pixels in [0, 1]
X_train, X_test, y_train, y_test = gn.data.train_test_split(X, y, test_size=0.2, seed=0)
model = gn.Sequential([gn.Input((64,)), gn.layers.Dense(32, activation="relu"),
                       gn.layers.Dense(10, activation="softmax")], seed=0)
model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="cross_entropy", metrics=["accuracy"])
model.fit(X_train, y_train, epochs=20, batch_size=64, verbose=0, seed=0)

for eps in (0.05, 0.1, 0.2):
    fgsm = gn.explain.adversarial(model, X_test, y_test, eps=eps, clip=(0.0, 1.0))
    pgd = gn.explain.adversarial(model, X_test, y_test, eps=eps, method="pgd", steps=10, clip=(0.0, 1.0))
    print(f"eps = {eps:.2f}: clean accuracy {fgsm.clean_accuracy:.3f}, "
          f"FGSM {fgsm.adversarial_accuracy:.3f}, PGD {pgd.adversarial_accuracy:.3f}")
print(pgd)
print(f"largest change of a pixel: {np.abs(pgd.X_adv - X_test).max():.3f}")

fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
i = 0
images = [X_test[i], pgd.X_adv[i], pgd.X_adv[i] - X_test[i]]
predicted = model.predict(np.stack([X_test[i], pgd.X_adv[i]])).argmax(axis=1)
titles = [f"clean: {predicted[0]}", f"PGD, eps 0.2: {predicted[1]}", "the change"]
for ax, image, title in zip(axes, images, titles):
    ax.imshow(image.reshape(8, 8), cmap="gray" if title != "the change" else "coolwarm")
    ax.set_title(title)
    ax.axis("off")
fig.tight_layout()
fig.savefig("adversarial.png", dpi=90)
