"""hfx.utils: KEY=VALUE options typed as pyhf's CLI types them, environment report."""

import pytest

import hfx


@pytest.mark.parametrize(
    "opts,expected",
    [
        (["maxiter=200"], {"maxiter": 200}),
        (["tolerance=1e-12"], {"tolerance": 1e-12}),
        (["x=-2.5", "y=+.5"], {"x": -2.5, "y": 0.5}),
        (["strategy=TRUE", "verbose=no"], {"strategy": True, "verbose": False}),
        (["name=migrad", "path=a=b"], {"name": "migrad", "path": "a=b"}),
        (["empty="], {"empty": None}),
        (["v=1.0.0"], {"v": "1.0.0"}),
    ],
)
def test_options_are_typed(opts, expected):
    got = hfx.utils.options_from_eqdelimstring(opts)
    assert got == expected
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


def test_an_option_without_equals_is_an_error():
    with pytest.raises(ValueError):
        hfx.utils.options_from_eqdelimstring(["tolerance"])


def test_environment_info_is_a_markdown_list(monkeypatch):
    info = hfx.utils.environment_info()
    lines = info.strip().splitlines()
    assert all(line.startswith("* ") for line in lines)
    assert f"* hfx version: {hfx.__version__}" in lines
    assert any(line.startswith("* numpy version: ") and "not installed" not in line for line in lines)
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr("platform.freedesktop_os_release", lambda: {"NAME": "Debian GNU/Linux", "VERSION": "12 (bookworm)"},
                        raising=False)
    assert "* os version: Debian GNU/Linux 12 (bookworm)\n" in hfx.utils.environment_info()
