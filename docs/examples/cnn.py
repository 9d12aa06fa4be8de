"""A small convolutional network on the 8x8 digits (channels first: N, C, H, W)."""
import glassnet as gn

data = gn.datasets.load("digits")
X = (data.X / 16.0).reshape(-1, 1, 8, 8).astype("float32")
X_train, X_test, y_train, y_test = gn.data.train_test_split(X, data.y, seed=0)
model = gn.Sequential([gn.Input((1, 8, 8)),
                       gn.layers.Conv2D(8, 3, padding="same", activation="relu"),
                       gn.layers.MaxPool2D(2),
                       gn.layers.Flatten(),
                       gn.layers.Dense(10, activation="softmax")], seed=0)
model.compile(optimizer=gn.optim.Adam(lr=0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
model.fit(X_train, y_train, epochs=5, batch_size=64, verbose=0, seed=0)
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test loss {loss:.4f}, accuracy {accuracy:.3f}")
