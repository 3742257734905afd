"""The top-level resources/ folder is found the same way from a checkout and an installed wheel.

CI installs the wheel (non-editable) and runs this from the checkout: each file must then come
from the installed package ``nnstudio.resources``, byte for byte the checkout's.
"""

from pathlib import Path

from nnstudio.resource_files import resource

TOP = Path(__file__).parents[1] / "resources"


def test_every_resource_file_is_found_with_the_same_bytes():
    files = [p for p in TOP.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert len(files) >= 5  # the data sets and their licence notes at least
    for path in files:
        found = resource(*path.relative_to(TOP).parts)
        assert found.is_file(), path
        assert found.read_bytes() == path.read_bytes(), path


def test_a_missing_resource_is_not_found():
    assert not resource("datasets", "no-such-file.csv").is_file()
