"""Learning-rate schedules against torch.optim.lr_scheduler, epoch by epoch."""

import numpy as np
import pytest
import torch

from glassnet import schedules


def torch_rates(make_scheduler, initial_lr, epochs):
    """The learning rate torch uses in each epoch 0 .. epochs-1 (scheduler stepped once per epoch)."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=initial_lr)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(epochs):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize(("drop", "every"), [(0.5, 10), (0.1, 3), (0.9, 1)])
def test_step_decay_matches_step_lr(drop, every):
    schedule = schedules.StepDecay(0.2, drop=drop, every=every)
    expected = torch_rates(lambda o: torch.optim.lr_scheduler.StepLR(o, every, gamma=drop), 0.2, 40)
    np.testing.assert_allclose([schedule(e) for e in range(40)], expected, rtol=0)


@pytest.mark.parametrize("gamma", [0.95, 0.5, 1.0])
def test_exponential_decay_matches_exponential_lr(gamma):
    schedule = schedules.ExponentialDecay(0.1, gamma=gamma)
    expected = torch_rates(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma), 0.1, 40)
    np.testing.assert_allclose([schedule(e) for e in range(40)], expected, rtol=0)


@pytest.mark.parametrize(("epochs", "min_lr"), [(10, 0.0), (25, 1e-3), (1, 0.01)])
def test_cosine_decay_matches_cosine_annealing_lr(epochs, min_lr):
    schedule = schedules.CosineDecay(0.1, epochs=epochs, min_lr=min_lr)
    expected = torch_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=epochs, eta_min=min_lr),
        0.1,
        epochs + 1,
    )
    np.testing.assert_allclose([schedule(e) for e in range(epochs + 1)], expected, rtol=0, atol=0)
    assert schedule(epochs + 5) == min_lr  # stays at the floor after the last epoch


def test_lr_argument_is_accepted_and_schedule_drives_an_optimizer():
    from glassnet import optim
    from glassnet.layers import Parameter

    schedule = schedules.StepDecay(0.1, drop=0.5, every=2)
    opt = optim.SGD([Parameter(np.zeros(2))], lr=1.0)
    seen = []
    for epoch in range(5):
        opt.lr = schedule(epoch, opt.lr)
        seen.append(opt.lr)
    assert seen == [0.1, 0.1, 0.05, 0.05, 0.025]


def test_configs_round_trip():
    for schedule in [
        schedules.StepDecay(0.1, drop=0.2, every=5),
        schedules.ExponentialDecay(0.01, gamma=0.9),
        schedules.CosineDecay(0.1, epochs=30, min_lr=1e-4),
    ]:
        again = type(schedule).from_config(schedule.get_config())
        assert again.get_config() == schedule.get_config()
        assert [again(e) for e in range(40)] == [schedule(e) for e in range(40)]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: schedules.StepDecay(-0.1), r"initial_lr must be in \(0, inf\), got -0.1"),
        (lambda: schedules.StepDecay(0.1, drop=0), "drop must be"),
        (lambda: schedules.StepDecay(0.1, every=0), "every must be an integer >= 1, got 0"),
        (lambda: schedules.StepDecay(0.1, every=2.5), "every must be an integer"),
        (lambda: schedules.ExponentialDecay(0.1, gamma=float("nan")), "gamma must be"),
        (lambda: schedules.StepDecay(0.1, drop=2.0), r"drop must be in \(0, 1\].*2.0, which would make"),
        (lambda: schedules.ExponentialDecay(0.1, gamma=1.5), r"gamma must be in \(0, 1\]"),
        (lambda: schedules.CosineDecay(0.1, epochs=0), "epochs must be"),
        (lambda: schedules.CosineDecay(0.1, epochs=5, min_lr=-1.0), r"min_lr must be in \[0, inf\)"),
        (lambda: schedules.CosineDecay(0.1, epochs=5, min_lr=0.5), "must not exceed initial_lr"),
        (lambda: schedules.StepDecay(0.1)(-1), "epoch must be an integer >= 0, got -1"),
        (lambda: schedules.StepDecay(0.1)(1.5), "epoch must be an integer"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_non_numbers_are_type_errors():
    with pytest.raises(TypeError, match="initial_lr must be a real number"):
        schedules.ExponentialDecay("0.1", gamma=0.9)


def test_rates_asked_in_any_order_are_the_rates_in_order():
    in_order = [schedules.CosineDecay(0.1, epochs=30, min_lr=1e-3)(e) for e in range(40)]
    schedule = schedules.CosineDecay(0.1, epochs=30, min_lr=1e-3)
    for epoch in (39, 3, 3, 17, 0, 30, 12):
        assert schedule(epoch) == in_order[epoch]
    schedule.min_lr = 0.0
    assert schedule(39) == 0.0
