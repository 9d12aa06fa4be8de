"""Scaling, stratified splits, cross-validation folds and batches."""
import numpy as np
from sklearn.preprocessing import StandardScaler

import glassnet as gn

data = gn.datasets.load("wine")
print(f"{data.X.shape[0]} rows, {data.X.shape[1]} features; classes counted {np.bincount(data.y)}")
X_train, X_test, y_train, y_test = gn.data.train_test_split(data.X, data.y, test_size=0.25, seed=0)
print("train / test rows:", len(y_train), len(y_test), "; class shares kept (stratified):",
      (np.bincount(y_train) / len(y_train)).round(2), (np.bincount(y_test) / len(y_test)).round(2))

scaler = StandardScaler().fit(X_train)                     # fitted on the training rows only
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
print("training features: mean", X_train.mean(axis=0)[:3].round(3), "std", X_train.std(axis=0)[:3].round(3))

for k, (train, valid) in enumerate(gn.data.folds(X_train, y_train, cv=3, seed=0), start=1):
    print(f"fold {k}: {len(train)} rows to train, {len(valid)} to validate")

loader = gn.data.DataLoader((X_train, y_train), batch_size=32, shuffle=True, seed=0)
print("batches of", [len(yb) for _, yb in loader])
