"""The multi-output perceptron: one step unit per column of a 0/1 indicator matrix y."""
import numpy as np

from glassnet.estimators import Perceptron

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0, 0, 1],          # columns: AND, OR, NAND of the two inputs
              [0, 1, 1],
              [0, 1, 1],
              [1, 1, 0]])
p = Perceptron(max_iter=50, random_state=0).fit(X, Y)
print("W (one column per output):")
print(p.coef_.T)
print("b =", p.intercept_, " epochs", p.n_iter_)
print("predictions (an indicator matrix):")
print(p.predict(X))
print("all outputs right:", bool((p.predict(X) == Y).all()))
