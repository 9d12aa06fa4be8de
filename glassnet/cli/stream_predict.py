"""``glassnet predict MODEL --data big.parquet``: predictions for a Parquet file larger than
memory, one row group at a time, written as CSV as they come (the input columns, then the
predictions, as for a CSV file)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from glassnet._files import atomic_write
from glassnet.cli import report
from glassnet.cli.settings import CliError
from glassnet.cli.use import feature_columns

__all__ = ["predict"]


def _predictions(model: Any, frame: Any) -> Any:
    """``frame`` with the prediction columns of a model trained by ``glassnet train``."""
    x = model.preprocessing.transform(feature_columns(model, frame))
    return frame.assign(**report.prediction_columns(model, x))


def predict(model: Any, data: str, out: str | None, console: Any) -> int:
    """Write the predictions for every row of the Parquet file ``data`` (to ``out``, or the
    standard output); returns the number of rows."""
    from glassnet.training import sources

    if (model.info.get("uncertainty") or {}).get("method"):
        raise CliError(
            "a model trained with --uncertainty predicts on a CSV file; convert the Parquet file "
            "(or a part of it) to CSV"
        )
    ds = sources._dataset_module()
    if not Path(data).exists():
        raise CliError(f"--data: there is no file {data!r}")
    batches = ds.dataset(data, format="parquet").to_batches()

    def write(stream: Any) -> int:
        rows = 0
        with report.reported_warnings():
            for batch in batches:
                frame = batch.to_pandas()
                _predictions(model, frame).to_csv(stream, index=False, header=rows == 0)
                rows += len(frame)
        return rows

    if out is None:
        return write(sys.stdout)
    counted: list[int] = []

    def to_file(path: str) -> None:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            counted.append(write(stream))

    atomic_write(out, to_file)
    console.print(f"wrote {counted[0]} predictions to {out}")
    return counted[0]
