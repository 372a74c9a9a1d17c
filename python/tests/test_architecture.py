"""The arrows of docs/architecture.md, checked on the sources: each folder of src/ includes
the public headers (include/hfx) and, of the internal ones, only what its stage may see.
fit and infer see the model through the Evaluator's objective interface (value, gradient,
channel Jacobian and its Structure), never the compiled tables (compile/model_data.hpp)."""
import re

from conftest import REPO

SRC = REPO / "src"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# Internal headers (outside include/hfx) a folder may include besides its own.
ALLOWED = {
    "spec": {"modifiers/modifier_kind.hpp"},
    "modifiers": {"spec/validate.hpp", "modifiers/modifier_kind.hpp"},
    "compile": {"modifiers/modifier_kind.hpp", "eval/kernels.hpp"},
    "eval": {"compile/model_data.hpp", "modifiers/modifier_kind.hpp"},
    "fit": set(),
    "infer": {"eval/log_gamma.hpp"},
    "scan": set(),
    "contour": {"plot/svg.hpp"},
    "diagnostics": set(),
    "reinterpret": set(),
    "plot": set(),
    "report": {"plot/svg.hpp"},
    "interchange": set(),
}


def resolve(source, name):
    """The included header as a path relative to src/ (None for a public header)."""
    if name.startswith("hfx/"):
        return None
    for base in (source.parent, SRC):
        p = (base / name).resolve()
        if p.is_file():
            try:
                return str(p.relative_to(SRC.resolve()))
            except ValueError:
                return None  # e.g. a generated file in the build tree
    return name


def test_each_stage_includes_only_what_it_may():
    bad = []
    for folder, allowed in ALLOWED.items():
        for source in sorted((SRC / folder).rglob("*.[ch]pp")):
            for name in INCLUDE.findall(source.read_text(encoding="utf-8")):
                header = resolve(source, name)
                if header is None or header.split("/")[0] == folder or header in allowed:
                    continue
                bad.append(f"{source.relative_to(REPO)} includes {header}")
    assert not bad, "\n".join(bad)


def test_every_folder_is_listed():
    folders = {p.name for p in SRC.iterdir() if p.is_dir()}
    assert folders == set(ALLOWED), folders ^ set(ALLOWED)
