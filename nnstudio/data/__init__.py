"""Data sets in, arrays out: NumPy and the standard library only (never Qt).

``load("xor", noise=0.1)`` builds a named data set, ``read_csv`` and ``load_mnist_folder``
import files, and every one of them returns a :class:`Dataset`.
"""

from nnstudio.data.catalog import (
    DatasetInfo,
    OutsidePathError,
    available,
    from_reference,
    load,
    reference_for,
)
from nnstudio.data.csv import CsvImport, CsvPreview, import_csv, preview, read_csv
from nnstudio.data.dataset import Dataset
from nnstudio.data.errors import DataError
from nnstudio.data.idx import load_mnist_folder, read_idx
from nnstudio.data.standardize import Standardizer

__all__ = [
    "CsvImport",
    "CsvPreview",
    "DataError",
    "Dataset",
    "DatasetInfo",
    "OutsidePathError",
    "Standardizer",
    "available",
    "from_reference",
    "import_csv",
    "load",
    "load_mnist_folder",
    "preview",
    "read_csv",
    "read_idx",
    "reference_for",
]
