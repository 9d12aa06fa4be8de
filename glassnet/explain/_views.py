"""Views of a :class:`~glassnet.explain.trace.Trace`: tables, a DataFrame and the chain rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import losses as _losses
from glassnet.explain._tables import Section, fmt, fmt_array

if TYPE_CHECKING:
    from glassnet.explain.trace import LayerTrace, Trace

__all__ = ["sections", "frame", "equations"]

MAX_ROWS = 64


def _check_sample(t: Trace, sample: int | None) -> None:
    n = t.X.shape[0]
    if sample is not None and (isinstance(sample, bool) or not isinstance(sample, (int, np.integer))
                               or not -n <= sample < n):
        raise ValueError(f"sample must be an integer in [0, {n}) (or None for the batch mean), "
                         f"got {sample!r}")


def _pick(values: np.ndarray | None, sample: int | None) -> np.ndarray | None:
    """One sample's values, or the mean over the batch."""
    if values is None:
        return None
    return values.mean(axis=0) if sample is None else values[sample]


def _which(sample: int | None, n: int) -> str:
    return f"batch mean of {n}" if sample is None else f"sample {sample} of {n}"


def _unit_section(t: Trace, r: LayerTrace, sample: int | None) -> Section:
    columns = {"z": r.z, "a": r.a, "dE/da": r.dE_da, "g'(z)": r.g_prime, "delta = dE/dz": r.delta}
    picked = {k: _pick(v, sample).reshape(-1) for k, v in columns.items() if v is not None}
    headers = ["unit", *picked]
    size = len(next(iter(picked.values())))
    rows = [[j, *(v[j] for v in picked.values())] for j in range(min(size, MAX_ROWS))]
    title = f"layer {r.index}: {r.name} ({r.kind}{', ' + r.activation if r.activation else ''})"
    note = _which(sample, t.X.shape[0]) + (f"; first {MAX_ROWS} of {size} units" if size > MAX_ROWS else "")
    return Section(title, headers, rows, note)


def _param_section(r: LayerTrace) -> Section | None:
    if not r.params:
        return None
    stepped = bool(r.steps)
    headers = ["parameter", "value", "gradient", *(["step", "after"] if stepped else [])]
    rows: list[list[Any]] = []
    for name, value in r.params.items():
        for index in np.ndindex(value.shape):
            row = [f"{name}{list(index)}", value[index], r.grads[name][index]]
            if stepped:
                row += [r.steps[name][index], value[index] + r.steps[name][index]]
            rows.append(row)
    note = f"first {MAX_ROWS} of {len(rows)}" if len(rows) > MAX_ROWS else ""
    return Section(f"layer {r.index}: {r.name} parameters (gradients of the whole batch)", headers,
                   rows[:MAX_ROWS], note)


def _loss_section(t: Trace, sample: int | None) -> Section:
    a, g = _pick(t.output, sample).reshape(-1), _pick(t.dE_doutput, sample).reshape(-1)
    y = np.asarray(t.y)
    target = _pick(y, sample).reshape(-1) if y.ndim and y.shape[0] == t.X.shape[0] else y.reshape(-1)
    rows = [[f"a^L[{k}]", a[k]] for k in range(a.size)]
    rows += [[f"y[{k}]", target[k]] for k in range(target.size)]
    rows += [[f"dE/da^L[{k}]", g[k]] for k in range(g.size)]
    rows.append([f"E ({_loss_name(t.loss_fn)}, whole batch)", t.loss])
    return Section("output and loss", ["quantity", "value"], rows[:MAX_ROWS], _which(sample, t.X.shape[0]))


def _loss_name(loss_fn: Any) -> str:
    return getattr(loss_fn, "name", None) or type(loss_fn).__name__


def sections(t: Trace, sample: int | None) -> list[Section]:
    """Input, per-layer units and parameters, output and loss, as tables."""
    _check_sample(t, sample)
    x = _pick(t.X, sample).reshape(-1)
    out = [Section("input a^0", ["i", "x_i"], [[i, x[i]] for i in range(min(x.size, MAX_ROWS))],
                   _which(sample, t.X.shape[0]))]
    for r in t.layers:
        out.append(_unit_section(t, r, sample))
        params = _param_section(r)
        if params is not None:
            out.append(params)
    out.append(_loss_section(t, sample))
    return out


def frame(t: Trace, sample: int | None) -> Any:
    """Long format: one row per number (layer, name, quantity, index, value)."""
    import pandas as pd

    _check_sample(t, sample)
    rows = []

    def add(r: LayerTrace, quantity: str, values: np.ndarray | None) -> None:
        if values is None:
            return
        for index in np.ndindex(values.shape):
            rows.append((r.index, r.name, quantity, index, float(values[index])))

    for r in t.layers:
        for quantity in ("a_prev", "z", "a", "dE_da", "g_prime", "delta"):
            add(r, quantity, _pick(getattr(r, quantity), sample))
        for name in r.params:
            add(r, name, r.params[name])
            add(r, f"d{name}", r.grads[name])
            add(r, f"d{name}_step", r.steps.get(name))
    df = pd.DataFrame(rows, columns=["layer", "name", "quantity", "index", "value"])
    df.attrs["loss"] = t.loss
    return df


# ---------------------------------------------------------------- equations
def _output_gradient_rule(t: Trace, L: int) -> str:
    """The closed form of dE/da^L for the squared error, in the lectures' notation."""
    loss = t.loss_fn
    if not isinstance(loss, _losses.MSE) or loss.reduction == "none":
        return f"dE/da^{L}"
    count = t.output.size if loss.reduction == "mean" else 1
    coefficient = 2 * loss.scale / count
    return f"(a^{L} - y)" if coefficient == 1 else f"{fmt(coefficient, 6)}(a^{L} - y)"


def _next_dense(t: Trace, r: LayerTrace) -> LayerTrace | None:
    if not t.chain:
        return None
    later = [s for s in t.layers if s.index == r.index + 1]
    if later and later[0].z is not None and later[0].W is not None and later[0].W.ndim == 2:
        return later[0]
    return None


def _delta_line(t: Trace, r: LayerTrace, n: int, d: int) -> str:
    l, L = r.index, len(t.layers)
    upstream, delta = fmt_array(r.dE_da[n], d), fmt_array(r.delta[n], d)
    nxt = _next_dense(t, r) if l < L else None
    if l == L and t.chain:
        source = _output_gradient_rule(t, L)
    elif nxt is not None:
        source = f"(delta^{l + 1} (W^{l + 1})^T)"
    else:
        source = f"dE/da^{l}"
    if r.g_prime is None:
        return f"delta^{l} = J_g(z^{l})^T {source} = J_g(z^{l})^T {upstream} = {delta}"
    g_prime = fmt_array(r.g_prime[n], d)
    product = f"{upstream} * {g_prime}"
    if nxt is not None:
        product = f"({fmt_array(nxt.delta[n], d)} {fmt_array(nxt.W, d)}^T) * {g_prime} = {product}"
    return f"delta^{l} = {source} * g'(z^{l}) = {product} = {delta}"


def _gradient_lines(r: LayerTrace, prev: str, calls: int, batch: int, n: int, d: int) -> list[str]:
    l = r.index
    penalty = " + dR/dW" if r.regularized else ""
    if calls > 1:
        dW = f"dE/dW^{l} = sum over the {calls} calls of this shared layer{penalty} = {fmt_array(r.dW, d)}"
    elif batch == 1:
        dW = f"dE/dW^{l} = ({prev})^T delta^{l}{penalty} = {fmt_array(r.a_prev[n], d)}^T " \
             f"{fmt_array(r.delta[n], d)} = {fmt_array(r.dW, d)}"
    else:
        dW = f"dE/dW^{l} = sum_n ({prev}_n)^T delta^{l}_n{penalty} = {fmt_array(r.dW, d)}"
    lines = [dW]
    if r.db is not None:
        lines.append(f"dE/db^{l} = sum_n delta^{l}_n = {fmt_array(r.db, d)}")
    for name, step in r.steps.items():
        after = r.params[name] + step
        lines.append(f"{name}^{l} <- {name}^{l} + step = {fmt_array(r.params[name], d)} + "
                     f"{fmt_array(step, d)} = {fmt_array(after, d)}")
    return lines


def equations(t: Trace, r: LayerTrace, sample: int, digits: int, bias_as_weight: bool = False) -> str:
    """Forward, delta, gradients and update of layer ``r`` with the numbers of ``sample``; with
    ``bias_as_weight`` the forward line also as z = [1, a_prev] [b; W] (b as the weights of a
    constant input x0 = 1)."""
    _check_sample(t, sample)
    if r.z is None or r.W is None or r.W.ndim != 2:
        raise ValueError(
            f"equations are written for Dense layers (z = a_prev W + b, a = g(z)); layer "
            f"{r.index} ({r.name}, {r.kind}) is not one. Use table() or to_frame() for it"
        )
    l, n, d = r.index, sample, digits
    g = r.activation or "identity"
    bias = f" + {fmt_array(r.b, d)}" if r.b is not None else ""
    prev = f"a^{l - 1}" if t.chain else f"x^{l}"  # in a graph, the layer's own input
    calls = sum(1 for s in t.layers if s.name == r.name)
    lines = [
        f"layer {l} of {len(t.layers)}: {r.name} ({r.kind}, {g}), {_which(sample, t.X.shape[0])}",
        f"z^{l} = {prev} W^{l} + b^{l} = {fmt_array(r.a_prev[n], d)} {fmt_array(r.W, d)}{bias}"
        f" = {fmt_array(r.z[n], d)}",
        *([_augmented_line(r, prev, n, d)] if bias_as_weight and r.b is not None else []),
        f"a^{l} = {g}(z^{l}) = {fmt_array(r.a[n], d)}",
        _delta_line(t, r, n, d),
        *_gradient_lines(r, prev, calls, t.X.shape[0], n, d),
    ]
    return "\n".join(lines)


def _augmented_line(r: LayerTrace, prev: str, n: int, d: int) -> str:
    """z = [1, a_prev] [b; W]: the bias as the first row of an augmented weight matrix (a shared
    bias repeated for every unit)."""
    l = r.index
    ones = np.concatenate([[1.0], np.asarray(r.a_prev[n], dtype=np.float64)])
    augmented = np.vstack([np.broadcast_to(r.b, (r.W.shape[1],)), r.W])
    return (f"z^{l} = [1, {prev}] [b^{l}; W^{l}] = {fmt_array(ones, d)} {fmt_array(augmented, d)} "
            f"= {fmt_array(r.z[n], d)}")
