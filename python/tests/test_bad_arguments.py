"""Bad arguments to the public API raise a specific Python exception with a one-line
message naming the argument -- never a crash, a hang or a silently returned number.

Wrong length or shape of parameters/data: hfx.exceptions.InvalidPdfParameters /
InvalidPdfData (both also ValueError). Wrong types (None, str, dict, scalars where a
sequence is expected, complex, strings or None inside arrays, nested lists): TypeError.
NaN/inf data, and NaN/inf POI values, inits and bounds: InvalidPdfParameters /
InvalidPdfData. Out-of-range levels, tolerances and scans: ValueError.
"""

import fractions
import math

import numpy as np
import pytest

import hfx
from hfx.exceptions import (
    InvalidPatchLookup,
    InvalidPdfData,
    InvalidPdfParameters,
    InvalidSpecification,
    Unsupported,
)

NAN, INF = float("nan"), float("inf")

MODEL = hfx.simplemodels.uncorrelated_background(signal=[12, 11], bkg=[50, 52], bkg_uncertainty=[3, 7])
DATA = [51.0, 48.0] + MODEL.config.auxdata
MAIN, AUX = DATA[:2], DATA[2:]
PARS = MODEL.config.suggested_init()
BOUNDS = MODEL.config.suggested_bounds()
FIXED = MODEL.config.suggested_fixed()
NPARS = len(PARS)

WS_SPEC = {
    "channels": [
        {
            "name": "ch",
            "samples": [
                {"name": "s", "data": [1.0, 2.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
                {"name": "b", "data": [10.0, 10.0], "modifiers": [{"name": "u", "type": "shapesys", "data": [1.0, 1.0]}]},
            ],
        }
    ],
    "observations": [{"name": "ch", "data": [11, 12]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
    "version": "1.0.0",
}
WS = hfx.Workspace(WS_SPEC)
WS_MODEL = WS.model()
PATCHSET = hfx.PatchSet(
    {
        "metadata": {
            "references": {"hepdata": "ins1234567"},
            "description": "d",
            "digests": {"sha256": WS.digest()},
            "labels": ["x"],
        },
        "patches": [
            {
                "metadata": {"name": "p1", "values": [1.0]},
                "patch": [{"op": "replace", "path": "/channels/0/samples/0/data", "value": [2.0, 3.0]}],
            }
        ],
        "version": "1.0.0",
    }
)


def _replace(seq, i, value):
    out = list(seq)
    out[i] = value
    return out


def _bad_sequences(good, shape_error):
    """(id, value, exception) for a 1-D argument whose good value is `good`."""
    g = [float(v) for v in good]
    n = len(g)
    return [
        ("short", g[:-1], shape_error),
        ("long", g + [1.0], shape_error),
        ("empty", [], shape_error),
        ("2d-array", np.asarray(g).reshape(n, 1), shape_error),
        ("None", None, TypeError),
        ("float", 1.0, TypeError),
        ("0d-array", np.array(1.0), TypeError),
        ("str", "abc", TypeError),
        ("dict", dict(enumerate(g)), TypeError),
        ("str-list", ["1.0"] * n, TypeError),
        ("str-array", np.array([str(v) for v in g]), TypeError),
        ("nested-list", [[v] for v in g], TypeError),
        ("None-in-list", _replace(g, 0, None), TypeError),
        ("None-object-array", np.array([None] * n, dtype=object), TypeError),
        ("complex-list", _replace(g, 0, 1 + 1j), TypeError),
        ("complex-array", np.asarray(g, dtype=complex), TypeError),
        ("numpy-complex64-element", _replace(g, 0, np.complex64(1.0)), TypeError),
        ("array-element", _replace(g, 0, np.array([1.0])), TypeError),
        ("generator", (v for v in g), TypeError),
    ]


def _nonfinite(good, error):
    g = [float(v) for v in good]
    return [
        ("nan", _replace(g, 0, NAN), error),
        ("inf", _replace(g, 0, INF), error),
        ("-inf", _replace(g, 0, -INF), error),
        ("nan-array", np.asarray(_replace(g, 0, NAN)), error),
    ]


# --- every function taking parameters -----------------------------------------------------

PARS_FUNCTIONS = {
    "logpdf": lambda p: MODEL.logpdf(p, DATA),
    "pdf": lambda p: MODEL.pdf(p, DATA),
    "logpdf_and_grad": lambda p: MODEL.logpdf_and_grad(p, DATA),
    "expected_data": lambda p: MODEL.expected_data(p),
    "expected_actualdata": lambda p: MODEL.expected_actualdata(p),
    "expected_auxdata": lambda p: MODEL.expected_auxdata(p),
    "mainlogpdf": lambda p: MODEL.mainlogpdf(MAIN, p),
    "constraint_logpdf": lambda p: MODEL.constraint_logpdf(AUX, p),
    "twice_nll": lambda p: hfx.infer.mle.twice_nll(p, DATA, MODEL),
}


@pytest.mark.parametrize("fn", PARS_FUNCTIONS, ids=str)
@pytest.mark.parametrize("case", _bad_sequences(PARS, InvalidPdfParameters), ids=lambda c: c[0])
def test_bad_pars(fn, case):
    _, value, error = case
    with pytest.raises(error, match=r"^pars"):
        PARS_FUNCTIONS[fn](value)


# --- every function taking data ------------------------------------------------------------

DATA_FUNCTIONS = {
    "logpdf": lambda d: MODEL.logpdf(PARS, d),
    "pdf": lambda d: MODEL.pdf(PARS, d),
    "logpdf_and_grad": lambda d: MODEL.logpdf_and_grad(PARS, d),
    "logpdf_batch": lambda d: MODEL.logpdf_batch(np.asarray([PARS]), d),
    "fit": lambda d: hfx.infer.mle.fit(d, MODEL),
    "fixed_poi_fit": lambda d: hfx.infer.mle.fixed_poi_fit(1.0, d, MODEL),
    "hypotest": lambda d: hfx.infer.hypotest(1.0, d, MODEL),
    "qmu_tilde": lambda d: hfx.infer.test_statistics.qmu_tilde(1.0, d, MODEL, None, None, None),
    "q0": lambda d: hfx.infer.test_statistics.q0(0.0, d, MODEL, None, None, None),
    "upper_limit": lambda d: hfx.infer.intervals.upper_limits.upper_limit(d, MODEL),
    "upper_limit_scan": lambda d: hfx.infer.intervals.upper_limits.upper_limit(d, MODEL, scan=[0.0, 1.0]),
}


@pytest.mark.parametrize("fn", DATA_FUNCTIONS, ids=str)
@pytest.mark.parametrize(
    "case", _bad_sequences(DATA, InvalidPdfData) + _nonfinite(DATA, InvalidPdfData), ids=lambda c: c[0]
)
def test_bad_data(fn, case):
    _, value, error = case
    with pytest.raises(error, match=r"^data"):
        DATA_FUNCTIONS[fn](value)


@pytest.mark.parametrize(
    "case", _bad_sequences(MAIN, InvalidPdfData) + _nonfinite(MAIN, InvalidPdfData), ids=lambda c: c[0]
)
def test_bad_maindata(case):
    _, value, error = case
    with pytest.raises(error, match=r"^(maindata|data)"):
        MODEL.mainlogpdf(value, PARS)


@pytest.mark.parametrize(
    "case", _bad_sequences(AUX, InvalidPdfData) + _nonfinite(AUX, InvalidPdfData), ids=lambda c: c[0]
)
def test_bad_auxdata(case):
    _, value, error = case
    with pytest.raises(error, match=r"^(auxdata|data)"):
        MODEL.constraint_logpdf(value, PARS)


def test_negative_counts_are_invalid_data():
    with pytest.raises(InvalidPdfData, match=r"data\[0\]"):
        MODEL.logpdf(PARS, _replace(DATA, 0, -1.0))


# --- logpdf_batch's 2-D parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("1d", np.asarray(PARS), InvalidPdfParameters),
        ("wrong-columns", np.ones((2, NPARS + 1)), InvalidPdfParameters),
        ("3d", np.ones((1, 1, NPARS)), InvalidPdfParameters),
        ("ragged", [PARS, PARS[:-1]], InvalidPdfParameters),
        ("None-in-row", [PARS, _replace(PARS, 0, None)], TypeError),
        ("None", None, TypeError),
        ("str", "abc", TypeError),
        ("complex", np.ones((2, NPARS), dtype=complex), TypeError),
        ("str-array", np.full((2, NPARS), "1"), TypeError),
        ("object-None", np.full((2, NPARS), None), TypeError),
    ],
    ids=lambda c: c[0],
)
def test_bad_batch_pars(case):
    _, value, error = case
    with pytest.raises(error, match=r"^pars"):
        MODEL.logpdf_batch(value, DATA)


# --- init_pars / par_bounds / fixed_params of every fit -------------------------------------

FIT_FUNCTIONS = {
    "fit": lambda i, b, f: hfx.infer.mle.fit(DATA, MODEL, init_pars=i, par_bounds=b, fixed_params=f),
    "fixed_poi_fit": lambda i, b, f: hfx.infer.mle.fixed_poi_fit(1.0, DATA, MODEL, init_pars=i, par_bounds=b, fixed_params=f),
    "hypotest": lambda i, b, f: hfx.infer.hypotest(1.0, DATA, MODEL, init_pars=i, par_bounds=b, fixed_params=f),
    "qmu_tilde": lambda i, b, f: hfx.infer.test_statistics.qmu_tilde(1.0, DATA, MODEL, i, b, f),
    "tmu": lambda i, b, f: hfx.infer.test_statistics.tmu(1.0, DATA, MODEL, i, b, f),
    "upper_limit_scan": lambda i, b, f: hfx.infer.intervals.upper_limits.upper_limit(
        DATA, MODEL, scan=[0.0, 1.0], init_pars=i, par_bounds=b, fixed_params=f
    ),
}


@pytest.mark.parametrize("fn", FIT_FUNCTIONS, ids=str)
@pytest.mark.parametrize(
    "case",
    # None is the default (the model's suggested init)
    [c for c in _bad_sequences(PARS, InvalidPdfParameters) if c[0] != "None"] + _nonfinite(PARS, InvalidPdfParameters),
    ids=lambda c: c[0],
)
def test_bad_init_pars(fn, case):
    _, value, error = case
    with pytest.raises(error, match=r"^init_pars"):
        FIT_FUNCTIONS[fn](value, None, None)


BAD_BOUNDS = [
    ("short", BOUNDS[:-1], InvalidPdfParameters),
    ("long", BOUNDS + [(0, 1)], InvalidPdfParameters),
    ("empty", [], InvalidPdfParameters),
    ("nan-low", _replace(BOUNDS, 0, (NAN, 10)), InvalidPdfParameters),
    ("nan-high", _replace(BOUNDS, 0, (0, NAN)), InvalidPdfParameters),
    ("low>high", _replace(BOUNDS, 0, (10, 0)), InvalidPdfParameters),
    ("triple", _replace(BOUNDS, 0, (0, 1, 2)), InvalidPdfParameters),
    ("array-(n,2,1)", np.zeros((NPARS, 2, 1)), InvalidPdfParameters),
    ("flat", [0, 10] * NPARS, TypeError),
    ("scalar-entry", _replace(BOUNDS, 0, 5.0), TypeError),
    ("None-entry", _replace(BOUNDS, 0, None), TypeError),
    ("str-entry", _replace(BOUNDS, 0, "ab"), TypeError),
    ("None-in-pair", _replace(BOUNDS, 0, (None, 1)), TypeError),
    ("complex-in-pair", _replace(BOUNDS, 0, (0, 1j)), TypeError),
    ("str", "abc", TypeError),
    ("dict", {0: (0, 1)}, TypeError),
    ("int", 5, TypeError),
]


@pytest.mark.parametrize("fn", FIT_FUNCTIONS, ids=str)
@pytest.mark.parametrize("case", BAD_BOUNDS, ids=lambda c: c[0])
def test_bad_par_bounds(fn, case):
    _, value, error = case
    with pytest.raises(error, match=r"^par_bounds"):
        FIT_FUNCTIONS[fn](None, value, None)


BAD_FIXED = [
    ("short", FIXED[:-1], InvalidPdfParameters),
    ("long", FIXED + [False], InvalidPdfParameters),
    ("empty", [], InvalidPdfParameters),
    ("None-entry", _replace(FIXED, 0, None), TypeError),
    ("str-entry", _replace(FIXED, 0, "yes"), TypeError),
    ("nan-entry", _replace(FIXED, 0, NAN), TypeError),
    ("float-entry", _replace(FIXED, 1, 0.5), TypeError),
    ("int-2-entry", _replace(FIXED, 1, 2), TypeError),
    ("nested", [[f] for f in FIXED], TypeError),
    ("str", "a" * NPARS, TypeError),
    ("dict", {i: False for i in range(NPARS)}, TypeError),
    ("bool", True, TypeError),
]


@pytest.mark.parametrize("fn", FIT_FUNCTIONS, ids=str)
@pytest.mark.parametrize("case", BAD_FIXED, ids=lambda c: c[0])
def test_bad_fixed_params(fn, case):
    _, value, error = case
    with pytest.raises(error, match=r"^fixed_params"):
        FIT_FUNCTIONS[fn](None, None, value)


# --- POI values -------------------------------------------------------------------------------

POI_FUNCTIONS = {
    "hypotest": (lambda mu: hfx.infer.hypotest(mu, DATA, MODEL), "poi_test"),
    "hypotest-q": (lambda mu: hfx.infer.hypotest(mu, DATA, MODEL, test_stat="q"), "poi_test"),
    "hypotest-q0": (lambda mu: hfx.infer.hypotest(mu, DATA, MODEL, test_stat="q0"), "poi_test"),
    "fixed_poi_fit": (lambda mu: hfx.infer.mle.fixed_poi_fit(mu, DATA, MODEL), "poi_val"),
}
for _name in ("q0", "qmu", "qmu_tilde", "tmu", "tmu_tilde"):
    POI_FUNCTIONS[_name] = (
        lambda mu, _f=getattr(hfx.infer.test_statistics, _name): _f(mu, DATA, MODEL, PARS, BOUNDS, FIXED),
        "mu",
    )

BAD_POIS = [
    ("nan", NAN, InvalidPdfParameters),
    ("inf", INF, InvalidPdfParameters),
    ("-inf", -INF, InvalidPdfParameters),
    ("numpy-nan", np.float64("nan"), InvalidPdfParameters),
    ("nan-0d-array", np.array(NAN), InvalidPdfParameters),
    ("None", None, TypeError),
    ("str", "abc", TypeError),
    ("numeric-str", "1", TypeError),
    ("complex", 1 + 1j, TypeError),
    ("list", [1.0], TypeError),
    ("dict", {}, TypeError),
    ("bool", True, TypeError),
    ("2-element-array", np.array([1.0, 2.0]), TypeError),
]


@pytest.mark.parametrize("fn", POI_FUNCTIONS, ids=str)
@pytest.mark.parametrize("case", BAD_POIS, ids=lambda c: c[0])
def test_bad_poi_value(fn, case):
    _, value, error = case
    call, name = POI_FUNCTIONS[fn]
    with pytest.raises(error, match=f"^{name}"):
        call(value)


# --- the model argument -----------------------------------------------------------------------

MODEL_FUNCTIONS = {
    "hypotest": lambda m: hfx.infer.hypotest(1.0, DATA, m),
    "fit": lambda m: hfx.infer.mle.fit(DATA, m),
    "fixed_poi_fit": lambda m: hfx.infer.mle.fixed_poi_fit(1.0, DATA, m),
    "twice_nll": lambda m: hfx.infer.mle.twice_nll(PARS, DATA, m),
    "qmu": lambda m: hfx.infer.test_statistics.qmu(1.0, DATA, m, None, None, None),
    "upper_limit": lambda m: hfx.infer.intervals.upper_limits.upper_limit(DATA, m),
    "upper_limit_scan": lambda m: hfx.infer.intervals.upper_limits.upper_limit(DATA, m, scan=[0, 1]),
    "linear_grid_scan": lambda m: hfx.infer.intervals.upper_limits.linear_grid_scan(DATA, m, [0, 1]),
    "Workspace.data": lambda m: WS.data(m),
    "Workspace.build": lambda m: hfx.Workspace.build(m, [1.0, 2.0]),
}


@pytest.mark.parametrize("fn", MODEL_FUNCTIONS, ids=str)
@pytest.mark.parametrize("value", [None, {}, "model", [1]], ids=["None", "dict", "str", "list"])
def test_not_a_model(fn, value):
    with pytest.raises(TypeError, match=r"^(pdf|model): expected an hfx.Model"):
        MODEL_FUNCTIONS[fn](value)


# --- upper limits: level, rtol, scan ----------------------------------------------------------


@pytest.mark.parametrize("scan", [None, [0.0, 1.0, 2.0]], ids=["toms748", "scan"])
@pytest.mark.parametrize(
    "case",
    [
        ("nan", NAN, ValueError),
        ("inf", INF, ValueError),
        ("zero", 0.0, ValueError),
        ("one", 1.0, ValueError),
        ("negative", -0.05, ValueError),
        ("None", None, TypeError),
        ("str", "0.05", TypeError),
        ("list", [0.05], TypeError),
    ],
    ids=lambda c: c[0],
)
def test_bad_level(scan, case):
    _, value, error = case
    with pytest.raises(error, match="^level"):
        hfx.infer.intervals.upper_limits.upper_limit(DATA, MODEL, scan=scan, level=value)


@pytest.mark.parametrize(
    "case",
    [("nan", NAN, ValueError), ("inf", INF, ValueError), ("zero", 0.0, ValueError), ("negative", -1e-6, ValueError),
     ("None", None, TypeError), ("str", "1e-6", TypeError)],
    ids=lambda c: c[0],
)
def test_bad_rtol(case):
    _, value, error = case
    with pytest.raises(error, match="^rtol"):
        hfx.infer.intervals.upper_limits.upper_limit(DATA, MODEL, rtol=value)


BAD_SCANS = [
    ("nan", [0.0, NAN, 2.0], ValueError),
    ("inf", [0.0, INF], ValueError),
    ("empty", [], ValueError),
    ("one-value", [1.0], ValueError),
    ("decreasing", [2.0, 1.0, 0.0], ValueError),
    ("repeated", [0.0, 1.0, 1.0], ValueError),
    ("2d", np.array([[0.0, 1.0], [2.0, 3.0]]), ValueError),
    ("None-in-list", [0.0, None], TypeError),
    ("complex", [0.0, 1j], TypeError),
    ("str", "abc", TypeError),
    ("str-list", ["0", "1"], TypeError),
    ("dict", {0: 1}, TypeError),
    ("float", 1.0, TypeError),
]


@pytest.mark.parametrize(
    "fn",
    [
        lambda s: hfx.infer.intervals.upper_limits.upper_limit(DATA, MODEL, scan=s),
        lambda s: hfx.infer.intervals.upper_limits.linear_grid_scan(DATA, MODEL, s),
        lambda s: hfx.infer.intervals.upper_limit(DATA, MODEL, scan=s),
    ],
    ids=["upper_limit", "linear_grid_scan", "intervals.upper_limit"],
)
@pytest.mark.parametrize("case", BAD_SCANS, ids=lambda c: c[0])
def test_bad_scan(fn, case):
    _, value, error = case
    with pytest.raises(error, match=r"^scan"):
        fn(value)


@pytest.mark.parametrize("value", [None, ["q"], 1], ids=["None", "list", "int"])
def test_bad_test_stat_type(value):
    with pytest.raises(TypeError, match="^test_stat"):
        hfx.infer.hypotest(1.0, DATA, MODEL, test_stat=value)
    with pytest.raises(TypeError, match="^test_stat"):
        hfx.infer.intervals.upper_limits.upper_limit(DATA, MODEL, scan=[0, 1], test_stat=value)


# --- models, workspaces, patchsets ------------------------------------------------------------

SPEC = MODEL.spec


@pytest.mark.parametrize(
    "case",
    [
        ("spec-None", lambda: hfx.Model(None), InvalidSpecification),
        ("spec-list", lambda: hfx.Model([]), InvalidSpecification),
        ("spec-complex", lambda: hfx.Model({"channels": [{"name": "c", "samples": [{"name": "s", "data": [1j], "modifiers": []}]}]}), TypeError),
        ("spec-nan", lambda: hfx.simplemodels.uncorrelated_background([NAN, 1], [50, 52], [3, 7]), InvalidSpecification),
        ("poi_name-int", lambda: hfx.Model(SPEC, poi_name=5), TypeError),
        ("poi_name-list", lambda: hfx.Model(SPEC, poi_name=["mu"]), TypeError),
        ("poi_name-empty-list", lambda: hfx.Model(SPEC, poi_name=[]), TypeError),
        ("poi_name-nan", lambda: hfx.Model(SPEC, poi_name=NAN), TypeError),
        ("modifier_settings-str", lambda: hfx.Model(SPEC, modifier_settings="code1"), TypeError),
        ("modifier_settings-list", lambda: hfx.Model(SPEC, modifier_settings=[]), TypeError),
        ("modifier_settings-not-a-dict-setting", lambda: hfx.Model(SPEC, modifier_settings={"normsys": "code1"}), TypeError),
        ("set_poi-int", lambda: hfx.Model(SPEC, poi_name="mu").config.set_poi(3), TypeError),
        ("include_auxdata-str", lambda: MODEL.expected_data(PARS, include_auxdata="no"), TypeError),
        ("simplemodels-poi_name-None", lambda: hfx.simplemodels.uncorrelated_background([1, 1], [5, 5], [1, 1], poi_name=None), TypeError),
        ("simplemodels-short", lambda: hfx.simplemodels.correlated_background([1], [5, 5], [6, 6], [4, 4]), InvalidSpecification),
    ],
    ids=lambda c: c[0],
)
def test_bad_model_arguments(case):
    _, call, error = case
    with pytest.raises(error):
        call()


@pytest.mark.parametrize(
    "case",
    [
        ("short", [True], InvalidPdfParameters),
        ("str", "abc", TypeError),
        ("None", None, TypeError),
        ("nan", NAN, TypeError),
        ("None-entry", [None, True], TypeError),
    ],
    ids=lambda c: c[0],
)
def test_bad_suggested_fixed(case):
    _, value, error = case
    ps = hfx.Model(SPEC, poi_name="mu").config.param_set("uncorr_bkguncrt")
    with pytest.raises(error, match="^suggested_fixed"):
        ps.suggested_fixed = value


@pytest.mark.parametrize(
    "case",
    [
        ("Workspace-None", lambda: hfx.Workspace(None), TypeError),
        ("Workspace-str", lambda: hfx.Workspace("abc"), TypeError),
        ("Workspace-int", lambda: hfx.Workspace(3), TypeError),
        ("Workspace-nan-observation", lambda: hfx.Workspace(dict(WS_SPEC, observations=[{"name": "ch", "data": [NAN, 1]}])), InvalidSpecification),
        ("Workspace-object", lambda: hfx.Workspace(dict(WS_SPEC, version=object())), TypeError),
        ("model-measurement_name-int", lambda: WS.model(measurement_name=5), TypeError),
        ("model-measurement_index-str", lambda: WS.model(measurement_index="0"), TypeError),
        ("model-measurement_index-float", lambda: WS.model(measurement_index=0.0), TypeError),
        ("model-poi_name-int", lambda: WS.model(poi_name=5), TypeError),
        ("model-poi_name-empty-list", lambda: WS.model(poi_name=[]), TypeError),
        ("model-patches-int", lambda: WS.model(patches=5), TypeError),
        ("model-patches-None-entry", lambda: WS.model(patches=[None]), TypeError),
        ("prune-str-entry", lambda: WS.prune(channels=[None]), TypeError),
        ("prune-str", lambda: WS.prune(channels="ch"), hfx.exceptions.InvalidWorkspaceOperation),  # as pyhf
        ("prune-int", lambda: WS.prune(channels=5), TypeError),
        ("rename-None-value", lambda: WS.rename(channels={"ch": None}), TypeError),
        ("rename-str", lambda: WS.rename(channels="ab"), TypeError),
        ("rename-list", lambda: WS.rename(channels=[("ch", "x")]), TypeError),
        ("combine-None", lambda: hfx.Workspace.combine(WS, None), TypeError),
        ("sorted-str", lambda: hfx.Workspace.sorted("abc"), TypeError),
        ("build-short", lambda: hfx.Workspace.build(WS_MODEL, [1.0]), InvalidPdfData),
        ("build-long", lambda: hfx.Workspace.build(WS_MODEL, [1.0, 2.0, 3.0]), InvalidPdfData),
        ("build-nan", lambda: hfx.Workspace.build(WS_MODEL, [NAN, 2.0]), InvalidPdfData),
        ("build-None", lambda: hfx.Workspace.build(WS_MODEL, None), TypeError),
        ("build-None-entry", lambda: hfx.Workspace.build(WS_MODEL, [None, 1.0]), TypeError),
        ("build-complex", lambda: hfx.Workspace.build(WS_MODEL, [1j, 1.0]), TypeError),
        ("digest-None", lambda: WS.digest(None), TypeError),
        ("utils.digest-int", lambda: hfx.utils.digest({"a": 1}, 5), TypeError),
        ("PatchSet-None", lambda: hfx.PatchSet(None), InvalidSpecification),
        ("patchset[nan]", lambda: PATCHSET[NAN], InvalidPatchLookup),
        ("patchset[None]", lambda: PATCHSET[None], InvalidPatchLookup),
        ("patchset[complex]", lambda: PATCHSET[1j], TypeError),
        ("patchset.apply-nan", lambda: PATCHSET.apply(WS, NAN), InvalidPatchLookup),
        ("patchset.apply-None-workspace", lambda: PATCHSET.apply(None, "p1"), TypeError),
        ("patchset.verify-str", lambda: PATCHSET.verify("abc"), TypeError),
        ("patch.apply-None", lambda: PATCHSET["p1"].apply(None), TypeError),
    ],
    ids=lambda c: c[0],
)
def test_bad_workspace_arguments(case):
    _, call, error = case
    with pytest.raises(error):
        call()


def test_messages_are_one_line_and_name_the_argument():
    for call, name in [
        (lambda: MODEL.logpdf([1.0], DATA), "pars"),
        (lambda: MODEL.logpdf(PARS, DATA[:-1]), "data"),
        (lambda: hfx.infer.hypotest(NAN, DATA, MODEL), "poi_test"),
        (lambda: hfx.infer.mle.fit(DATA, MODEL, par_bounds=_replace(BOUNDS, 2, (5, 1))), "par_bounds[2]"),
        (lambda: hfx.infer.mle.fit(DATA, MODEL, fixed_params=_replace(FIXED, 1, None)), "fixed_params[1]"),
        (lambda: MODEL.logpdf(["a"] * NPARS, DATA), "pars[0]"),
    ]:
        with pytest.raises(Exception) as err:
            call()
        message = str(err.value)
        assert message.startswith(name) and "\n" not in message, message


def test_pdf_errors_are_value_errors_too():
    with pytest.raises(ValueError):
        MODEL.logpdf([1.0], DATA)
    with pytest.raises(ValueError):
        MODEL.logpdf(PARS, [NAN] * len(DATA))


# --- what is accepted, and what NaN parameters give -------------------------------------------

GOOD_PARS = [
    ("list", list(PARS)),
    ("tuple", tuple(PARS)),
    ("float64", np.asarray(PARS)),
    ("float32", np.asarray(PARS, dtype=np.float32)),
    ("int", np.asarray(PARS, dtype=np.int64)),
    ("non-contiguous", np.repeat(np.asarray(PARS), 2)[::2]),
    ("big-endian", np.asarray(PARS, dtype=">f8")),
    ("object-floats", np.asarray(PARS, dtype=object)),
    ("numpy-scalars", [np.float32(v) for v in PARS]),
    ("fractions", [fractions.Fraction(v) for v in PARS]),
    ("bools", [True] * NPARS),
    ("range", range(1, NPARS + 1)),
]


@pytest.mark.parametrize("case", GOOD_PARS, ids=lambda c: c[0])
def test_numeric_sequences_are_accepted(case):
    _, value = case
    as_float64 = np.asarray([float(v) for v in value])
    want = MODEL.logpdf(as_float64, np.asarray(DATA))[0]
    assert MODEL.logpdf(value, DATA)[0] == want
    assert MODEL.logpdf(as_float64, type(value)(DATA) if isinstance(value, (list, tuple)) else DATA)[0] == MODEL.logpdf(
        as_float64, np.asarray(DATA)
    )[0]
    np.testing.assert_array_equal(MODEL.expected_data(value), MODEL.expected_data(as_float64))


def test_good_fit_arguments_are_accepted():
    want = hfx.infer.mle.fit(DATA, MODEL)
    for init, bounds, fixed in [
        (np.asarray(PARS), np.asarray(BOUNDS), np.asarray(FIXED)),
        (tuple(PARS), [list(b) for b in BOUNDS], [int(f) for f in FIXED]),
        (PARS, _replace(BOUNDS, 1, (-INF, INF)), [np.bool_(f) for f in FIXED]),
    ]:
        got = hfx.infer.mle.fit(DATA, MODEL, init_pars=init, par_bounds=bounds, fixed_params=fixed)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    assert hfx.infer.hypotest(np.array([1.0]), DATA, MODEL) == hfx.infer.hypotest(1.0, DATA, MODEL)
    assert hfx.infer.hypotest(np.float32(1.0), DATA, MODEL) == hfx.infer.hypotest(1, DATA, MODEL)


def test_nan_parameters_give_nan():
    bad = _replace(PARS, 1, NAN)
    assert math.isnan(MODEL.logpdf(bad, DATA)[0])
    assert math.isnan(MODEL.pdf(bad, DATA)[0])
    value, grad = MODEL.logpdf_and_grad(bad, DATA)
    assert math.isnan(value)
    batch = MODEL.logpdf_batch(np.asarray([PARS, bad, PARS]), DATA)
    assert math.isnan(batch[1]) and batch[0] == batch[2] == MODEL.logpdf(PARS, DATA)[0]
    assert math.isnan(MODEL.mainlogpdf(MAIN, bad))
    assert math.isnan(hfx.infer.mle.twice_nll(bad, DATA, MODEL)[0])
    # a finite value after a NaN call: the cached evaluator is not left in a bad state
    assert MODEL.logpdf(PARS, DATA)[0] == pytest.approx(-15.387627173157, abs=1e-9)


def test_paramset_changes_reach_the_fits():
    # pyhf's fits use model.config.suggested_fixed()/init()/bounds(), which users change
    # through the paramsets; they used to be ignored by hfx's C++ defaults.
    model = hfx.simplemodels.uncorrelated_background(signal=[12, 11], bkg=[50, 52], bkg_uncertainty=[3, 7])
    free = hfx.infer.mle.fit(DATA, model)
    model.config.param_set("uncorr_bkguncrt").suggested_fixed = True
    fixed = hfx.infer.mle.fit(DATA, model)
    assert list(fixed[1:]) == [1.0, 1.0] and list(free[1:]) != [1.0, 1.0]
    assert hfx.infer.hypotest(1.0, DATA, model) != hfx.infer.hypotest(1.0, DATA, MODEL)
    with pytest.raises(Unsupported):
        hfx.infer.intervals.upper_limits.upper_limit(DATA, model)
    model.config.param_set("mu").suggested_bounds = [(0.0, 5.0)]
    assert model.config._fit_args(None, None, None)[1][0] == (0.0, 5.0)
