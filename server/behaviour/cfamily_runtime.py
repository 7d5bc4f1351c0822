"""The runtime the C and C++ check wrappers call, as source text put into the checked file.

It travels inside the file (no library to link, no build change): one block per translation
unit, guarded by `#ifndef`, at global scope before the item that holds the target. The core is
written in the common subset of C (C99 and later; C89 builds too) and C++ (C++11 and later), so
both languages write the same events in the same way; C++ adds templates that classify and
compare arguments by their types.

Everything here must compile warning-free with -Wall -Wextra (projects build with -Werror), must
not clash with user code (every name starts with `lessonl_` / `Lessonl`, even template
parameters and locals, since the user's `#define N 1024` is in effect), and must add as few
declarations as possible to the user's scope: a C file may well define its own `write` or
`close`, so the C block includes only <stdio.h>, <stdlib.h> and <string.h>, and events go out
through an `fopen(path, "a")` stream fully buffered in a buffer larger than the line, which
glibc flushes with one write(2) on an O_APPEND descriptor.
"""
from __future__ import annotations

import hashlib
import math
from pathlib import Path

from .records import CheckSettings

RUNTIME_DIR = Path(__file__).with_name("runtime")  # the runtime's C and C++ source, as files


def _source(name: str) -> str:
    """A runtime source file without its leading comment (which says where it comes from)."""
    text = (RUNTIME_DIR / name).read_text(encoding="utf-8")
    return "\n" + text.split("*/\n", 1)[1]


C_GUARD = "LESSONL_CHECK_RUNTIME_C_V1"
CPP_GUARD = "LESSONL_CHECK_RUNTIME_CPP_V1"

# The core, in C89-clean syntax (no // comments, declarations first) that is also valid C++.
_CORE = _source("core.h")

_C_ONLY = _source("c_only.h")

# C++ only: argument slots, results and comparison by type. C++11 (no if constexpr, no _t traits).
_CPP_ONLY = _source("cpp_only.hpp")

_C_INCLUDES = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
_CPP_INCLUDES = ("#include <cstddef>\n#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n#include <exception>\n"
                 "#include <iterator>\n#include <new>\n#include <sstream>\n#include <string>\n#include <type_traits>\n"
                 "#include <utility>\n#include <unistd.h>\n")


# Warnings beyond -Wall -Wextra that projects often turn into errors, silenced for generated code
# only (the user's own code, copies included, keeps the project's flags). Unknown names are
# ignored quietly: "-Wpragmas" (GCC) and "-Wunknown-warning-option" (Clang) come first.
_QUIET = ("-Wpragmas", "-Wunknown-warning-option", "-Wpedantic", "-Wold-style-cast", "-Wuseless-cast",
          "-Wconversion", "-Wsign-conversion", "-Wshadow", "-Wcast-qual", "-Wcast-align", "-Wmissing-declarations",
          "-Wmissing-prototypes", "-Wstrict-prototypes", "-Wredundant-decls", "-Wnested-externs",
          "-Wzero-as-null-pointer-constant", "-Wdouble-promotion", "-Wfloat-equal", "-Wundef", "-Wswitch-default",
          "-Wformat-nonliteral", "-Wbad-function-cast", "-Wlong-long", "-Wc++-compat", "-Wdeclaration-after-statement",
          "-Wunused-macros", "-Wpadded", "-Winline", "-Wsuggest-attribute=pure", "-Wsuggest-attribute=const",
          "-Wsuggest-attribute=noreturn", "-Wsuggest-attribute=format", "-Wsuggest-attribute=malloc",
          "-Wsuggest-override", "-Wdisabled-macro-expansion", "-Wreserved-identifier", "-Wreserved-id-macro",
          "-Wextra-semi", "-Wcomma", "-Wunsafe-buffer-usage", "-Wcovered-switch-default", "-Wglobal-constructors",
          "-Wexit-time-destructors", "-Wc++98-compat", "-Wc++98-compat-pedantic", "-Wdocumentation")
QUIET_PUSH = "#pragma GCC diagnostic push\n" + "".join(f'#pragma GCC diagnostic ignored "{w}"\n' for w in _QUIET)
QUIET_POP = "#pragma GCC diagnostic pop\n"
# Lower-case names the C++ runtime spells that numeric code sometimes #defines (`#define real
# double`): set aside while the runtime is read, restored after.
_MACROS = ("real", "imag", "min", "max", "begin", "end", "size", "first", "second", "get", "value_type")
_SAVE_MACROS = "".join(f'#pragma push_macro("{m}")\n#undef {m}\n' for m in _MACROS)
_RESTORE_MACROS = "".join(f'#pragma pop_macro("{m}")\n' for m in reversed(_MACROS))


def runtime_block(language: str) -> str:
    """The whole runtime for one translation unit, guarded so a second copy is a no-op."""
    if language == "c":
        return (f"#ifndef {C_GUARD}\n#define {C_GUARD}\n{QUIET_PUSH}{_C_INCLUDES}{_CORE}{_C_ONLY}\n{QUIET_POP}"
                f"#endif /* {C_GUARD} */\n")
    return (f"#ifndef {CPP_GUARD}\n#define {CPP_GUARD}\n{QUIET_PUSH}{_SAVE_MACROS}{_CPP_INCLUDES}namespace lessonl_rt {{\n"
            f"{_CORE}{_CPP_ONLY}\n}}  /* namespace lessonl_rt */\n{_RESTORE_MACROS}{QUIET_POP}#endif /* {CPP_GUARD} */\n")


def site_key(site: str) -> str:
    """A short stable suffix for the per-site names (one target per site, any number per file)."""
    return hashlib.sha1(site.encode("utf-8")).hexdigest()[:12]


def c_string(text: str) -> str:
    """A C string literal; `?` escaped so that no trigraph forms in -std=c99 and older."""
    out = []
    for ch in text:
        if ch in '"\\?':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _c_double(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else ("1e308" if value > 0 else "0.0")


def site_block(language: str, site: str, settings: CheckSettings) -> str:
    """The state of one site: its counters (one per process even when the file is a header
    included by several translation units), the thread's mode, and its exit handler. In C these
    are weak external symbols, so that even a C99 `inline` function (which may not refer to
    anything `static`) can count its calls."""
    k = site_key(site)
    init = (f"{{{c_string(site)}, {_c_double(settings.rtol)}, {_c_double(settings.atol)}, "
            f"{_c_double(settings.rtol_f32)}, {_c_double(settings.atol_f32)}, {max(0, int(settings.max_calls))}ULL, "
            "0, 0, 0, 0, 0, 0, 0, 0, 0, 0}")
    guard = f"LESSONL_SITE_{k.upper()}"
    if language == "c":
        body = (f"__attribute__((weak)) struct lessonl_site __lessonl_site_{k} = {init};\n"
                f"__attribute__((weak)) LESSONL_THREAD_LOCAL int __lessonl_mode_{k};\n"
                f"__attribute__((weak)) void __lessonl_exit_{k}(void) {{ lessonl_summary(&__lessonl_site_{k}); }}\n"
                f"__attribute__((weak)) void __lessonl_restore_{k}(int *lessonl_p) {{ __lessonl_mode_{k} = *lessonl_p; }}\n"
                f"__attribute__((weak)) int __lessonl_count_{k}(void) {{\n"
                f"  int lessonl_p = __lessonl_mode_{k};\n"
                f"  if (!lessonl_p) {{\n    __lessonl_mode_{k} = 2;\n"
                f"    lessonl_count(&__lessonl_site_{k}, __lessonl_exit_{k});\n  }}\n"
                f"  return lessonl_p;\n}}\n")
    else:
        body = (f"inline ::lessonl_rt::lessonl_site &__lessonl_site_{k}() {{\n"
                f"  static ::lessonl_rt::lessonl_site lessonl_s = {init};\n  return lessonl_s;\n}}\n"
                f"inline int &__lessonl_mode_{k}() {{\n  static thread_local int lessonl_m = 0;\n  return lessonl_m;\n}}\n"
                f"inline void __lessonl_exit_{k}() {{ ::lessonl_rt::lessonl_summary(&__lessonl_site_{k}()); }}\n")
    return f"#ifndef {guard}\n#define {guard}\n{QUIET_PUSH}{body}{QUIET_POP}#endif /* {guard} */\n"


def count_statement(language: str, site: str) -> str:
    """The first statement of a counted body: counts outermost calls, marks the thread inside."""
    k = site_key(site)
    if language == "c":
        return f"int __lessonl_prev __attribute__((cleanup(__lessonl_restore_{k}))) = __lessonl_count_{k}();"
    return (f"::lessonl_rt::mode_guard __lessonl_g(__lessonl_mode_{k}()); if (!__lessonl_g.previous) "
            f"{{ __lessonl_g.set(2); ::lessonl_rt::lessonl_count(&__lessonl_site_{k}(), __lessonl_exit_{k}); }}")
