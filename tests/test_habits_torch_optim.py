"""PyTorch's optimizer habits: parameter groups, add_param_group, state_dict, compared with torch.optim."""

import copy
import json
import pickle

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import accel
from glassnet.layers import Parameter

SHAPES = [(3, 4), (4,), (2, 3), ()]


def values(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in SHAPES]


def grads(step, seed=1):
    rng = np.random.default_rng([seed, step])
    return [3.0 * 0.9**step * rng.standard_normal(shape) for shape in SHAPES]


class Twins:
    """The same parameters in glassnet and torch; ``groups`` maps each library's parameter
    list to the optimizer's first argument."""

    def __init__(self, make, make_torch):
        start = values()
        self.params = [Parameter(v.copy()) for v in start]
        self.tparams = [torch.tensor(v.copy(), requires_grad=True) for v in start]
        self.opt = make(self.params)
        self.topt = make_torch(self.tparams)
        self.steps = 0

    def step(self, n=1):
        for _ in range(n):
            g = grads(self.steps)
            self.opt.zero_grad()
            for p, gi in zip(self.params, g, strict=True):
                p.grad = gi.copy() if p.grad is None else p.grad + gi
            self.opt.step()
            self.topt.zero_grad()
            for tp, gi in zip(self.tparams, g, strict=True):
                tp.grad = torch.tensor(gi)
            self.topt.step()
            self.steps += 1
            self.check()

    def check(self):
        for p, tp in zip(self.params, self.tparams, strict=True):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-13,
                                       err_msg=f"after step {self.steps}")


GROUPED = [
    ("SGD", dict(lr=0.1, momentum=0.9), [{}, {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1}]),
    ("SGD", dict(lr=0.05), [{"momentum": 0.9, "nesterov": True}, {"lr": 0.2}]),
    ("Adam", dict(lr=1e-2), [{}, {"lr": 1e-3, "betas": (0.8, 0.99), "amsgrad": True}]),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1), [{"weight_decay": 0.0}, {"lr": 0.05, "eps": 1e-6}]),
    ("RMSprop", dict(lr=1e-2), [{"alpha": 0.9, "centered": True}, {"momentum": 0.5}]),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1), [{}, {"lr": 0.05, "eps": 1e-6}]),
]


def split(params, options):
    """Two groups: the first two parameters and the last two, with their options."""
    return [{"params": params[:2], **options[0]}, {"params": params[2:], **options[1]}]


@pytest.mark.parametrize(("name", "defaults", "options"), GROUPED, ids=[g[0] for g in GROUPED])
def test_param_groups_with_their_own_options_step_as_torch(name, defaults, options):
    twins = Twins(lambda p: getattr(gn.optim, name)(split(p, options), **defaults),
                  lambda p: getattr(torch.optim, name)(split(p, options), **defaults))
    twins.step(15)
    assert [g["lr"] for g in twins.opt.param_groups] == [g["lr"] for g in twins.topt.param_groups]


def test_the_example_of_the_docs_a_model_and_a_head_at_two_rates():
    base = gn.Sequential([gn.layers.Dense(8, input_dim=3, activation="relu")])
    head = gn.Sequential([gn.layers.Dense(1, input_dim=8)])
    opt = gn.optim.Adam([{"params": base.parameters()}, {"params": head.parameters(), "lr": 1e-3}], lr=1e-2)
    assert [g["lr"] for g in opt.param_groups] == [1e-2, 1e-3]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999) and opt.defaults["lr"] == 1e-2
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32)
    loss = gn.losses.MSE()(head(base(x)), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert opt.iterations == 1


def test_changing_a_group_rate_in_the_loop_as_torch():
    options = [{}, {"lr": 0.02}]
    twins = Twins(lambda p: gn.optim.SGD(split(p, options), lr=0.1, momentum=0.9),
                  lambda p: torch.optim.SGD(split(p, options), lr=0.1, momentum=0.9))
    twins.step(5)
    for group in (*twins.opt.param_groups, *twins.topt.param_groups):
        group["lr"] *= 0.5
    twins.opt.param_groups[1]["momentum"] = 0.5
    twins.topt.param_groups[1]["momentum"] = 0.5
    twins.step(5)


def test_add_param_group_mid_run_counts_its_own_steps_as_torch():
    twins = Twins(lambda p: gn.optim.Adam(p[:2], lr=0.01), lambda p: torch.optim.Adam(p[:2], lr=0.01))
    twins.step(4)
    twins.opt.add_param_group({"params": twins.params[2:], "lr": 0.05})
    twins.topt.add_param_group({"params": twins.tparams[2:], "lr": 0.05})
    twins.step(6)
    assert twins.opt.param_groups[1]["betas"] == twins.topt.param_groups[1]["betas"]


def run(params, opt, first_step, n):
    """Steps ``first_step`` .. ``first_step + n - 1`` with the gradients the Twins use."""
    for step in range(first_step, first_step + n):
        opt.zero_grad()
        for p, g in zip(params, grads(step), strict=True):
            p.grad += g
        opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_state_dict_round_trip_continues_bit_for_bit(name):
    kw = {"SGD": {"momentum": 0.9}}.get(name, {})
    params = [Parameter(v) for v in values()]
    opt = getattr(gn.optim, name)(split(params, [{}, {"lr": 0.003}]), lr=0.01, **kw)
    run(params, opt, 0, 5)
    opt.param_groups[0]["lr"] = 0.02
    saved = opt.state_dict()
    on_disk = json.loads(json.dumps({k: v for k, v in saved.items() if k != "state"}))
    assert on_disk["param_groups"][1]["lr"] == 0.003 and on_disk["param_groups"][1]["params"] == [2, 3]
    twins = [Parameter(p.data.copy()) for p in params]
    other = getattr(gn.optim, name)(split(twins, [{}, {}]), lr=0.5, **kw)
    other.load_state_dict({**on_disk, "state": {k: v.copy() for k, v in saved["state"].items()}})
    assert [g["lr"] for g in other.param_groups] == [0.02, 0.003] and other.iterations == 5
    run(params, opt, 5, 5)
    run(twins, other, 5, 5)
    for p, q in zip(params, twins, strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_state_for_other_groups_is_refused():
    params = [Parameter(v) for v in values()]
    opt = gn.optim.Adam(split(params, [{}, {}]))
    with pytest.raises(ValueError, match=r"saved for parameters in groups of \[2, 2\] parameter\(s\) but "
                                         r"this optimizer holds groups of \[4\]"):
        gn.optim.Adam([Parameter(v) for v in values()]).load_state_dict(opt.state_dict())


@pytest.mark.skipif(not accel.compiled_available(), reason="compiled kernels not built")
@pytest.mark.parametrize(("name", "kw"), [("SGD", {"momentum": 0.9}), ("Adam", {}), ("AdamW", {})])
def test_groups_use_the_compiled_updates_with_the_same_bits(name, kw):
    def trajectory():
        params = [Parameter(v.astype(np.float32)) for v in values()]
        opt = getattr(gn.optim, name)(split(params, [{}, {"lr": 0.003, "weight_decay": 0.1}]), lr=0.01, **kw)
        for step in range(8):
            opt.zero_grad()
            for p, g in zip(params, grads(step), strict=True):
                p.grad += g.astype(np.float32)
            opt.step()
        return [p.data.copy() for p in params]

    compiled = trajectory()
    with gn.reference():
        plain = trajectory()
    for a, b in zip(compiled, plain, strict=True):
        np.testing.assert_array_equal(a, b)


def test_groups_survive_copy_and_pickle():
    params = [Parameter(v) for v in values()]
    opt = gn.optim.Adam(split(params, [{}, {"lr": 0.003}]), lr=0.01)
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        assert [g["lr"] for g in clone.param_groups] == [0.01, 0.003]
        clone.param_groups[1]["lr"] = 0.1
        clone.step()


def test_one_setting_for_all_groups_through_the_attribute():
    params = [Parameter(v) for v in values()]
    opt = gn.optim.SGD(split(params, [{}, {"lr": 0.5}]), lr=0.1)
    with pytest.raises(ValueError, match=r"different values of lr: \[0.1, 0.5\]; read or set "
                                         r"optimizer.param_groups\[i\]\['lr'\]"):
        _ = opt.lr
    opt.lr = 0.2
    assert opt.lr == opt.learning_rate == 0.2 and [g["lr"] for g in opt.param_groups] == [0.2, 0.2]
    opt.momentum = 0.9
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9] and opt.get_config()["momentum"] == 0.9


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda p: gn.optim.Adam([{"params": p[:2]}, {"params": p[1:]}]), ValueError,
     r"1 parameter\(s\) of this group are already in another group"),
    (lambda p: gn.optim.Adam([{"params": p[:2], "momentum": 0.9}]), TypeError,
     "Adam got an unexpected argument 'momentum'; it takes params and lr, beta1"),
    (lambda p: gn.optim.SGD([{"params": p, "lr": -0.1}]), ValueError, r"lr must be in \[0, inf\), got -0.1"),
    (lambda p: gn.optim.SGD([{"params": p, "nesterov": True}]), ValueError,
     "nesterov=True needs momentum > 0"),
    (lambda p: gn.optim.SGD([{"params": p, "clipnorm": 1.0}]), TypeError,
     r"clipnorm applies to all parameters together; give it to the optimizer \(SGD\(..., clipnorm=1.0\)\)"),
    (lambda p: gn.optim.SGD([{"lr": 0.1}]), TypeError, "parameter group 0 has no 'params'"),
    (lambda p: gn.optim.SGD([{"params": p[:2]}, p[2]]), TypeError, "not a mix of both"),
    (lambda p: gn.optim.Adam([{"params": p, "lr": 0.1, "learning_rate": 0.2}]), TypeError,
     r"gives lr twice \(as learning_rate and lr\); give it once"),
    (lambda p: gn.optim.SGD(p).add_param_group(p[:1]), TypeError, "add_param_group takes a dict"),
])
def test_mistakes_in_groups_fail_at_once(make, error, words):
    with pytest.raises(error, match=words):
        make([Parameter(v) for v in values()])


@pytest.mark.parametrize(("key", "value", "error", "words"), [
    ("lr", "0.1", TypeError, "lr must be a real number"),
    ("momentum", 1.5, ValueError, r"momentum must be in \[0, 1\)"),
    ("betas", (0.9, 0.9), TypeError, "unexpected argument 'betas'"),
    ("params", [], TypeError, "the parameters of a group are fixed"),
])
def test_a_bad_value_set_in_a_group_fails_at_once(key, value, error, words):
    opt = gn.optim.SGD([Parameter(v) for v in values()], lr=0.1)
    with pytest.raises(error, match=words):
        opt.param_groups[0][key] = value
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0.0


def test_keys_of_your_own_stay_in_the_group():
    params = [Parameter(v) for v in values()]
    opt = gn.optim.Adam([{"params": params[:2], "name": "encoder"}, {"params": params[2:], "name": "head"}])
    assert [g["name"] for g in opt.param_groups] == ["encoder", "head"]
    opt.param_groups[0]["betas"] = (0.5, 0.9)
    assert (opt.param_groups[0]["beta1"], opt.param_groups[0]["beta2"]) == (0.5, 0.9)


def test_binding_the_same_parameters_in_another_order_keeps_the_groups():
    model = gn.Sequential([gn.layers.Dense(4, input_dim=3), gn.layers.Dense(1)])
    first, second = model.layers[0].parameters(), model.layers[1].parameters()
    opt = gn.optim.SGD([{"params": second, "lr": 0.01}, {"params": first}], lr=0.1)
    model.compile(optimizer=opt, loss="mse")
    model.fit(np.ones((8, 3), np.float32), np.zeros((8, 1), np.float32), epochs=2, verbose=0)
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.1] and opt.iterations > 0


@pytest.mark.parametrize("set_to_none", [True, False])
def test_step_with_a_closure_and_zero_grad_set_to_none_as_torch(set_to_none):
    x, y = np.linspace(-1, 1, 8).reshape(8, 1), np.linspace(0, 2, 8).reshape(8, 1)
    w, tw = Parameter(np.array([[0.5]])), torch.tensor([[0.5]], dtype=torch.float64, requires_grad=True)
    opt = gn.optim.SGD([w], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([tw], lr=0.1, momentum=0.9)

    def closure():
        opt.zero_grad(set_to_none=set_to_none)
        loss = ((gn.tensor(x, dtype=np.float64) @ w - y) ** 2).mean()
        loss.backward()
        return loss

    def torch_closure():
        topt.zero_grad(set_to_none=set_to_none)
        loss = ((torch.tensor(x) @ tw - torch.tensor(y)) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(5):
        loss, tloss = opt.step(closure), topt.step(torch_closure)
        assert float(loss.item()) == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)
    assert opt.step() is None


def test_the_glass_box_steps_with_the_groups_of_the_optimizer():
    model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    W, b = model.layers[0].parameters()
    w0, b0 = float(W.data[0, 0]), float(b.data[0])
    opt = gn.optim.SGD([{"params": [W], "lr": 0.1}, {"params": [b], "lr": 0.0}], lr=0.5)
    table = gn.explain.iterate(model, [[1.5]], [[0.5]], steps=2, optimizer=opt, loss=gn.losses.MSE("sum"),
                               params={"layers.0.W": "w", "layers.0.b": "b"})
    assert table["b"].tolist() == [b0, b0]                      # the group at lr 0 stays put
    assert table["w"][0] == pytest.approx(w0 - 0.1 * 2 * (w0 * 1.5 + b0 - 0.5) * 1.5)


def test_torch_s_names_are_in_a_group_as_they_are_read():
    w = gn.Parameter(np.ones(2))
    group = gn.optim.Adam([w], lr=0.1).param_groups[0]
    assert "betas" in group and group["betas"] == (0.9, 0.999)
    assert "lr" in group and "momentum" not in group
