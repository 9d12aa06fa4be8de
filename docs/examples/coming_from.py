"""Habits of Keras, PyTorch, scikit-learn and micrograd: what works as there, and what is refused."""
import numpy as np

import glassnet as gn


def show(habit, call):
    try:
        call()
        print(f"works:   {habit}")
    except (ValueError, TypeError, AttributeError, RuntimeError) as err:
        print(f"refused: {habit}\n    {type(err).__name__}: {err}")


def dense():
    return gn.Sequential([gn.layers.Dense(2, input_dim=3)], seed=0)


def dense_compiled():
    model = dense()
    model.compile(optimizer="sgd", loss="mse")
    return model


x = gn.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
print("Keras")
show("Dense(64, input_shape=(10,))", lambda: gn.layers.Dense(64, input_shape=(10,)))
show("Adam(learning_rate=1e-3, beta_1=0.9)", lambda: gn.optim.Adam(learning_rate=1e-3, beta_1=0.9))
show("model.get_weights()", lambda: dense().get_weights())
show("model.save('m.keras')", lambda: dense().save("m.keras"))
show("Adam(0.001, 0.9)", lambda: gn.optim.Adam(0.001, 0.9))
show("Adam(global_clipnorm=1.0)", lambda: gn.optim.Adam(global_clipnorm=1.0))
show("model.fit(x=X, y=y, validation_freq=2)", lambda: dense_compiled().fit(
    x=np.ones((8, 3)), y=np.ones((8, 2)), epochs=2, validation_split=0.25, validation_freq=2, verbose=0))
inputs = gn.Input((4,))
show("concatenate([h, x]) in a model, joining the features",
     lambda: gn.concatenate([gn.layers.Dense(8)(inputs), inputs]))
show("images (N, 28, 28, 1), channels last, into Conv2D",
     lambda: gn.Sequential([gn.layers.Conv2D(4, 3)], seed=0)(np.zeros((2, 28, 28, 1), dtype=np.float32)))
print("PyTorch")
show("x.view(3, 2), x.permute(1, 0), x.max(dim=1)", lambda: (x.view(3, 2), x.permute(1, 0), x.max(dim=1)))
show("model[0], model.parameters()", lambda: (dense()[0], dense().parameters()))
w = gn.Parameter(np.array([1.0, 2.0]))
(w * w).sum().backward()
with gn.no_grad():
    w -= 0.1 * w.grad
print(f"works:   w -= lr * w.grad under no_grad(): w = {w.numpy()}, "
      f"still a Parameter: {isinstance(w, gn.Parameter)}")
show("model.cpu(), model.to('cpu')", lambda: (dense().cpu(), dense().to("cpu")))
show("model.double()", lambda: dense().double())
show("model.cuda()", lambda: dense().cuda())
show("x.max(y), as torch.maximum", lambda: x.max(gn.tensor([[0.0, 0.0, 0.0]])))
print("scikit-learn")
from glassnet.estimators import LogisticRegression, MLPClassifier  # noqa: E402

show("MLPClassifier(solver='sgd', momentum=0.9, nesterovs_momentum=True)",
     lambda: MLPClassifier(solver="sgd", momentum=0.9, nesterovs_momentum=True).get_params())
show("LogisticRegression(C=10.0)", lambda: LogisticRegression(C=10.0))
print("micrograd")
a = gn.tensor(2.0, requires_grad=True, dtype=np.float64)
b = a * a + a.relu()
b.backward()
print(f"works:   b = a * a + a.relu(); b.backward(); a.grad = {a.grad}")
