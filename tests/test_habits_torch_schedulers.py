"""PyTorch's learning-rate schedulers (gn.optim.lr_scheduler) against torch.optim.lr_scheduler, 100 steps."""

import json
import warnings

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.layers import Parameter

STEPS = 100
#: A quantity that improves, stalls (by less than the threshold), then improves again.
METRIC = [5.0 - 0.5 * (i // 12) - (0.0004 if i % 12 == 4 else 0.0) for i in range(STEPS)]


def rates(lib, make, optimizer="SGD", options=None, steps=STEPS):
    """get_last_lr() after construction and after each of ``steps`` scheduler steps, for an
    optimizer with two parameter groups, and the last options of each group."""
    new = (lambda: Parameter(np.zeros(2))) if lib is gn else (lambda: torch.nn.Parameter(torch.zeros(2)))
    groups = [{"params": [new()]}, {"params": [new()], "lr": 0.03}]
    opt = getattr(lib.optim, optimizer)(groups, lr=0.1, **(options or {}))
    scheduler = make(opt, lib.optim.lr_scheduler)
    seen = [scheduler.get_last_lr()]
    for i in range(steps):
        opt.step()
        if "Plateau" in type(scheduler).__name__:
            scheduler.step(METRIC[i])
        else:
            scheduler.step()
        seen.append(scheduler.get_last_lr())
    momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
    return seen, momenta


CASES = {
    "StepLR": lambda o, L: L.StepLR(o, step_size=30, gamma=0.1),
    "StepLR-7-0.7": lambda o, L: L.StepLR(o, 7, gamma=0.7),
    "MultiStepLR": lambda o, L: L.MultiStepLR(o, milestones=[30, 80], gamma=0.1),
    "MultiStepLR-repeated": lambda o, L: L.MultiStepLR(o, [10, 40, 40, 75], gamma=0.3),
    "ExponentialLR": lambda o, L: L.ExponentialLR(o, gamma=0.95),
    "ExponentialLR-growing": lambda o, L: L.ExponentialLR(o, gamma=1.05),
    "CosineAnnealingLR": lambda o, L: L.CosineAnnealingLR(o, T_max=100),
    "CosineAnnealingLR-periodic": lambda o, L: L.CosineAnnealingLR(o, T_max=13, eta_min=1e-3),
    "CosineAnnealingLR-1": lambda o, L: L.CosineAnnealingLR(o, T_max=1),
    "LambdaLR": lambda o, L: L.LambdaLR(o, lr_lambda=lambda epoch: 0.95**epoch),
    "LambdaLR-per-group": lambda o, L: L.LambdaLR(o, [lambda e: min(1.0, (e + 1) / 10),
                                                      lambda e: 1 / (1 + e)]),
    "OneCycleLR": lambda o, L: L.OneCycleLR(o, max_lr=0.5, total_steps=STEPS),
    "OneCycleLR-epochs": lambda o, L: L.OneCycleLR(o, max_lr=[0.5, 0.1], epochs=10, steps_per_epoch=10,
                                                   pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-three-phase": lambda o, L: L.OneCycleLR(o, 0.3, total_steps=STEPS, three_phase=True),
    "OneCycleLR-linear": lambda o, L: L.OneCycleLR(o, 0.3, total_steps=120, anneal_strategy="linear",
                                                   cycle_momentum=False),
    "ReduceLROnPlateau": lambda o, L: L.ReduceLROnPlateau(o, "min", patience=2),
    "ReduceLROnPlateau-abs": lambda o, L: L.ReduceLROnPlateau(o, patience=0, threshold=0.1,
                                                              threshold_mode="abs", cooldown=2, factor=0.5,
                                                              min_lr=[0.01, 0.001]),
    "ReduceLROnPlateau-max": lambda o, L: L.ReduceLROnPlateau(o, "max", patience=1, factor=0.5),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_rates_equal_torch_for_100_steps(case, optimizer):
    options = {"momentum": 0.9} if optimizer == "SGD" else {}
    ours, our_momenta = rates(gn, CASES[case], optimizer, options)
    theirs, their_momenta = rates(torch, CASES[case], optimizer, options)
    assert ours == theirs
    assert our_momenta == their_momenta


def test_the_step_after_the_last_batch_of_a_linear_cycle_is_zero_not_negative():
    make = lambda o, L: L.OneCycleLR(o, 0.3, total_steps=STEPS, anneal_strategy="linear")  # noqa: E731
    ours, _ = rates(gn, make)
    theirs, _ = rates(torch, make)
    assert ours[:-1] == theirs[:-1]
    assert ours[-1] == [0.0, 0.0] and min(theirs[-1]) < 0


def test_two_schedulers_on_one_optimizer_combine_as_in_torch():
    def make(o, L):
        first, second = L.ExponentialLR(o, gamma=0.9), L.MultiStepLR(o, milestones=[30, 80], gamma=0.1)

        class Both:
            def step(self):
                first.step()
                second.step()

            def get_last_lr(self):
                return second.get_last_lr()

        return Both()

    assert rates(gn, make)[0] == rates(torch, make)[0]


def test_the_torch_tutorial_loop_with_a_model():
    model = gn.Sequential([gn.layers.Dense(8, input_dim=3, activation="relu"), gn.layers.Dense(1)])
    optimizer = gn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = gn.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    loss_fn = gn.losses.MSE()
    x, y = np.ones((8, 3), np.float32), np.zeros((8, 1), np.float32)
    for _ in range(5):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    assert scheduler.get_last_lr() == [0.025] and optimizer.lr == 0.025


def test_state_dict_resumes_the_schedule():
    def fresh():
        opt = gn.optim.SGD([Parameter(np.zeros(2))], lr=0.1)
        return opt, gn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)

    opt, scheduler = fresh()
    for _ in range(4):
        opt.step()
        scheduler.step()
    saved = json.loads(json.dumps(scheduler.state_dict())), opt.state_dict()
    other_opt, other = fresh()
    other_opt.load_state_dict(saved[1])
    other.load_state_dict(saved[0])
    for _ in range(6):
        for o, s in ((opt, scheduler), (other_opt, other)):
            o.step()
            s.step()
        assert other.get_last_lr() == scheduler.get_last_lr()


def test_reduce_on_plateau_takes_a_scalar_tensor():
    opt = gn.optim.SGD([Parameter(np.zeros(2))], lr=0.1)
    scheduler = gn.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(gn.tensor(1.0))
    scheduler.step(gn.tensor(2.0))
    assert scheduler.get_last_lr() == [pytest.approx(0.01)]


def test_stepping_the_scheduler_first_warns_as_torch_does():
    opt = gn.optim.SGD([Parameter(np.zeros(2))], lr=0.1)
    scheduler = gn.optim.lr_scheduler.StepLR(opt, 1)
    with pytest.warns(UserWarning, match=r"called before optimizer.step\(\): the first rate of the "
                                         r"schedule is skipped"):
        scheduler.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        scheduler.step()


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda o, L: L.StepLR(o, 3, last_epoch=5), ValueError,
     r"last_epoch must be -1 .* scheduler.load_state_dict"),
    (lambda o, L: L.StepLR(o, 0), ValueError, "StepLR: step_size must be an integer >= 1, got 0"),
    (lambda o, L: L.ExponentialLR(o, gamma=0.0), ValueError,
     "ExponentialLR: gamma must be a finite number > 0"),
    (lambda o, L: L.CosineAnnealingLR(o, T_max=2.5), ValueError, "T_max must be an integer >= 1"),
    (lambda o, L: L.MultiStepLR(o, milestones=30), TypeError, "milestones must be a list of epochs"),
    (lambda o, L: L.LambdaLR(o, [lambda e: 1.0] * 2), TypeError,
     r"or a list of 1 \(one per parameter group\)"),
    (lambda o, L: L.OneCycleLR(o, 0.1), ValueError, "give total_steps, or epochs and steps_per_epoch"),
    (lambda o, L: L.OneCycleLR(gn.optim.Adagrad(o.params), 0.1, total_steps=5), ValueError,
     "Adagrad has no momentum to cycle .* cycle_momentum=False"),
    (lambda o, L: L.ReduceLROnPlateau(o, factor=1.5), ValueError, "factor must be below 1"),
    (lambda o, L: L.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode must be 'min' or 'max'"),
    (lambda o, L: L.StepLR(gn.optim.SGD(lr=0.1), 3), ValueError, "the optimizer holds no parameters yet"),
    (lambda o, L: L.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 3), TypeError,
     "must be a glassnet optimizer"),
    (lambda o, L: L.StepLR(o, 3).step(4), TypeError, r"takes no epoch .* once per epoch"),
    (lambda o, L: L.StepLR(o, 3).get_lr(), AttributeError, r"use scheduler.get_last_lr\(\)"),
    (lambda o, L: L.ReduceLROnPlateau(o).step(), TypeError, r"scheduler.step\(val_loss\)"),
])
def test_mistakes_fail_at_once(make, error, words):
    opt = gn.optim.SGD([Parameter(np.zeros(2))], lr=0.1, momentum=0.9)
    with pytest.raises(error, match=words):
        make(opt, gn.optim.lr_scheduler)


def test_one_cycle_refuses_to_go_past_its_last_step():
    opt = gn.optim.SGD([Parameter(np.zeros(2))], lr=0.1, momentum=0.9)
    scheduler = gn.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        scheduler.step()
    with pytest.raises(ValueError, match="step\\(\\) was called 4 times, the cycle has total_steps=3"):
        scheduler.step()
