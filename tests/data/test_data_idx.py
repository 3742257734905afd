"""IDX (MNIST) files: round trips, gzip, and headers that lie."""

import gzip
import re
import struct
import tracemalloc

import numpy as np
import pytest

from nnstudio.data import DataError, load_mnist_folder, read_idx

CODES = {
    np.uint8: 0x08,
    np.int8: 0x09,
    np.int16: 0x0B,
    np.int32: 0x0C,
    np.float32: 0x0D,
    np.float64: 0x0E,
}


def idx_bytes(array, code=None, dims=None):
    array = np.asarray(array)
    code = CODES[array.dtype.type] if code is None else code
    dims = array.shape if dims is None else dims
    header = struct.pack(">HBB", 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, content, compress=False):
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


@pytest.mark.parametrize("dtype", list(CODES))
def test_round_trip_of_every_type(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype is np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    result = read_idx(write(tmp_path / "a-idx3-ubyte", idx_bytes(array)))
    np.testing.assert_array_equal(result, array)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    labels = np.array([7, 2, 1, 0], dtype=np.uint8)
    for name in ("labels-idx1-ubyte.gz", "labels-idx1-ubyte"):
        np.testing.assert_array_equal(
            read_idx(write(tmp_path / name, idx_bytes(labels), True)), labels
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x00", "truncated header: expected 4 bytes, found 2"),
        (
            b"\x00\x01\x08\x01" + struct.pack(">I", 1) + b"\x00",
            "not an IDX file (magic number 0x00010801",
        ),
        (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "not an IDX file"),
        (b"\x00\x00\x08\x00", "not an IDX file"),
        (
            b"\x00\x00\x08\x03" + struct.pack(">I", 1),
            "truncated header: expected 12 bytes, found 4",
        ),
        (idx_bytes(np.zeros((2, 2), np.uint8))[:-1], "truncated data: expected 4 bytes, found 3"),
        (idx_bytes(np.zeros((2, 2), np.uint8)) + b"\x00", "but the file is longer"),
    ],
    ids=["short header", "bad magic", "bad type", "no dims", "cut dims", "cut data", "extra"],
)
def test_malformed_files(tmp_path, content, message):
    with pytest.raises(DataError, match=re.escape(message)):
        read_idx(write(tmp_path / "bad-idx3-ubyte", content))


def test_gzip_magic_followed_by_garbage(tmp_path):
    with pytest.raises(DataError, match="bad-idx3-ubyte: damaged or cut-short gzip data"):
        read_idx(write(tmp_path / "bad-idx3-ubyte", b"\x1f\x8b\x08\x03abcd"))


def test_cut_gzip_stream(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(5000, dtype=np.int32)))
    with pytest.raises(
        DataError, match=re.escape("bad-idx1-ubyte.gz: damaged or cut-short gzip data")
    ):
        read_idx(write(tmp_path / "bad-idx1-ubyte.gz", packed[: len(packed) // 2]))


def test_hostile_dims_beyond_the_limit_are_refused_before_reading(tmp_path):
    header = idx_bytes(np.zeros(0, np.uint8), dims=(60000, 100000, 100000))
    with pytest.raises(
        DataError, match=r"huge-idx3-ubyte: 10,000,000,000 features; the limit is 65,536"
    ):
        read_idx(write(tmp_path / "huge-idx3-ubyte", header))


@pytest.mark.parametrize(
    ("dims", "words"),
    [
        ((2, 4096, 4096), "16,777,216 features"),
        ((2_000_000, 2, 2), "2,000,000 rows"),
        ((200_000, 32, 32), "200,000 rows x 1,024 features; the limit is 64,000,000 values"),
    ],
)
def test_headers_over_the_data_limits_are_refused_before_reading(tmp_path, dims, words):
    path = write(tmp_path / "big-idx3-ubyte", idx_bytes(np.zeros(0, np.uint8), dims=dims), True)
    with pytest.raises(DataError, match=words):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_a_lying_header_does_not_allocate_what_it_claims(tmp_path, compress):
    """47 MB claimed, 1 kB present: the reader must fail without reserving the 47 MB."""
    content = idx_bytes(np.zeros(1000, np.uint8), dims=(60000, 28, 28))
    path = write(tmp_path / "liar-idx3-ubyte", content, compress)
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="truncated data: expected 47040000 bytes, found 1000"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def write_mnist(folder, prefix, images, labels, compress=False, dot=False):
    sep = "." if dot else "-"
    ext = ".gz" if compress else ""
    write(folder / f"{prefix}-images{sep}idx3-ubyte{ext}", idx_bytes(images), compress)
    write(folder / f"{prefix}-labels{sep}idx1-ubyte{ext}", idx_bytes(labels), compress)


def tiny_mnist(n=6, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28)).astype(np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    return images, (np.arange(n) % 10).astype(np.uint8)


@pytest.mark.parametrize(("compress", "dot"), [(False, False), (True, False), (False, True)])
def test_load_mnist_folder(tmp_path, compress, dot):
    images, labels = tiny_mnist()
    write_mnist(tmp_path, "train", images, labels, compress, dot)
    d = load_mnist_folder(tmp_path)
    assert d.X.shape == (6, 784) and d.image_shape == (28, 28)
    assert d.class_names == [str(i) for i in range(10)] and d.task == "multiclass"
    assert d.X.min() == 0.0 and d.X.max() == 1.0
    assert d.X.dtype == np.float32  # made straight from the bytes: half a float64 set's memory
    np.testing.assert_allclose(d.X[3].reshape(28, 28), images[3] / 255.0, rtol=6e-8)
    np.testing.assert_array_equal(d.y, labels)


def test_load_mnist_folder_test_part(tmp_path):
    write_mnist(tmp_path, "train", *tiny_mnist(6, seed=0))
    write_mnist(tmp_path, "t10k", *tiny_mnist(4, seed=1))
    assert len(load_mnist_folder(tmp_path, kind="test")) == 4
    assert len(load_mnist_folder(tmp_path, kind="t10k")) == 4
    assert load_mnist_folder(tmp_path, kind="test").name == "mnist_test"


def test_load_mnist_folder_errors(tmp_path):
    with pytest.raises(DataError, match="no train-images-idx3-ubyte file"):
        load_mnist_folder(tmp_path)
    with pytest.raises(DataError, match="kind must be one of train, test, t10k"):
        load_mnist_folder(tmp_path, kind="validation")
    images, labels = tiny_mnist()
    write_mnist(tmp_path, "train", images, labels[:5])
    with pytest.raises(DataError, match=r"found images \(6, 28, 28\) and labels \(5,\)"):
        load_mnist_folder(tmp_path)
