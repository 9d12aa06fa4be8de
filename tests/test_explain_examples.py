"""The lectures' worked examples (``glassnet explain EXAMPLE``) against the golden values.

The numbers below are the recomputed float64 values of the lectures' examples (entries
computational_graph_fxyz, mlp_2_2_2_sigmoid_backprop, linear_neuron_gd_1layer,
simplest_nn_linear_backprop and perceptron_learning_rule_trace of the golden vectors), copied here.
"""

import io
import re

import numpy as np
import pytest
from rich.console import Console

from glassnet.explain import examples
from glassnet.explain._tables import fmt

CHAIN_RULE = {"q": 3.0, "f": -12.0, "df_df": 1.0, "df_dz": 3.0, "df_dq": -4.0, "df_dx": -4.0, "df_dy": -4.0,
              "dq_dx": 1.0, "dq_dy": 1.0}
CHAIN_RULE_INPUTS = [-2.0, 5.0, -4.0]

MLP = {
    "net_h1": 0.3775, "net_h2": 0.39249999999999996, "out_h1": 0.5932699921071872,
    "out_h2": 0.596884378259767,
    "net_o1": 1.10590596705977, "net_o2": 1.2249214040964653, "out_o1": 0.7513650695523157,
    "out_o2": 0.7729284653214625, "E_o1": 0.274811083176155, "E_o2": 0.023560025583847746,
    "E_total": 0.2983711087600027,
    "dE_dout_o": [0.7413650695523157, -0.21707153467853746],
    "dout_dnet_o": [0.18681560180895948, 0.17551005281727122],
    "delta_o": [0.13849856162855698, -0.03809823651655623],
    "delta_h": [0.008771354689486937, 0.009954254705217202],
    "grad_w1_to_w8": [0.00043856773447434685, 0.0008771354689486937, 0.0004977127352608601,
                      0.0009954254705217202, 0.08216704056423078, 0.08266762784753326,
                      -0.022602540477475067, -0.02274024221597822],
    "grad_b1_per_hidden_neuron": [0.008771354689486937, 0.009954254705217202],
    "grad_b2_per_output_neuron": [0.13849856162855698, -0.03809823651655623],
    "w_after_one_step_lr0.5": [0.1497807161327628, 0.19956143226552567, 0.24975114363236958,
                               0.29950228726473915, 0.35891647971788465, 0.4086661860762334,
                               0.5113012702387375, 0.5613701211079891],
    "per_neuron_biases_after_one_step": {"hidden": [0.3456143226552565, 0.3450228726473914],
                                         "output": [0.5307507191857215, 0.6190491182582781]},
    "E_total_after_one_step_per_neuron_biases_updated": 0.28047144679143016,
    # the slide's shared biases b1 and b2 (Dense(bias="shared")): dE/db is the sum of the deltas
    "grad_b1_shared": 0.018725609394704138,
    "grad_b2_shared": 0.10040032511200075,
    "b1_b2_after_one_step_if_biases_updated": [0.3406371953026479, 0.5497998374439996],
    "E_total_after_one_step_biases_updated": 0.2857508866992965,
}
MLP_INPUTS = [0.05, 0.1, 0.01, 0.99, 0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55, 0.35, 0.6]

ONE_NEURON = {
    "xL_initial": 2.2, "dE_dw": 5.1000000000000005, "dE_db": 3.4000000000000004,
    "E_initial": 2.8900000000000006,
    "w1": 0.2899999999999999, "b1": 0.6599999999999999,
    "table": {
        1: (0.2899999999999999, 0.6599999999999999, 2.2, 2.8900000000000006),
        2: (0.11149999999999999, 0.5409999999999999, 1.0949999999999998, 0.3540249999999997),
        3: (0.049025, 0.49934999999999996, 0.7082499999999999, 0.04336806249999997),
        4: (0.02715875, 0.48477249999999994, 0.5728875, 0.005312587656249999),
        5: (0.019505562500000028, 0.479670375, 0.5255106249999999, 0.0006507919878906197),
        6: (0.016826946875000026, 0.47788463124999997, 0.50892871875, 7.972201851660172e-05),
        7: (0.015889431406250033, 0.47725962093749996, 0.5031250515625, 9.765947268283572e-06),
    },
}
ONE_NEURON_INPUTS = [1.5, 0.5, 0.8, 1.0, 0.1]

SIMPLEST = {  # row: h, L, dL/dh, dL/dw, dL/db, w after, b after
    1: (1.1, 1.805, -1.9, -1.9, -1.9, 0.48, 1.38),
    2: (1.8599999999999999, 0.6498000000000002, -1.1400000000000001, -1.1400000000000001,
        -1.1400000000000001, 0.708, 1.6079999999999999),
    3: (2.316, 0.2339280000000001, -0.6840000000000002, -0.6840000000000002, -0.6840000000000002,
        0.8448, 1.7448),
}
SIMPLEST_INPUTS = [1.0, 3.0, 0.1, 0.2]


def _flat(values):
    if isinstance(values, dict):
        return [x for v in values.values() for x in _flat(v)]
    if isinstance(values, (list, tuple, np.ndarray)):
        return [x for v in values for x in _flat(v)]
    return [float(values)]


def _close(a, b):
    return np.allclose(a, b, rtol=1e-12, atol=1e-15)


def test_chain_rule_values():
    example = examples.run("chain-rule")
    for key, expected in CHAIN_RULE.items():
        assert example.values[key] == expected, key
    dot = example.graph.dot
    assert dot.count("->") == 6 and 'label="add"' in dot and 'label="mul"' in dot
    assert 'label="q\\nvalue 3\\ngrad -4"' in dot


def test_two_layer_sigmoid_values():
    values = examples.run("two-layer-sigmoid").values
    for key, expected in MLP.items():
        got = values[key]
        if isinstance(expected, dict):
            for part in expected:
                assert _close(got[part], expected[part]), (key, part)
        else:
            assert _close(got, expected), key


def test_one_neuron_table_converges_to_half():
    values = examples.run("one-neuron").values
    for key in ("xL_initial", "dE_dw", "dE_db", "E_initial", "w1", "b1"):
        assert _close(values[key], ONE_NEURON[key]), key
    for k, (w, b, x, E) in ONE_NEURON["table"].items():
        row = values["table"][k]
        got = [row["w_k"], row["b_k"], row["xL_used_for_step_k"], row["E_before_step_k"]]
        assert _close(got, [w, b, x, E]), k


def test_simplest_nn_table():
    rows = examples.run("simplest-nn").values["rows"]
    names = ("h", "L", "dL_dh", "dL_dw", "dL_db", "w_after", "b_after")
    for k, expected in SIMPLEST.items():
        assert _close([rows[k][n] for n in names], expected), k


# OR gate, labels -1 / +1, bias as w0 on x0 = 1, eta = 0.5, w = 0, samples in a fixed order
PERCEPTRON = {
    "weights_after_each_update": [[0.5, 0.0, 0.5], [0.0, 0.0, 0.5], [0.5, 0.5, 0.5], [0.0, 0.5, 0.5]],
    "final_w": [0.0, 0.5, 0.5], "epochs_including_clean_pass": 4, "final_predictions": [-1, 1, 1, 1],
}
# the weighted sums of the visits, by hand from the weights before each (0, 0.5, 1 and 1.5 occur)
PERCEPTRON_SUMS = [0.0, 0.5, 1.0, 1.5]


@pytest.mark.parametrize("bias_as_weight", [False, True])
def test_perceptron_rule_trace(bias_as_weight):
    example = examples.run("perceptron", bias_as_weight=bias_as_weight)
    for key, expected in PERCEPTRON.items():
        assert example.values[key] == expected, key
    assert example.values["estimator_w"] == PERCEPTRON["final_w"]
    rows = example.sections[0].rows
    columns = example.sections[0].headers
    last = [dict(zip(columns, row)) for row in rows][-1]
    if bias_as_weight:
        assert [last["x0"], last["w0"], last["w1"], last["w2"]] == [1.0, 0.0, 0.5, 0.5]
    else:
        assert "x0" not in columns and [last["b"], last["w1"], last["w2"]] == [0.0, 0.5, 0.5]
    assert len(rows) == 4 * PERCEPTRON["epochs_including_clean_pass"]


def test_bias_as_weight_is_refused_where_an_example_has_no_such_form():
    with pytest.raises(ValueError, match="applies to the examples perceptron, not 'chain-rule'"):
        examples.run("chain-rule", bias_as_weight=True)


GOLDEN = {
    "chain-rule": _flat(CHAIN_RULE) + CHAIN_RULE_INPUTS,
    "two-layer-sigmoid": _flat(MLP) + MLP_INPUTS,
    "one-neuron": _flat(ONE_NEURON["table"]) + _flat({k: v for k, v in ONE_NEURON.items() if k != "table"})
    + ONE_NEURON_INPUTS,
    "simplest-nn": _flat(SIMPLEST) + SIMPLEST_INPUTS,
    "perceptron": _flat(PERCEPTRON) + PERCEPTRON_SUMS + [0.0, 1.0, -1.0],
}
# The 2-2-2 equations also print the hidden layer's g'(z) = out_h (1 - out_h) and dE/dout_h.
_G_HIDDEN = [MLP["out_h1"] * (1 - MLP["out_h1"]), MLP["out_h2"] * (1 - MLP["out_h2"])]
GOLDEN["two-layer-sigmoid"] += _G_HIDDEN + [d / g for d, g in zip(MLP["delta_h"], _G_HIDDEN)] + \
    [w - s for w, s in zip(MLP["w_after_one_step_lr0.5"], MLP_INPUTS[4:12])] + \
    [-0.5 * g for g in _flat([MLP["grad_b1_per_hidden_neuron"], MLP["grad_b2_per_output_neuron"]])]


def _printed(example):
    buffer = io.StringIO()
    example.print(Console(file=buffer, width=400, color_system=None))
    return buffer.getvalue()


@pytest.mark.parametrize("name", list(examples.EXAMPLES))
def test_every_printed_number_is_a_golden_value(name):
    """Each number in the tables and equations that ``glassnet explain NAME`` prints equals a
    golden value (tables: 10 significant digits; equations: 6)."""
    example = examples.run(name)
    golden = np.array(GOLDEN[name])
    text = _printed(example)
    for section in example.sections:
        for row in section.rows:
            for cell in row[1:]:
                assert np.isclose(golden, float(cell), rtol=1e-12, atol=1e-15).any(), (section.title, row)
                assert fmt(cell) in text
    for block in example.text:
        assert block in text
        for token in re.findall(r"(?<![\w^=.])-?\d+\.?\d*(?:e-?\d+)?", block):
            number = float(token)
            assert np.isclose(golden, number, rtol=5e-6, atol=1e-12).any() or number in (0, 1, 2), token


def test_unknown_example_lists_the_names():
    with pytest.raises(ValueError, match="chain-rule, two-layer-sigmoid, one-neuron, simplest-nn"):
        examples.run("xor")


def test_trace_equations_write_a_shared_bias_as_the_first_row_of_the_weights():
    import glassnet as gn

    model = gn.Sequential([gn.layers.Dense(2, bias="shared")], seed=0)
    model.build(input_shape=(2,), dtype=np.float64)
    model.load_state_dict({"layers.0.W": np.array([[1.0, 2.0], [3.0, 4.0]]), "layers.0.b": np.array([0.5])})
    t = gn.explain.trace(model, [[1.0, -1.0]], [[0.0, 0.0]])
    # z = [1, 1, -1] [[0.5, 0.5], [1, 2], [3, 4]] = (0.5 + 1 - 3, 0.5 + 2 - 4)
    assert "z^1 = [1, a^0] [b^1; W^1] = [1, 1, -1] [[0.5, 0.5], [1, 2], [3, 4]] = [-1.5, -1.5]" \
        in t.equations(1, bias_as_weight=True)
    assert "[b^1; W^1]" not in t.equations(1)
