"""Data larger than memory: a memory-mapped array, Parquet and CSV files read chunk by chunk,
a generator of batches, Dask arrays, and `glassnet train --data big.parquet`."""
import dask.array as da
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import glassnet as gn
from glassnet.cli import app

rng = np.random.default_rng(0)
X = rng.normal(size=(1000, 4)).astype(np.float32)
y = (X @ np.array([1.0, -2.0, 0.5, 0.0], dtype=np.float32) + 0.1 * rng.normal(size=1000)).astype(np.float32)


def model():
    net = gn.Sequential([gn.Input((4,)), gn.layers.Dense(16, activation="relu"), gn.layers.Dense(1)], seed=0)
    net.compile(optimizer=gn.optim.Adam(lr=0.01), loss="mse")
    return net


# 1. A memory-mapped .npy file: read batch by batch, the same weights as the array in memory.
np.save("X.npy", X)
X_disk = np.load("X.npy", mmap_mode="r")
a, b = model(), model()
a.fit(X_disk, y, epochs=5, batch_size=64, verbose=0, seed=0)
b.fit(X, y, epochs=5, batch_size=64, verbose=0, seed=0)
print("memory-mapped: same weights as in memory:",
      all(np.array_equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict()))

# 2. A Parquet file of 8 row groups: shuffled by row group, then within a buffer of rows.
table = pa.table({**{f"x{i}": X[:, i] for i in range(4)}, "y": y})
pq.write_table(table, "big.parquet", row_group_size=125)
batches = gn.data.from_parquet("big.parquet", target="y", batch_size=64, seed=0, buffer_rows=250)
print(f"Parquet: {batches.n_rows} rows, {len(batches)} batches per pass")
h = model().fit(batches, epochs=5, verbose=0)
print("  loss per epoch", np.round(h.history["loss"], 4))

# 3. A CSV file, read block_rows rows at a time.
pd.DataFrame(table.to_pandas()).to_csv("big.csv", index=False)
h = model().fit(gn.data.from_csv("big.csv", target="y", batch_size=64, seed=0, block_rows=250),
                epochs=5, verbose=0)
print("CSV: loss per epoch", np.round(h.history["loss"], 4))


# 4. A generator of (x, y) batches gives them once: steps_per_epoch cuts it into epochs.
def stream():
    while True:
        rows = rng.integers(0, len(X), 64)
        yield X[rows], y[rows]


h = model().fit(stream(), epochs=5, steps_per_epoch=15, verbose=0)
print("generator, 15 steps per epoch: loss", np.round(h.history["loss"], 4))

# 5. Dask arrays: one partition at a time.
h = model().fit(da.from_array(X, chunks=250), da.from_array(y, chunks=250), epochs=5, batch_size=64,
                verbose=0, seed=0)
print("Dask: loss per epoch", np.round(h.history["loss"], 4))

# 6. The command line trains on the Parquet file without loading it.
app(["train", "--data", "big.parquet", "--target", "y", "--epochs", "10", "--hidden", "16", "--seed", "0"],
    prog_name="glassnet", standalone_mode=False)
