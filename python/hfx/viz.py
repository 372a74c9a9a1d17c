"""Pictures of the fit as SVG text, drawn by hfx's C++ code: the pictures of the CLI's
``--plot`` options and of ``hfx report``, without matplotlib.

- ``pulls(model, data)``, ``ranking(model, data, top=20)``, ``correlations(model, data,
  min_abs=0.2)``, ``scan(model, data, par_name)`` and ``brazil(model, data, mus=None)``:
  the same computations as hfx.diagnostics' functions of those names, returning the
  picture (write it with ``save``).
- ``yields(model, data, postfit=True)``: stacked yields, data and data / model per channel,
  pre-fit beside post-fit (``hfx yields --postfit --plot``).
- ``report(workspace, output_dir)``: the self-contained HTML report page
  (``output_dir/index.html``) and its pictures beside it, as ``hfx report`` writes them.

Fit arguments (``init_pars``, ``fix_pars``, ``par_bounds``) default to the model's
suggested values; a fit that does not converge raises FailedMinimization.
"""

import pathlib

import numpy as np

from . import _checks, _core
from .diagnostics import _brazil, _compiled, _correlations, _fit_args, _pulls, _ranking, _scan, _scan_2d
from .tensor import get_backend

__all__ = ["brazil", "correlations", "pulls", "ranking", "report", "save", "scan", "scan_2d", "yields"]


def pulls(model, data, *, init_pars=None, fix_pars=None, par_bounds=None):
    """The pull plot of the constrained free parameters (SVG)."""
    return _pulls(model, data, _fit_args(model, init_pars, fix_pars, par_bounds), plot=True)["svg"]


def _top(top):
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or not 1 <= top <= 1000:
        raise ValueError(f"top: expected an integer from 1 to 1000, got {top!r}"[:200])
    return int(top)


def ranking(model, data, *, top=20, threads=0, init_pars=None, fix_pars=None, par_bounds=None):
    """The impacts of the ``top`` largest post-fit impacts, with their pulls (SVG)."""
    fits = _fit_args(model, init_pars, fix_pars, par_bounds)
    return _ranking(model, data, fits, threads, plot_top=_top(top))["svg"]


def correlations(model, data, *, min_abs=0.2, init_pars=None, fix_pars=None, par_bounds=None):
    """The heat map of the parameters with a post-fit |correlation| >= min_abs (SVG)."""
    return _correlations(model, data, min_abs, _fit_args(model, init_pars, fix_pars, par_bounds), plot=True)[2]


def scan(model, data, par_name, *, par_range=None, n_steps=21, init_pars=None, fix_pars=None, par_bounds=None):
    """The profile likelihood of ``par_name`` with its 68% and 95% CL levels (SVG)."""
    fits = _fit_args(model, init_pars, fix_pars, par_bounds)
    return _scan(model, data, par_name, par_range, n_steps, fits, plot=True)["svg"]


def scan_2d(model, data, par_names, *, par_ranges=None, n_steps=(21, 21), threads=0, init_pars=None, fix_pars=None,
            par_bounds=None):
    """The two-parameter profile likelihood: the grid shaded by -2 Delta log L, the 68.27% and
    95% CL contours and the best fit (SVG); arguments as hfx.diagnostics.scan_2d."""
    fits = _fit_args(model, init_pars, fix_pars, par_bounds)
    return _scan_2d(model, data, par_names, par_ranges, n_steps, threads, fits, plot=True)["svg"]


def brazil(model, data, *, mus=None, level=0.05, test_stat="qtilde"):
    """Observed CLs and the expected band against the POI, with the upper limits (SVG)."""
    return _brazil(model, data, mus, level, test_stat, plot=True)["svg"]


def yields(model, data, *, postfit=True, init_pars=None, fix_pars=None, par_bounds=None):
    """Stacked pre-fit (and post-fit) yields with the data and data / model (SVG)."""
    if not isinstance(postfit, bool):
        raise TypeError(f"postfit: expected True or False, got {postfit!r}"[:200])
    fits = _fit_args(model, init_pars, fix_pars, par_bounds)
    return _core.yields_svg(_compiled(model), data, postfit, **fits)


def save(svg, path):
    """Writes a picture to ``path``: FILE.svg as is, FILE.png (twice the size) or FILE.pdf
    rendered by librsvg and cairo."""
    path = pathlib.Path(path)
    if path.suffix.lower() not in (".svg", ".png", ".pdf"):
        raise ValueError(f"{path}: give a picture file name ending in .svg, .png or .pdf")
    path.write_bytes(_core.picture_for_file(str(svg), str(path)))
    return path


def report(workspace, output_dir, *, measurement_name=None, level=0.05, top=20, min_abs=0.2, threads=0, source="workspace"):
    """Writes ``output_dir/index.html`` and the pictures as ``output_dir/NAME.svg``; returns
    (path of index.html, the parts left out with their reasons)."""
    from .workspace import Workspace

    if not isinstance(workspace, Workspace):
        raise TypeError(f"workspace: expected an hfx.Workspace, got {type(workspace).__name__}")
    level = _checks.real(level, "level")
    if not 0 < level < 1:
        raise ValueError(f"level: expected a number between 0 and 1, got {level}")
    min_abs = _checks.real(min_abs, "min_abs")
    if not 0 <= min_abs <= 1:
        raise ValueError(f"min_abs: expected a number from 0 to 1, got {min_abs}")
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 0 <= threads <= 1024:
        raise ValueError(f"threads: expected 0 (all cores) to 1024, got {threads!r}"[:200])
    model = workspace.model(measurement_name=measurement_name)
    data = workspace.data(model)
    html, pictures, problems = _core.report(
        workspace._synced_core(), _compiled(model), data, str(source), level, _top(top), min_abs, int(threads),
        get_backend()[1],
    )
    out = pathlib.Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stem, svg in pictures.items():
        (out / f"{stem}.svg").write_text(svg, encoding="utf-8")
    index = out / "index.html"
    index.write_text(html, encoding="utf-8")
    return index, list(problems)
