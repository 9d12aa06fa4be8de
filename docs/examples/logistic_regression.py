"""Logistic regression: sigma(w . x + b), trained by gradient descent on the cross-entropy."""
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from glassnet.estimators import LogisticRegression

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
clf = make_pipeline(StandardScaler(), LogisticRegression(learning_rate=0.1, max_iter=500))
clf.fit(X_train, y_train)
print(f"test accuracy {clf.score(X_test, y_test):.3f} after {clf[-1].n_iter_} iterations")
print("P(y = 1) of the first three test rows:", clf.predict_proba(X_test[:3])[:, 1].round(3))
print("their labels with threshold 0.5:      ", clf.predict(X_test[:3]), " true:", y_test[:3])
