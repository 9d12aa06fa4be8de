"""PyTorch's DataLoader habits with gn.data.DataLoader, compared with torch.utils.data."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import Dataset, TensorDataset

import glassnet as gn

X = np.arange(46, dtype=np.float32).reshape(23, 2)
Y = np.arange(23) % 3


class Pairs(Dataset):
    """A map-style dataset as PyTorch users write one."""

    def __len__(self):
        return len(X)

    def __getitem__(self, i):
        return X[i], int(Y[i])


class Records(Dataset):
    def __len__(self):
        return len(X)

    def __getitem__(self, i):
        return {"features": X[i], "label": float(Y[i])}


def as_numpy(batch):
    if isinstance(batch, dict):
        return {k: as_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [as_numpy(b) for b in batch]
    return batch.numpy() if isinstance(batch, torch.Tensor) else np.asarray(batch)


def assert_same_batches(ours, theirs):
    ours, theirs = list(ours), [as_numpy(b) for b in theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(b, dict):
            assert a.keys() == b.keys()
            for key in b:
                np.testing.assert_array_equal(a[key], b[key])
        else:
            for column_a, column_b in zip(a, b, strict=True):
                np.testing.assert_array_equal(column_a, column_b)


@pytest.mark.parametrize("batch_size", [1, 4, 5, 23, 64])
@pytest.mark.parametrize("drop_last", [False, True])
def test_arrays_give_the_batches_and_length_of_a_tensor_dataset(batch_size, drop_last):
    ours = gn.data.DataLoader((X, Y), batch_size=batch_size, drop_last=drop_last)
    theirs = TorchLoader(TensorDataset(torch.tensor(X), torch.tensor(Y)), batch_size=batch_size,
                         drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert_same_batches(ours, theirs)


@pytest.mark.parametrize("dataset", [Pairs(), Records(), [(X[i], int(Y[i])) for i in range(len(X))]],
                         ids=["tuples", "dicts", "list"])
def test_a_dataset_is_batched_as_torch_collates_it(dataset):
    ours = gn.data.DataLoader(dataset, batch_size=5)
    assert_same_batches(ours, TorchLoader(dataset, batch_size=5))
    assert len(ours.dataset) == 23


def test_shuffling_is_reproducible_with_a_seed_and_new_every_epoch():
    def epochs(seed):
        loader = gn.data.DataLoader((X, Y), batch_size=4, shuffle=True, seed=seed)
        return [np.concatenate([yb for _, yb in loader]) for _ in range(3)]

    first, again, other = epochs(0), epochs(0), epochs(1)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[0], other[0])
    loader = gn.data.DataLoader((X, Y), batch_size=4, shuffle=True, seed=0)
    for xb, yb in loader:
        np.testing.assert_array_equal(yb, Y[(xb[:, 0] // 2).astype(int)])  # rows stay paired
    assert sorted(np.concatenate([xb[:, 0] for xb, _ in loader]).tolist()) == X[:, 0].tolist()


def test_a_generator_may_be_given_as_the_seed():
    a = gn.data.DataLoader(X, batch_size=5, shuffle=True, seed=np.random.default_rng(7))
    b = gn.data.DataLoader(X, batch_size=5, shuffle=True, seed=7)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))


def test_the_quickstart_training_loop():
    model = gn.Sequential([gn.layers.Dense(8, input_dim=2, activation="relu"), gn.layers.Dense(3)])
    loss_fn = gn.losses.CrossEntropy()
    optimizer = gn.optim.SGD(model.parameters(), lr=0.01)
    dataloader = gn.data.DataLoader((X / 46, Y), batch_size=8, shuffle=True, seed=0, num_workers=2)
    size = len(dataloader.dataset)
    seen = batches = 0
    for batch, (xb, yb) in enumerate(dataloader):
        batches = batch + 1
        pred = model(xb)
        loss = loss_fn(pred, yb)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        seen += len(xb)
    assert seen == size and batches == len(dataloader) and np.isfinite(loss.item())


def test_collate_fn_makes_the_batch():
    loader = gn.data.DataLoader(Pairs(), batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 4, 4, 4, 4, 3]


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda: gn.data.DataLoader((X, Y), batch_size=0), ValueError,
     "batch_size must be an integer >= 1, got 0"),
    (lambda: gn.data.DataLoader(X, batch_size=None), ValueError, "for single samples, index the dataset"),
    (lambda: gn.data.DataLoader(X, generator=torch.Generator()), TypeError, r"pass seed= \(an int"),
    (lambda: gn.data.DataLoader(X, sampler=[0, 1]), TypeError,
     "sampler= is not supported; shuffle=True with"),
    (lambda: gn.data.DataLoader(X, shufle=True), TypeError, "unexpected argument 'shufle'; it takes dataset"),
    (lambda: gn.data.DataLoader((X, Y[:5])), ValueError, r"different lengths \[23, 5\]"),
    (lambda: gn.data.DataLoader((X, 3)), TypeError, "its item 1 is a int"),
    (lambda: gn.data.DataLoader(X[:0]), ValueError, "the dataset is empty"),
    (lambda: gn.data.DataLoader(42), TypeError, "dataset must be an array, a tuple of arrays"),
    (lambda: gn.data.DataLoader(X, shuffle=1), TypeError, "shuffle must be True or False"),
    (lambda: gn.data.DataLoader(X, shuffle=True, seed=-1), ValueError, "seed must be a non-negative integer"),
])
def test_mistakes_fail_at_once(make, error, words):
    with pytest.raises(error, match=words):
        make()
