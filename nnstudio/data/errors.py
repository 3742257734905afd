"""The one exception type of the data package."""


class DataError(ValueError):
    """A data set is malformed or a request for one cannot be met.

    Messages say where the problem is (file, line, column) and what was expected, because the
    student who reads them usually made the file by hand.
    """
