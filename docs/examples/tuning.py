"""A grid search of the width and the learning rate, scored on held-out folds."""
import glassnet as gn

data = gn.datasets.load("digits")
X, y = data.X / 16.0, data.y


def build(params):
    model = gn.Sequential([gn.Input((64,)), gn.layers.Dense(params["units"], activation="relu"),
                           gn.layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=params["lr"]), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


result = gn.tune.search(build, {"units": [16, 64], "lr": [1e-3, 1e-2]}, data=(X, y), method="grid", cv=3,
                        fit_kwargs={"epochs": 5, "batch_size": 64})
print(result.trials[["param_units", "param_lr", "mean_score", "std_score"]].round(4).to_string(index=False))
print("best:", result.best_params, "mean validation loss", round(result.best_score, 4))
