"""scikit-learn estimators built on glassnet: the lectures' classic models.

Importing this package imports scikit-learn; ``import glassnet`` alone does not.

Examples
--------
>>> from glassnet.estimators import LinearRegression, LogisticRegression, Perceptron, GaussianBasis
"""

from glassnet.estimators.basis import GaussianBasis
from glassnet.estimators.bayes import BayesianLinearRegression
from glassnet.estimators.linear import LinearRegression, LogisticRegression
from glassnet.estimators.mlp import MLPClassifier, MLPRegressor
from glassnet.estimators.perceptron import Perceptron

__all__ = ["BayesianLinearRegression", "GaussianBasis", "LinearRegression", "LogisticRegression",
           "MLPClassifier", "MLPRegressor", "Perceptron"]
