"""Parse how a person names a function on the command line: `FILE::NAME@LINE`."""
from __future__ import annotations

import re

from ..errors import TargetError

_HINT = "write FILE::NAME or FILE::NAME@LINE, e.g. src/kernels.cpp::matmul@12 or app.py::Cache.get"


def parse_spec(spec: str) -> tuple[str, str, int | None]:
    """`"src/k.cpp::ns::mul@12"` -> `("src/k.cpp", "ns::mul", 12)`.

    The file ends at the first `::` (paths never contain it, qualified names do);
    `@LINE` at the end picks one of several overloads.
    """
    text = spec.strip()
    file, sep, name = text.partition("::")
    if not sep or not file.strip() or not name.strip():
        raise TargetError(f"cannot read the function spec {spec!r}", hint=_HINT)
    line: int | None = None
    match = re.fullmatch(r"(.*?)\s*@\s*(\S*)", name)
    if match:
        name, raw = match.group(1), match.group(2)
        if not raw.isdigit() or int(raw) < 1:
            raise TargetError(f"the line in {spec!r} must be a positive number, not {raw!r}", hint=_HINT)
        line = int(raw)
    name = name.strip()
    if not name:
        raise TargetError(f"the function spec {spec!r} names no function", hint=_HINT)
    return file.strip(), name, line
