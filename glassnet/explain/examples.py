"""The lectures' worked examples, computed by glassnet and laid out as the slides lay them out.

- ``chain-rule``: f = (x + y) z at x = -2, y = 5, z = -4; every local and global gradient.
- ``two-layer-sigmoid``: the 2-2-2 sigmoid network (inputs 0.05, 0.1; targets 0.01, 0.99;
  w1..w8 = 0.15 ... 0.55; biases 0.35 and 0.6; E = 1/2 sum (out - target)^2): forward
  values, error, deltas, the eight weight gradients and the weights after one step of
  gradient descent with eta = 0.5; the biases both one per neuron and, as on the slide, one
  per layer (``Dense(bias="shared")``: dE/db1 is the sum of the hidden deltas).
- ``one-neuron``: the linear neuron x^L = w x^{L-1} + b with x^{L-1} = 1.5, y = 0.5,
  E = (x^L - y)^2, tau = 0.1, from w = 0.8, b = 1: the table converging to 0.5.
- ``simplest-nn``: h = w x + b fitting y = 3 at x = 1 from w = 0.1, b = 1 with
  L = 1/2 (y - h)^2 and eta = 0.2: the w, b table.
- ``perceptron``: the perceptron rule on the OR gate, visit by visit, with the bias as b or
  (``bias_as_weight=True``) as the weight w0 on x0 = 1 (see
  :func:`glassnet.explain.perceptron_rule.perceptron`).

Every number is read from glassnet's graph (retained gradients, the nodes' backward) in
float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet import losses
from glassnet.explain._tables import Section, markdown, plain, print_sections
from glassnet.explain.graph import Graph, graph
from glassnet.explain.iteration import iterate
from glassnet.explain.perceptron_rule import perceptron
from glassnet.explain.trace import trace
from glassnet.tensor import Tensor

__all__ = [
    "Example", "EXAMPLES", "run", "chain_rule", "two_layer_sigmoid", "one_neuron", "simplest_nn",
    "vanishing_gradients", "perceptron", "BIAS_AS_WEIGHT",
]

F64 = np.float64


@dataclass
class Example:
    """A worked example: its tables, the chain-rule text and every number by name.

    Attributes
    ----------
    name, title : str
    sections : list of Section
        The tables as printed.
    values : dict
        The numbers, by the names the lectures (and the checks) use.
    text : list of str
        Equations printed after the tables.
    graph : Graph or None
        The computation graph, for the chain-rule example.
    """

    name: str
    title: str
    sections: list[Section]
    values: dict[str, Any]
    text: list[str] = field(default_factory=list)
    graph: Graph | None = None

    def print(self, console: Any = None, digits: int = 10) -> None:
        """Print the tables (rich) and the equations."""
        from rich.console import Console

        console = Console() if console is None else console
        console.rule(self.title)
        print_sections(self.sections, console, digits)
        for block in self.text:
            console.print(block, highlight=False, markup=False, soft_wrap=True)

    def to_markdown(self, digits: int = 10) -> str:
        body = markdown(self.sections, digits)
        extra = "".join(f"\n```\n{block}\n```\n" for block in self.text)
        return f"## {self.title}\n\n{body}{extra}"

    def __str__(self) -> str:
        return f"{self.title}\n\n{plain(self.sections)}" + "".join(f"\n{block}\n" for block in self.text)


def _dense(units: int, activation: str | None = None, name: str | None = None,
           bias: str = "per_unit") -> Any:
    from glassnet.layers import Dense

    return Dense(units, activation=activation, name=name, bias=bias)


def _model(inputs: int, layers: list[Any], weights: dict[str, list[Any]]) -> Any:
    """A float64 Sequential model holding exactly the slide's weights."""
    from glassnet.models import Sequential

    model = Sequential(layers, seed=0)
    model.build(input_shape=(inputs,), dtype=F64)
    model.load_state_dict({name: np.asarray(value, dtype=F64) for name, value in weights.items()})
    return model


# ------------------------------------------------------------------ chain rule
def chain_rule(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> Example:
    """f = (x + y) z: forward q = x + y, f = q z; backward by the chain rule on the graph."""
    tx, ty, tz = (Tensor(v, requires_grad=True, dtype=F64, name=n) for v, n in ((x, "x"), (y, "y"), (z, "z")))
    q = (tx + ty).retain_grad()
    q.name = "q"
    f = (q * tz).retain_grad()
    f.name = "f"
    f.backward()
    dq_dx, dq_dy = type(q._ctx).backward(q._ctx, np.ones_like(q.data))
    values = {
        "q": q.item(), "f": f.item(), "df_df": f.grad.item(), "df_dz": tz.grad.item(),
        "df_dq": q.grad.item(), "dq_dx": dq_dx.item(), "dq_dy": dq_dy.item(),
        "df_dx": tx.grad.item(), "df_dy": ty.grad.item(),
    }
    sections = [
        Section("forward pass", ["node", "value"], [["x", x], ["y", y], ["z", z],
                                                    ["q = x + y", values["q"]], ["f = q z", values["f"]]]),
        Section("backward pass (upstream gradient x local gradient)", ["gradient", "value"], [
            ["df/df", values["df_df"]], ["df/dz = q", values["df_dz"]], ["df/dq = z", values["df_dq"]],
            ["dq/dx (local)", values["dq_dx"]], ["dq/dy (local)", values["dq_dy"]],
            ["df/dx = df/dq dq/dx", values["df_dx"]], ["df/dy = df/dq dq/dy", values["df_dy"]]]),
    ]
    drawing = graph(f, {"x": tx, "y": ty, "z": tz, "q": q, "f": f})
    return Example("chain-rule", "chain rule on a computational graph: f = (x + y) z", sections, values,
                   [drawing.dot], drawing)


# ------------------------------------------------------------- 2-2-2 network
_W = [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55]


def two_layer_sigmoid(lr: float = 0.5) -> Example:
    """The 2-2-2 sigmoid network: forward, error, backward, and one gradient-descent step.

    Wiring: net_h1 = w1 i1 + w2 i2 + b1, net_h2 = w3 i1 + w4 i2 + b1, net_o1 = w5 out_h1 +
    w6 out_h2 + b2, net_o2 = w7 out_h1 + w8 out_h2 + b2; so W^1 = [[w1, w3], [w2, w4]] in
    glassnet's (inputs, units) layout. The biases are one per neuron (both start at b1 or
    b2) and take the step too; the same step with the slide's two shared biases
    (``Dense(bias="shared")``) gives dE/db1 = delta_h1 + delta_h2 and dE/db2 = delta_o1 + delta_o2.
    """
    t, after = _step_2_2_2("per_unit", [0.35, 0.35], [0.6, 0.6], lr)
    shared, shared_after = _step_2_2_2("shared", [0.35], [0.6], lr)
    h, o = t.layers
    errors = 0.5 * (t.output[0] - t.y[0]) ** 2
    values = {
        "net_h1": h.z[0, 0], "net_h2": h.z[0, 1], "out_h1": h.a[0, 0], "out_h2": h.a[0, 1],
        "net_o1": o.z[0, 0], "net_o2": o.z[0, 1], "out_o1": o.a[0, 0], "out_o2": o.a[0, 1],
        "E_o1": errors[0], "E_o2": errors[1], "E_total": t.loss,
        "dE_dout_o": o.dE_da[0], "dout_dnet_o": o.g_prime[0], "delta_o": o.delta[0], "delta_h": h.delta[0],
        "grad_w1_to_w8": np.concatenate([h.dW.T.ravel(), o.dW.T.ravel()]),
        "grad_b1_per_hidden_neuron": h.db, "grad_b2_per_output_neuron": o.db,
        f"w_after_one_step_lr{lr:g}": np.concatenate([(h.W + h.dW_step).T.ravel(),
                                                      (o.W + o.dW_step).T.ravel()]),
        "per_neuron_biases_after_one_step": {"hidden": h.b + h.db_step, "output": o.b + o.db_step},
        "E_total_after_one_step_per_neuron_biases_updated": after.loss,
        "grad_b1_shared": shared.layers[0].db[0], "grad_b2_shared": shared.layers[1].db[0],
        "b1_b2_after_one_step_if_biases_updated": np.array([r.b[0] + r.db_step[0] for r in shared.layers]),
        "E_total_after_one_step_biases_updated": shared_after.loss,
    }
    return Example("two-layer-sigmoid", f"2-2-2 sigmoid network, one step of gradient descent (eta = {lr:g})",
                   _network_sections(values, lr), values, [t.equations(2), t.equations(1)])


def _step_2_2_2(bias: str, b1: list[float], b2: list[float], lr: float) -> tuple[Any, Any]:
    """The traces of one SGD step of the 2-2-2 network and of the step's result."""
    from glassnet.optim import SGD

    w = _W
    model = _model(
        2, [_dense(2, "sigmoid", "hidden", bias), _dense(2, "sigmoid", "output", bias)],
        {"layers.0.W": [[w[0], w[2]], [w[1], w[3]]], "layers.0.b": b1,
         "layers.1.W": [[w[4], w[6]], [w[5], w[7]]], "layers.1.b": b2})
    X, y = np.array([[0.05, 0.1]]), np.array([[0.01, 0.99]])
    t = trace(model, X, y, loss=losses.MSE("sum", scale=0.5), optimizer=SGD(lr=lr))
    model.load_state_dict({f"layers.{i}.{k}": r.params[k] + r.steps[k] for i, r in enumerate(t.layers)
                           for k in ("W", "b")})
    return t, trace(model, X, y, loss=losses.MSE("sum", scale=0.5))


def _network_sections(v: dict[str, Any], lr: float) -> list[Section]:
    names = [f"w{i}" for i in range(1, 9)]
    step = v[f"w_after_one_step_lr{lr:g}"]
    biases = v["per_neuron_biases_after_one_step"]
    return [
        Section("forward pass", ["quantity", "value"], [[k, v[k]] for k in (
            "net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2")]),
        Section("error E = 1/2 sum (target - out)^2", ["quantity", "value"],
                [["E_o1", v["E_o1"]], ["E_o2", v["E_o2"]], ["E_total", v["E_total"]]]),
        Section("backward pass", ["quantity", "o1 / h1", "o2 / h2"], [
            ["dE/dout_o = out_o - target", *v["dE_dout_o"]],
            ["dout_o/dnet_o = out_o (1 - out_o)", *v["dout_dnet_o"]],
            ["delta_o = dE/dnet_o", *v["delta_o"]], ["delta_h = dE/dnet_h", *v["delta_h"]]]),
        Section(f"gradients and weights after one step (eta = {lr:g})", ["weight", "dE/dw", "w - eta dE/dw"],
                [[n, g, s] for n, g, s in zip(names, v["grad_w1_to_w8"], step)]),
        Section("biases (one per neuron) after the step", ["bias", "dE/db", "b - eta dE/db"], [
            ["b1 of h1", v["grad_b1_per_hidden_neuron"][0], biases["hidden"][0]],
            ["b1 of h2", v["grad_b1_per_hidden_neuron"][1], biases["hidden"][1]],
            ["b2 of o1", v["grad_b2_per_output_neuron"][0], biases["output"][0]],
            ["b2 of o2", v["grad_b2_per_output_neuron"][1], biases["output"][1]]]),
        Section("after the step", ["quantity", "value"],
                [["E_total", v["E_total_after_one_step_per_neuron_biases_updated"]]]),
        Section("biases shared per layer, as on the slide (Dense(bias='shared'))",
                ["bias", "dE/db = sum of deltas", "b - eta dE/db"], [
                    ["b1", v["grad_b1_shared"], v["b1_b2_after_one_step_if_biases_updated"][0]],
                    ["b2", v["grad_b2_shared"], v["b1_b2_after_one_step_if_biases_updated"][1]]]),
        Section("after the step with shared biases", ["quantity", "value"],
                [["E_total", v["E_total_after_one_step_biases_updated"]]]),
    ]


# ------------------------------------------------------- linear-neuron tables
def one_neuron(steps: int = 7, tau: float = 0.1) -> Example:
    """x^L = w x^{L-1} + b, E = (x^L - y)^2: gradient descent from w = 0.8, b = 1 towards y = 0.5.

    Row k: w_k and b_k after update k; x^L and E computed with the parameters before it.
    """
    from glassnet.optim import SGD

    model = _model(1, [_dense(1)], {"layers.0.W": [[0.8]], "layers.0.b": [1.0]})
    table = iterate(model, [[1.5]], [[0.5]], steps, SGD(lr=tau), loss=losses.MSE("sum"),
                    params={"layers.0.W": "w", "layers.0.b": "b"})
    rows = {k: {"w_k": r["w"], "b_k": r["b"], "xL_used_for_step_k": r["a^L"], "E_before_step_k": r["E"]}
            for k, r in enumerate(table.rows, start=1)}
    first = table.rows[0]
    values = {"xL_initial": first["a^L"], "E_initial": first["E"], "dE_dw": first["dE/dw"],
              "dE_db": first["dE/db"], "w1": first["w"], "b1": first["b"], "table": rows}
    section = Section(f"gradient descent, tau = {tau:g}: x^L -> y = 0.5",
                      ["k", "x^L (before step k)", "E (before step k)", "w_k", "b_k"],
                      [[r["step"], r["a^L"], r["E"], r["w"], r["b"]] for r in table.rows])
    text = [f"w_1 = w_0 - tau dE/dw = 0.8 - {tau:g} x 2 (x^L - y) x^(L-1) = 0.8 - {tau:g} x "
            f"{first['dE/dw']:.10g} = {first['w']:.10g}",
            f"b_1 = b_0 - tau dE/db = 1 - {tau:g} x 2 (x^L - y) = 1 - {tau:g} x "
            f"{first['dE/db']:.10g} = {first['b']:.10g}"]
    title = "one linear neuron x^L = w x^(L-1) + b, E = (x^L - y)^2"
    return Example("one-neuron", title, [section], values, text)


def simplest_nn(steps: int = 3, eta: float = 0.2) -> Example:
    """h = w x + b, L = 1/2 (y - h)^2: the w, b table from w = 0.1, b = 1 fitting y = 3 at x = 1."""
    from glassnet.optim import SGD

    model = _model(1, [_dense(1)], {"layers.0.W": [[0.1]], "layers.0.b": [1.0]})
    table = iterate(model, [[1.0]], [[3.0]], steps, SGD(lr=eta), loss=losses.MSE("sum", scale=0.5),
                    params={"layers.0.W": "w", "layers.0.b": "b"})
    rows = {k: {"h": r["a^L"], "L": r["E"], "dL_dh": r["dE/da^L"], "dL_dw": r["dE/dw"], "dL_db": r["dE/db"],
                "w_after": r["w"], "b_after": r["b"]} for k, r in enumerate(table.rows, start=1)}
    section = Section(f"w <- w - eta dL/dw, b <- b - eta dL/db with eta = {eta:g}",
                      ["row", "h = w x + b", "L", "dL/dh", "dL/dw", "dL/db", "w", "b"],
                      [[k, *r.values()] for k, r in rows.items()])
    return Example("simplest-nn", "the simplest neural network h = w x + b, L = 1/2 (y - h)^2", [section],
                   {"rows": rows})


# ------------------------------------------------------- vanishing gradients
def vanishing_gradients(depth: int = 8, width: int = 32, epochs: int = 3, *, lr: float = 0.1,
                        activations: tuple[str, ...] = ("sigmoid", "relu"), seed: int = 0) -> dict[str, Any]:
    """The lectures' vanishing-gradient slide: per-layer gradient norms of deep stacks.

    A stack of ``depth`` Dense layers per hidden activation, trained by SGD on the two
    moons with ``fit(..., track_gradients=True)``. With sigmoid, g'(z) <= 1/4, so the
    gradient reaching layer l is multiplied by a factor of at most 1/4 (times the weights)
    per layer above it and the first layers' norms fall by decades; with ReLU, g'(z) = 1
    on the active units and the norms stay of one size.

    Returns
    -------
    dict
        Activation -> ``History.gradient_norms`` (layer name -> mean norm per epoch), the
        layers named layer_1 (nearest the input) to layer_<depth>. Plot one with
        :func:`glassnet.explain.gradient_flow`.
    """
    from glassnet import datasets
    from glassnet.models import Sequential
    from glassnet.optim import SGD

    data = datasets.load("moons", n_samples=256, seed=seed)
    out = {}
    for activation in activations:
        layers = [_dense(width, activation, f"layer_{i}") for i in range(1, depth)]
        model = Sequential([*layers, _dense(1, "sigmoid", f"layer_{depth}")], seed=seed)
        model.compile(optimizer=SGD(lr=lr), loss="binary_cross_entropy")
        history = model.fit(data.X, data.y, epochs=epochs, batch_size=32, verbose=0, seed=seed,
                            track_gradients=True)
        out[activation] = history.gradient_norms
    return out


EXAMPLES: dict[str, Callable[[], Example]] = {
    "chain-rule": chain_rule,
    "two-layer-sigmoid": two_layer_sigmoid,
    "one-neuron": one_neuron,
    "simplest-nn": simplest_nn,
    "perceptron": perceptron,
}

#: The examples that can write the bias as a weight w0 on a constant input x0 = 1.
BIAS_AS_WEIGHT = ("perceptron",)


def run(name: str, bias_as_weight: bool = False) -> Example:
    """The worked example ``name`` (one of :data:`EXAMPLES`).

    Parameters
    ----------
    name : str
    bias_as_weight : bool, default False
        Write the bias as the weight w0 on x0 = 1 (the examples in :data:`BIAS_AS_WEIGHT`).

    Raises
    ------
    ValueError
        For an unknown name, or ``bias_as_weight`` with an example that has no such form.

    Examples
    --------
    >>> run("perceptron", bias_as_weight=True).values["final_w"]
    [0.0, 0.5, 0.5]
    """
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}")
    if bias_as_weight:
        if name not in BIAS_AS_WEIGHT:
            raise ValueError(f"bias_as_weight applies to the examples {', '.join(BIAS_AS_WEIGHT)}, "
                             f"not {name!r}")
        return EXAMPLES[name](bias_as_weight=True)
    return EXAMPLES[name]()
