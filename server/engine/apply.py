"""Writing a result into the user's file: only if the function is still what was optimized."""
from __future__ import annotations

from pathlib import Path

from ..atomic import write_atomic
from ..code import relocate
from ..code.rebase import rebase
from ..code.source import encode_source, read_source
from ..errors import StaleTargetError, TargetError, UnisolatedError
from .result import OptimizationResult


def apply_result(result: OptimizationResult, root: Path | str, allow_unisolated: bool = False) -> Path:
    """Write the winning rewrite into the target file, atomically; returns the path written.

    If the file is as the job found it, it becomes `result.new_text`. If it changed elsewhere
    (the function itself untouched), the rewrite is replayed onto the current text. If the
    function changed, or the rewrite's lines were edited meanwhile, StaleTargetError: writing
    would silently drop the user's edit. The file keeps its encoding (UTF-8, BOM, Latin-1) and
    line endings: the bytes outside the rewrite are the bytes that were there. A result judged
    without a sandbox is refused (UnisolatedError) unless `allow_unisolated`.
    """
    if not result.improved or result.new_text is None:
        raise TargetError("there is no verified improvement to apply", file=result.target.file,
                          hint=result.message or None)
    if result.unisolated and not allow_unisolated:
        raise UnisolatedError("this rewrite was judged without a sandbox, so its verdict could be forged; "
                              "nothing was written", file=result.target.file, key="sandbox.allow_unisolated",
                              hint="install bubblewrap (`apt install bubblewrap`) and run again, or set "
                                   "[sandbox] allow_unisolated = true to apply such rewrites anyway")
    ref = result.target
    path = Path(root).resolve() / ref.file
    if not path.is_file():
        raise StaleTargetError("the file no longer exists", file=ref.file,
                               hint="nothing was written; run the optimization again")
    current, encoding = read_source(path, ref.file)
    if current == result.original_text:
        new_text = result.new_text
    else:
        relocate(current, ref)  # raises StaleTargetError when the function itself changed
        merged = rebase(result.original_text, result.new_text, current)
        if merged is None:
            raise StaleTargetError("the file changed where the rewrite applies", file=ref.file,
                                   hint="nothing was written; run the optimization again")
        new_text = merged
    _atomic_write(path, encode_source(new_text, encoding, ref.file))  # SpliceError before any write
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    """A crash never leaves half a file, and the file keeps its permissions."""
    write_atomic(path, data)
