"""Names of the objects we add to NWB files (tables, columns): one rule, valid in both HDF5 and Zarr."""

from __future__ import annotations

import re

# "/" separates HDF5 and Zarr paths, "\\" too in Zarr, ":" is refused by hdmf; a leading "." would give "." or
# ".." (refused by Zarr only) or a name such as ".zattrs" that clashes with Zarr's own metadata files.
_FORBIDDEN = re.compile(r"[/\\:\x00-\x1f\x7f]")


def check_name(name: object, what: str) -> str:
    """Return ``name`` if it can name a new HDF5 / Zarr object, else raise ValueError.

    A name is a non-empty string without ``/``, ``\\``, ``:`` or control characters, that does not start with
    ``.`` and has no leading or trailing white space.

    Parameters
    ----------
    name : object
        The proposed name.
    what : str
        The argument it came from, for the error message (e.g. ``"name"``).
    """
    if not isinstance(name, str):
        raise ValueError(f"{what}: expected a string, got {type(name).__name__} {name!r}")
    problem = None
    if not name.strip():
        problem = "it is empty"
    elif _FORBIDDEN.search(name):
        problem = "it contains '/', '\\', ':' or a control character"
    elif name.startswith("."):
        problem = "it starts with '.'"
    elif name != name.strip():
        problem = "it starts or ends with white space"
    if problem is not None:
        raise ValueError(f"{what}: {name!r} cannot name an object in an NWB file: {problem}")
    return name
