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


def _os_release_file(monkeypatch, text):
    """Python without platform.freedesktop_os_release, reading `text` as the os-release
    file (None: no such file)."""
    import io
    import pathlib

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delattr("platform.freedesktop_os_release", raising=False)
    real_open = pathlib.Path.open

    def fake_open(self, *args, **kwargs):
        if "os-release" not in str(self):
            return real_open(self, *args, **kwargs)
        if text is None:
            raise FileNotFoundError(str(self))
        return io.StringIO(text)

    monkeypatch.setattr(pathlib.Path, "open", fake_open)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('# comment\nNAME="Debian GNU/Linux"\nVERSION="12 (bookworm)"\n', "Debian GNU/Linux 12 (bookworm)"),
        ("NAME='Alpine Linux'\nVERSION_ID=3.20.1\n", "Alpine Linux 3.20.1"),
        ('PRETTY_NAME="Arch Linux (a=b)"\nID=arch\n', "Arch Linux (a=b)"),
        ("ID=unknown\n", "Cannot be determined"),
        (None, "Cannot be determined"),
    ],
)
def test_os_version_from_the_os_release_file(monkeypatch, text, expected):
    _os_release_file(monkeypatch, text)
    assert f"* os version: {expected}\n" in hfx.utils.environment_info()


@pytest.mark.parametrize("platform_name", ["win32", "cygwin"])
def test_os_version_elsewhere_cannot_be_determined(monkeypatch, platform_name):
    monkeypatch.setattr("sys.platform", platform_name)
    assert "* os version: Cannot be determined\n" in hfx.utils.environment_info()


def test_citation_is_bibtex():
    text = hfx.utils.citation()
    for key in ("@software{pyhf,", "@article{pyhf_joss,", "@techreport{histfactory,", "@software{hfx,"):
        assert key in text
    assert f"version = {{{hfx.__version__}}}" in text
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.count("{") == text.count("}")
    one = hfx.utils.citation(oneline=True)
    assert "\n" not in one and "@article{pyhf_joss," in one
