"""Keras habits with images: channels-last data (N, H, W, C) with ``data_format="channels_last"``,
and a wrong layout refused with a message naming both layouts."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import glassnet as gn
from glassnet.function import recording
from glassnet.io.config import model_from_config, model_to_config
from glassnet.layers import (
    Activation,
    AvgPool2D,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool2D,
    MaxPool1D,
    MaxPool2D,
)
from glassnet.ops.shape import Transpose

LAST, FIRST = "channels_last", "channels_first"


def _digits_28x28(n=240):
    """sklearn's 8x8 digits as Keras's MNIST example holds them: (n, 28, 28, 1), values in [0, 1]."""
    digits = load_digits()
    images = np.kron(digits.images[:n], np.ones((3, 3))) / 16.0
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    return np.expand_dims(images, -1).astype("float32"), digits.target[:n]


def _mnist_convnet(data_format=None, flatten=None):
    """The Keras MNIST convnet, layer for layer, in glassnet's names."""
    return gn.Sequential([
        Conv2D(32, kernel_size=(3, 3), activation="relu"),
        MaxPool2D(pool_size=(2, 2)),
        Conv2D(64, kernel_size=(3, 3), activation="relu"),
        MaxPool2D(pool_size=(2, 2)),
        flatten or Flatten(),
        Dropout(0.5),
        Dense(10, activation="softmax"),
    ], seed=0, data_format=data_format)


def _predict(model, x):
    """Build an unbuilt model for the samples of ``x`` (which checks their layout), then predict."""
    model.build(x.shape[1:])
    return model.predict(x)


def _fit(model, x, y):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model.fit(x, y, batch_size=64, epochs=2, validation_split=0.1, seed=0, verbose=0)


def test_keras_mnist_convnet_trains_channels_last_as_the_channels_first_model_on_transposed_data():
    x_train, y_train = _digits_28x28()
    keras_like = _mnist_convnet(data_format=LAST)
    history = _fit(keras_like, x_train, y_train)
    # The same network channels first, on the transposed images; Flatten(data_format="channels_first")
    # orders the features (H, W, C) as the channels-last model does, so that Dense sees the same vector.
    torch_like = _mnist_convnet(flatten=Flatten(data_format=FIRST))
    reference = _fit(torch_like, x_train.transpose(0, 3, 1, 2), y_train)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(history.history["loss"], reference.history["loss"])
    np.testing.assert_array_equal(history.history["val_accuracy"], reference.history["val_accuracy"])
    np.testing.assert_array_equal(keras_like.predict(x_train[:50]),
                                  torch_like.predict(x_train[:50].transpose(0, 3, 1, 2)))
    assert keras_like.layers[0].W.shape == (32, 1, 3, 3)


def test_channels_last_flatten_orders_features_height_width_channels_as_keras():
    x = np.random.default_rng(1).normal(size=(4, 12, 12, 2))
    keras_like = gn.Sequential([Conv2D(3, 3), MaxPool2D(2), Flatten(), Dense(5)], seed=0,
                               data_format=LAST, dtype=np.float64)
    out = _predict(keras_like, x)
    torch_like = gn.Sequential([Conv2D(3, 3), MaxPool2D(2), Flatten(), Dense(5)], seed=0, dtype=np.float64)
    torch_like.build((2, 12, 12))
    torch_like.load_state_dict(keras_like.state_dict())
    # Dense rows in (H, W, C) order for the channels-last model, (C, H, W) for the channels-first one
    W = keras_like.layers[3].W.numpy().reshape(5, 5, 3, 5).transpose(2, 0, 1, 3).reshape(75, 5)
    torch_like.layers[3].W.data[...] = W
    np.testing.assert_allclose(out, torch_like.predict(x.transpose(0, 3, 1, 2)), rtol=1e-12, atol=1e-12)
    maps = gn.Sequential([Conv2D(3, 3)], seed=0, data_format=LAST)
    features = gn.Sequential([Conv2D(3, 3), Flatten()], seed=0, data_format=LAST)
    np.testing.assert_array_equal(_predict(features, x), _predict(maps, x).reshape(4, -1))


@pytest.mark.parametrize("layer", [
    lambda fmt: Conv2D(4, 3, padding="same", strides=2, data_format=fmt),
    lambda fmt: MaxPool2D(2, data_format=fmt),
    lambda fmt: AvgPool2D(3, strides=1, data_format=fmt),
    lambda fmt: GlobalAvgPool2D(data_format=fmt),
])
def test_each_layer_channels_last_equals_channels_first_on_the_transpose(layer):
    x = np.random.default_rng(2).normal(size=(3, 9, 7, 5)).astype("float32")
    last, first = layer(LAST), layer(FIRST)
    out = last(x)
    first.ensure_built((5, 9, 7))
    if hasattr(first, "W"):
        first.W.data[...] = last.W.data
    expected = first(x.transpose(0, 3, 1, 2)).numpy()
    if expected.ndim == 4:
        expected = expected.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert tuple(out.shape[1:]) == last.compute_output_shape((9, 7, 5))


def test_keras_signals_channels_last_through_conv1d_and_pooling():
    x = np.random.default_rng(3).normal(size=(6, 40, 3)).astype("float32")  # (N, steps, features)
    model = gn.Sequential([Conv1D(8, 5, activation="relu"), MaxPool1D(2), Flatten(), Dense(2)],
                          seed=0, data_format=LAST)
    reference = gn.Sequential([Conv1D(8, 5, activation="relu"), MaxPool1D(2), Flatten(data_format=FIRST),
                               Dense(2)], seed=0)
    np.testing.assert_array_equal(_predict(model, x), _predict(reference, x.transpose(0, 2, 1)))
    assert model.layers[1].compute_output_shape((36, 8)) == (18, 8)


def test_data_format_on_one_layer_sets_the_model_layout():
    model = gn.Sequential([Conv2D(4, 3, data_format=LAST), MaxPool2D(2), GlobalAvgPool2D(), Dense(2)])
    assert [layer.layout for layer in model.layers[:3]] == [LAST] * 3
    assert _predict(model, np.zeros((2, 10, 10, 3), dtype="float32")).shape == (2, 2)


def test_functional_model_takes_the_layout_declared_upstream():
    inputs = gn.Input((16, 16, 3))
    h = Conv2D(4, 3, activation="relu", data_format=LAST)(inputs)
    h = MaxPool2D(2)(h)
    assert h.shape == (7, 7, 4)
    outputs = Dense(2)(Flatten()(h))
    model = gn.Model(inputs, outputs, seed=0)
    x = np.random.default_rng(4).normal(size=(3, 16, 16, 3)).astype("float32")
    assert model.predict(x).shape == (3, 2)


def _functional_convnet(data_format=None):
    inputs = gn.Input((28, 28, 1) if data_format == LAST else (1, 28, 28))
    h = Conv2D(8, 3, activation="relu", data_format=data_format)(inputs)
    h = BatchNormalization()(h)
    a = MaxPool2D(2)(h)
    b = AvgPool2D(2)(h)
    h = Dropout(0.25)(a + b)
    outputs = Dense(10, activation="softmax")(Flatten(data_format=None if data_format else FIRST)(h))
    return gn.Model(inputs, outputs, seed=0)


def _transposes(model, x):
    with recording() as calls:
        model(x)
    return sum(cls is Transpose for cls, *_ in calls)


def test_functional_channels_last_model_equals_the_channels_first_model_on_transposed_data():
    x, y = _digits_28x28(96)
    keras_like, torch_like = _functional_convnet(LAST), _functional_convnet()
    history = _fit(keras_like, x, y)
    reference = _fit(torch_like, x.transpose(0, 3, 1, 2), y)
    np.testing.assert_array_equal(history.history["loss"], reference.history["loss"])
    np.testing.assert_array_equal(keras_like.predict(x), torch_like.predict(x.transpose(0, 3, 1, 2)))


def test_a_channels_last_model_transposes_the_images_once_in_and_once_out():
    x = np.zeros((2, 28, 28, 1), dtype="float32")
    assert _transposes(_mnist_convnet(LAST), x) == 2  # in, and back before Flatten
    assert _transposes(_functional_convnet(LAST), x) == 2
    assert _transposes(_mnist_convnet(), x.transpose(0, 3, 1, 2)) == 0
    maps = gn.Sequential([Conv2D(4, 3), BatchNormalization(), Activation("relu"), MaxPool2D(2), Conv2D(4, 3)],
                         data_format=LAST)
    assert _transposes(maps, x) == 2
    assert maps(x).shape == (2, 11, 11, 4)


# --------------------------------------------------------------------------- files
def test_saved_model_keeps_its_layout(tmp_path):
    x, y = _digits_28x28(64)
    model = _mnist_convnet(data_format=LAST)
    _fit(model, x, y)
    gn.save(model, tmp_path / "m.safetensors")
    again = gn.load(tmp_path / "m.safetensors")
    assert again.data_format == LAST
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    rebuilt = model_from_config(model_to_config(model))
    assert rebuilt.data_format == LAST
    assert model_to_config(rebuilt)["layers"] == model_to_config(model)["layers"]
    assert [layer.layout for layer in rebuilt.layers[:4]] == [LAST] * 4


def test_layer_config_round_trip_keeps_data_format():
    for layer in (Conv2D(4, 3, data_format=LAST), Conv1D(2, 3, data_format=FIRST),
                  MaxPool2D(data_format=LAST), MaxPool1D(data_format=LAST), AvgPool2D(data_format=LAST),
                  GlobalAvgPool2D(data_format=LAST), Flatten(data_format=FIRST)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
        assert config["data_format"] == layer.data_format


@pytest.mark.parametrize("make", [
    lambda: _mnist_convnet(data_format=LAST),
    lambda: gn.Sequential([Conv2D(8, 3, activation="relu"), BatchNormalization(), MaxPool2D(2), Conv2D(4, 3),
                           GlobalAvgPool2D(), Dense(3, activation="softmax")], seed=0, data_format=LAST),
])
def test_onnx_export_of_a_channels_last_model_takes_channels_last_input(tmp_path, make):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    x, y = _digits_28x28(32)
    model = make()
    _fit(model, x, y % 3)
    path = gn.io.export_onnx(model, tmp_path / "m.onnx")
    out = ort.InferenceSession(str(path)).run(None, {"input": x})[0]
    np.testing.assert_allclose(out, model.predict(x), rtol=1e-5, atol=1e-6)


def test_onnx_export_of_a_functional_channels_last_model(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    inputs = gn.Input((12, 12, 3))
    outputs = Dense(2)(Flatten()(MaxPool2D(2)(Conv2D(4, 3, data_format=LAST)(inputs))))
    model = gn.Model(inputs, outputs, seed=0)
    x = np.random.default_rng(6).normal(size=(2, 12, 12, 3)).astype("float32")
    model.build()
    path = gn.io.export_onnx(model, tmp_path / "f.onnx")
    out = ort.InferenceSession(str(path)).run(None, {"input": x})[0]
    np.testing.assert_allclose(out, model.predict(x), rtol=1e-5, atol=1e-6)


def test_trace_of_a_channels_last_convnet_shows_channels_last_activations():
    x, y = _digits_28x28(8)
    model = _mnist_convnet(data_format=LAST)
    _fit(model, x, y)
    record = gn.explain.trace(model, x, y, training=False)
    assert record.layers[0].a.shape == (8, 26, 26, 32)
    np.testing.assert_allclose(record.output, model.predict(x), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- wrong layouts
def _names_both_layouts(err):
    message = str(err.value)
    assert "channels_last" in message and "channels_first" in message
    return message


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3), (64, 48, 4)])
def test_channels_last_images_in_a_model_without_a_layout_are_refused(shape):
    x = np.zeros((10, *shape), dtype="float32")
    model = gn.Sequential([Conv2D(8, 3, padding="same", activation="relu"), GlobalAvgPool2D(),
                           Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match="looks channels_last") as err:
        model.fit(x, np.zeros(10, dtype=int), epochs=1, verbose=0)
    assert 'data_format="channels_last"' in _names_both_layouts(err).replace("'", '"')


def test_channels_last_signals_and_inputs_are_refused_without_a_layout():
    with pytest.raises(ValueError, match="looks channels_last"):
        _predict(gn.Sequential([Conv1D(4, 3, padding="same")]), np.zeros((2, 100, 1), dtype="float32"))
    with pytest.raises(ValueError, match="looks channels_last"):
        Conv2D(32, 3)(gn.Input((28, 28, 1)))
    with pytest.raises(ValueError, match="looks channels_last"):
        gn.Sequential([MaxPool2D(2)]).build((28, 28, 3))
    with pytest.raises(ValueError, match="looks channels_last"):
        Conv2D(4, 3, padding="same")(np.zeros((1, 28, 28, 1)))


def test_channels_first_data_passes_and_a_declared_layout_silences_the_check():
    _predict(gn.Sequential([Conv2D(4, 3, padding="same")]), np.zeros((2, 1, 28, 28), dtype="float32"))
    _predict(gn.Sequential([Conv2D(4, 3, padding="same")]), np.zeros((2, 3, 3, 3), dtype="float32"))
    signals_as_images = np.zeros((2, 12, 100, 1), dtype="float32")  # 12 channels of 100x1
    with pytest.raises(ValueError, match="looks channels_last"):
        _predict(gn.Sequential([Conv2D(4, (5, 1))]), signals_as_images)
    model = gn.Sequential([Conv2D(4, (5, 1))], data_format=FIRST)
    assert _predict(model, signals_as_images).shape == (2, 4, 96, 1)


def test_declared_layout_meeting_data_of_the_other_layout_is_refused():
    with pytest.raises(ValueError, match="looks channels_first") as err:
        _predict(gn.Sequential([Conv2D(4, 3, padding="same")], data_format=LAST),
                 np.zeros((2, 1, 28, 28), dtype="float32"))
    assert "X.transpose(0, 2, 3, 1)" in _names_both_layouts(err)
    with pytest.raises(ValueError, match="looks channels_last"):
        _predict(gn.Sequential([Conv2D(4, 3, padding="same")], data_format=FIRST),
                 np.zeros((2, 8, 8, 1), dtype="float32"))


def test_built_model_refuses_the_transposed_images_naming_both_layouts():
    x, y = _digits_28x28(32)
    model = _mnist_convnet(data_format=LAST)
    _fit(model, x, y)
    with pytest.raises(ValueError, match="X.transpose\\(0, 2, 3, 1\\)") as err:
        model.predict(x.transpose(0, 3, 1, 2))
    _names_both_layouts(err)
    torch_like = _mnist_convnet()
    torch_like.build((1, 28, 28))
    with pytest.raises(ValueError, match="X.transpose\\(0, 3, 1, 2\\)") as err:
        torch_like.predict(x)
    _names_both_layouts(err)


def test_layouts_that_disagree_in_one_model_are_refused():
    with pytest.raises(ValueError, match="one layout") as err:
        gn.Sequential([Conv2D(4, 3, data_format=FIRST), Flatten()], data_format=LAST)
    _names_both_layouts(err)
    with pytest.raises(ValueError, match="one layout"):
        gn.Sequential([Conv2D(4, 3, data_format=LAST), MaxPool2D(data_format=FIRST)])
    model = gn.Sequential([Conv2D(4, 3)], data_format=LAST)
    with pytest.raises(ValueError, match="one layout"):
        model.add(Flatten(data_format=FIRST))


@pytest.mark.parametrize("value", ["NHWC", "channels-last", 1])
def test_an_unknown_data_format_is_refused(value):
    for make in (lambda: Conv2D(4, 3, data_format=value), lambda: MaxPool2D(data_format=value),
                 lambda: Flatten(data_format=value), lambda: gn.Sequential([], data_format=value)):
        with pytest.raises(ValueError, match="'channels_last'.*'channels_first'"):
            make()


def test_batch_normalization_normalizes_each_channel_of_channels_last_images_as_keras():
    x = np.random.default_rng(7).normal(size=(16, 10, 10, 3)).astype("float32")
    y = np.arange(16) % 2

    def convnet(data_format=None, flatten=None):
        return gn.Sequential([Conv2D(4, 3), BatchNormalization(), MaxPool2D(2), flatten or Flatten(),
                              Dense(2, activation="softmax")], seed=0, data_format=data_format)

    keras_like, torch_like = convnet(LAST), convnet(flatten=Flatten(data_format=FIRST))
    history = _fit(keras_like, x, y)
    reference = _fit(torch_like, x.transpose(0, 3, 1, 2), y)
    assert keras_like.layers[1].gamma.shape == (4,)
    np.testing.assert_array_equal(history.history["loss"], reference.history["loss"])
    np.testing.assert_array_equal(keras_like.layers[1].running_var, torch_like.layers[1].running_var)
    np.testing.assert_array_equal(keras_like.predict(x), torch_like.predict(x.transpose(0, 3, 1, 2)))
    bn = BatchNormalization(axis=-1)
    inputs = gn.Input((10, 10, 3))
    outputs = bn(Conv2D(4, 3, data_format=LAST)(inputs))
    assert outputs.shape == (8, 8, 4) and bn.layout == LAST
