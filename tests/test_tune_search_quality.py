"""gn.tune.search: Bayesian search against random search, and pruning."""

import numpy as np
from tune_problems import NoisyBowl, blobs, build_mlp

import glassnet as gn

BOWL = {"a": gn.tune.uniform(-1, 1), "b": gn.tune.uniform(-1, 1)}


def _trials_to_reach(scores: np.ndarray, target: float) -> int:
    """How many trials a search took until its best score so far reached ``target``."""
    reached = np.nonzero(np.maximum.accumulate(scores) >= target)[0]
    return int(reached[0]) + 1 if reached.size else len(scores) + 1


def test_bayes_reaches_the_best_score_of_random_search_in_fewer_trials():
    n, data = 40, blobs(20)
    random_trials, bayes_trials = [], []
    for seed in range(5):
        random = gn.tune.search(NoisyBowl(), BOWL, data=data, method="random", n_trials=n, cv=2, seed=seed)
        bayes = gn.tune.search(NoisyBowl(), BOWL, data=data, method="bayes", n_trials=n, cv=2, seed=seed)
        target = random.best_score
        random_trials.append(_trials_to_reach(random.trials["mean_score"].to_numpy(), target))
        bayes_trials.append(_trials_to_reach(bayes.trials["mean_score"].to_numpy(), target))
    assert np.median(bayes_trials) < np.median(random_trials)


def test_pruning_trains_fewer_epochs_and_finds_as_good_a_model():
    space = {"lr": gn.tune.loguniform(1e-4, 1.0), "units": gn.tune.intuniform(1, 8)}
    results = {pruning: gn.tune.search(build_mlp, space, data=blobs(), method="bayes", n_trials=16, cv=2,
                                       fit_kwargs={"epochs": 5, "batch_size": 16}, pruning=pruning)
               for pruning in (True, False)}
    pruned, full = results[True].trials, results[False].trials
    assert (pruned["state"] == "pruned").any() and not (full["state"] == "pruned").any()
    assert pruned["epochs"].sum() < full["epochs"].sum()
    assert results[True].best_score <= results[False].best_score * 1.1
    assert pruned.loc[pruned["state"] == "pruned", "epochs"].lt(10).all()
