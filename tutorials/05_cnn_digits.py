"""Tutorial 5: a convolutional network on the digits images, and what its filters see.

Images are channels first, (N, C, H, W) = (N, 1, 8, 8). Conv2D(16, 3, padding="same") slides
16 learned 3x3 filters over each image (z = sum over the window of W * x + b), MaxPool2D(2)
keeps the largest value of each 2x2 block, and a Dense softmax reads the pooled maps.

Run:  python tutorials/05_cnn_digits.py      (writes cnn_filters.png, cnn_feature_maps.png)
"""
import matplotlib.pyplot as plt
import numpy as np

import glassnet as gn

L = gn.layers
data = gn.datasets.load("digits")
X = (data.X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
X_train, X_test, y_train, y_test = gn.data.train_test_split(X, data.y, test_size=0.25, seed=0)

model = gn.Sequential([gn.Input((1, 8, 8)),
                       L.Conv2D(16, 3, padding="same", activation="relu"),
                       L.MaxPool2D(2),
                       L.Flatten(),
                       L.Dense(64, activation="relu"),
                       L.Dense(10, activation="softmax")], seed=0)
model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(X_train, y_train, epochs=10, batch_size=32, verbose=0, seed=0)
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"training accuracy {history.history['accuracy'][-1]:.3f}; "
      f"test loss {loss:.4f}, accuracy {accuracy:.3f}")

conv = model.layers[0]
filters = conv.W.numpy()                                   # (out channels, in channels, 3, 3)
print("filters:", filters.shape, "bias:", conv.b.numpy().shape)
fig, axes = plt.subplots(2, 8, figsize=(10, 2.8))
for k, ax in enumerate(axes.ravel()):
    ax.imshow(filters[k, 0], cmap="RdBu_r")
    ax.set_axis_off()
    ax.set_title(f"filter {k}", fontsize=8)
fig.tight_layout()
fig.savefig("cnn_filters.png", dpi=80)

maps = conv(gn.tensor(X_test[:1])).numpy()[0]              # the 16 feature maps of one test image
fig, axes = plt.subplots(2, 9, figsize=(11, 2.8))
axes[0, 0].imshow(X_test[0, 0], cmap="gray_r")
axes[0, 0].set_title(f"digit {y_test[0]}", fontsize=8)
axes[1, 0].set_axis_off()
for k, ax in enumerate(axes[:, 1:].ravel()):
    ax.imshow(maps[k], cmap="viridis")
    ax.set_title(f"map {k}", fontsize=8)
for ax in axes.ravel():
    ax.set_axis_off()
fig.tight_layout()
fig.savefig("cnn_feature_maps.png", dpi=80)
