"""GridSearchCV over glassnet's MLPClassifier, drawn by gn.plot.search_results."""
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

import glassnet as gn
from glassnet.estimators import MLPClassifier

data = gn.datasets.load("digits")
X, y = data.X[:600] / 16.0, data.y[:600]
grid = {"hidden_layer_sizes": [(8,), (32,), (8, 8), (32, 32)], "alpha": [1e-4, 1e-1]}
with warnings.catch_warnings():                   # 50 epochs, short on purpose: not every fit converges
    warnings.simplefilter("ignore", ConvergenceWarning)
    search = GridSearchCV(MLPClassifier(max_iter=50, random_state=0), grid, cv=3, refit=False).fit(X, y)
print("best:", search.best_params_, "accuracy", round(search.best_score_, 3))
fig = gn.plot.search_results(search.cv_results_, "alpha", path="search_results.png")
print([ax.get_title() for ax in fig.axes[:2]])
