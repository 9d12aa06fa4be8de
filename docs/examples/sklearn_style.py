"""scikit-learn style: estimators in a Pipeline and a GridSearchCV."""
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassnet.estimators import MLPClassifier

warnings.simplefilter("ignore", ConvergenceWarning)      # 50 epochs are enough for this page
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), max_iter=50, random_state=0))
search = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-2]}, cv=3).fit(X_train, y_train)
print("best:", search.best_params_, f"cross-validated accuracy {search.best_score_:.3f}")
print(f"test accuracy {search.score(X_test, y_test):.3f}")
print("probabilities of one test row:", search.predict_proba(X_test[:1]).round(2))
