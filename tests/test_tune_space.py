"""gn.tune's search space: distributions, dicts and YAML, grid and random sampling."""

import pytest

import glassnet as gn


def test_a_yaml_text_file_and_dict_give_the_same_space(tmp_path):
    text = ("lr: {loguniform: [1e-4, 1.0e-1]}\nhidden: [[64], [128, 64]]\ndropout: {uniform: [0, 0.5]}\n"
            "units: {intuniform: [16, 128]}\nactivation: {choice: [relu, tanh]}\n")
    path = tmp_path / "space.yaml"
    path.write_text(text)
    expected = gn.tune.Space({"lr": gn.tune.loguniform(1e-4, 0.1), "hidden": [[64], [128, 64]],
                              "dropout": gn.tune.uniform(0, 0.5), "units": gn.tune.intuniform(16, 128),
                              "activation": gn.tune.choice("relu", "tanh")})
    assert gn.tune.Space(text).distributions == expected.distributions
    assert gn.tune.Space(str(path)).distributions == expected.distributions
    assert gn.tune.Space(path).distributions == expected.distributions


def test_grid_is_every_combination_once_and_expands_integer_ranges():
    space = gn.tune.Space({"units": gn.tune.intuniform(1, 3), "hidden": [[8], [16, 8]],
                           "act": ["relu", "tanh"]})
    grid = space.grid()
    assert len(grid) == 3 * 2 * 2
    assert len({repr(sorted(p.items())) for p in grid}) == len(grid)
    assert all(list(p) == ["units", "hidden", "act"] for p in grid)


def test_grid_refuses_a_continuous_distribution_naming_it():
    space = gn.tune.Space({"units": [4, 8], "lr": gn.tune.loguniform(1e-4, 1e-1)})
    with pytest.raises(ValueError, match=r"'lr' is loguniform\(0.0001, 0.1\).*method='random'"):
        space.grid()


def test_random_samples_are_seeded_plain_values_inside_their_ranges():
    space = gn.tune.Space({"lr": gn.tune.loguniform(1e-4, 1e-1), "units": gn.tune.intuniform(2, 5),
                           "drop": gn.tune.uniform(0, 0.5), "hidden": [[8], [16, 8]]})
    first, again, other = space.sample(20, seed=1), space.sample(20, seed=1), space.sample(20, seed=2)
    assert first == again and first != other
    for p in first:
        assert type(p["lr"]) is float and 1e-4 <= p["lr"] <= 1e-1
        assert type(p["units"]) is int and 2 <= p["units"] <= 5
        assert 0 <= p["drop"] <= 0.5 and p["hidden"] in ([8], [16, 8])


@pytest.mark.parametrize("spec, error, match", [
    ({"lr": {"loguniform": [0, 1]}}, ValueError, "low must be > 0"),
    ({"lr": {"uniform": [1, 1]}}, ValueError, "low must be smaller than high"),
    ({"lr": {"normal": [0, 1]}}, ValueError, "must be a list of choices, or a mapping with one key"),
    ({"lr": 0.1}, TypeError, "must be a list of choices"),
    ({"units": {"intuniform": [1.5, 4]}}, TypeError, "intuniform: low must be an integer"),
    ({"units": []}, ValueError, "at least one value"),
    ({"units": [4, 4]}, ValueError, "each value must be given once"),
    ({}, TypeError, "non-empty dict"),
])
def test_bad_spaces_are_refused_in_words(spec, error, match):
    with pytest.raises(error, match=match):
        gn.tune.Space(spec)


def test_a_missing_yaml_file_is_named():
    with pytest.raises(FileNotFoundError, match="no file 'nowhere.yaml'"):
        gn.tune.Space("nowhere.yaml")


def test_random_draws_from_a_small_space_of_choices_give_each_combination_once():
    space = gn.tune.Space({"units": [2, 4], "act": ["relu", "tanh"]})
    with pytest.warns(UserWarning, match="the space has 4 combinations of choices, fewer than n_trials=6"):
        drawn = space.sample(6, seed=0)
    assert sorted(map(repr, drawn)) == sorted(map(repr, space.grid()))


def test_scipy_and_optuna_distributions_mean_the_same_as_glassnets():
    from optuna import distributions as od
    from scipy import stats

    space = gn.tune.Space({"a": stats.uniform(0.1, 0.4), "b": stats.loguniform(1e-4, 1e-1),
                           "c": stats.randint(2, 6), "d": od.FloatDistribution(0.0, 0.5),
                           "e": od.FloatDistribution(1e-3, 1.0, log=True), "f": od.IntDistribution(1, 3),
                           "g": od.CategoricalDistribution(["relu", "tanh"])})
    assert space.distributions == {
        "a": gn.tune.uniform(0.1, 0.5), "b": gn.tune.loguniform(1e-4, 1e-1), "c": gn.tune.intuniform(2, 5),
        "d": gn.tune.uniform(0.0, 0.5), "e": gn.tune.loguniform(1e-3, 1.0), "f": gn.tune.intuniform(1, 3),
        "g": gn.tune.choice("relu", "tanh")}


@pytest.mark.parametrize("make, match", [
    (lambda stats, od: stats.norm(0, 1), "scipy's norm distribution; glassnet searches uniform"),
    (lambda stats, od: od.FloatDistribution(0.0, 1.0, step=0.1), "no step"),
    (lambda stats, od: od.IntDistribution(1, 64, log=True), "no logarithmic integers"),
])
def test_scipy_and_optuna_distributions_glassnet_lacks_are_refused_in_words(make, match):
    from optuna import distributions as od
    from scipy import stats

    with pytest.raises(TypeError, match=match):
        gn.tune.Space({"x": make(stats, od)})
