"""Tutorial 6: hyperparameter search with gn.tune, scored on cross-validation folds.

A random search draws 8 settings of the hidden width, the learning rate (log-uniform) and the
dropout rate; each is trained on 3 folds of the digits and scored by its mean validation
loss. The best setting is refit on all the data. result.plot() draws the score against each
parameter.

Run:  python tutorials/06_tuning.py      (writes the search's figures here)
"""
import glassnet as gn

data = gn.datasets.load("digits")
X, y = data.X / 16.0, data.y


def build(params):
    model = gn.Sequential([gn.Input((64,)),
                           gn.layers.Dense(params["units"], activation="relu"),
                           gn.layers.Dropout(params["dropout"]),
                           gn.layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer=gn.optim.Adam(learning_rate=params["lr"]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


space = {"units": [16, 32, 64],
         "lr": gn.tune.loguniform(1e-4, 3e-2),
         "dropout": gn.tune.uniform(0.0, 0.4)}
result = gn.tune.search(build, space, data=(X, y), method="random", n_trials=8, cv=3, seed=0,
                        fit_kwargs={"epochs": 8, "batch_size": 64})
columns = ["param_units", "param_lr", "param_dropout", "mean_score", "std_score"]
print(result.trials[columns].sort_values("mean_score").round(4).to_string(index=False))
print("best:", {k: round(v, 4) if isinstance(v, float) else v for k, v in result.best_params.items()},
      f"mean validation loss {result.best_score:.4f} ({result.direction})")
figures = result.plot(".")                                 # one PNG per figure, named by its label
print("figures:", ", ".join(figure.get_label() for figure in figures))
