"""Helpers with pyhf.utils' names."""

import hashlib
import importlib.metadata
import json
import pathlib
import platform
import re
import sys

__all__ = ["citation", "digest", "environment_info", "options_from_eqdelimstring"]

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_BOOLS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _scalar(text):
    """A KEY=VALUE option's value read as YAML reads a plain scalar (what pyhf's CLI does):
    a whole number, a number with a fraction or exponent, a boolean word, null, else the text."""
    t = text.strip()
    if _INT.fullmatch(t):
        return int(t)
    if _FLOAT.fullmatch(t):
        return float(t)
    if t.lower() in _BOOLS:
        return _BOOLS[t.lower()]
    if t in ("", "~", "null", "Null", "NULL"):
        return None
    return t


def options_from_eqdelimstring(opts):
    """{KEY: value} from ["KEY=VALUE", ...] (split at the first "="), values typed as
    pyhf's --optconf reads them: "a=10" -> 10, "c=1.0e-8" -> 1e-08, "e=True" -> True."""
    out = {}
    for opt in opts:
        key, value = opt.split("=", 1)  # an option without "=" is a ValueError
        out[key.strip()] = _scalar(value)
    return out


def _os_release():
    """The os-release fields (freedesktop.org's format: KEY=VALUE lines, '#' comments,
    values optionally quoted), from Python's reader where it has one."""
    if hasattr(platform, "freedesktop_os_release"):
        return platform.freedesktop_os_release()
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            with pathlib.Path(path).open(encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            continue
        fields = {}
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            fields[key.strip()] = value
        return fields
    raise OSError("no os-release file")


def _os_version():
    """'NAME VERSION' (or VERSION_ID, or PRETTY_NAME) on Linux, 'macOS x.y' on macOS,
    else 'Cannot be determined'."""
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0]}"
    if sys.platform.startswith("linux"):
        try:
            release = _os_release()
        except OSError:
            return "Cannot be determined"
        name = release.get("NAME")
        if name:
            version = release.get("VERSION") or release.get("VERSION_ID")
            return f"{name} {version}" if version else name
        if release.get("PRETTY_NAME"):
            return release["PRETTY_NAME"]
    return "Cannot be determined"


def environment_info():
    """The machine and package versions as a Markdown list, for bug reports."""
    os_version = _os_version()
    from . import __version__

    def version_of(package):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    lines = [
        f"os version: {os_version}",
        f"kernel version: {platform.system()} {platform.release()} {platform.machine()}",
        f"python version: {platform.python_implementation()} {platform.python_version()}",
        f"pyhf version: {__version__} (hfx)",
        f"hfx version: {__version__}",
    ] + [f"{p} version: {version_of(p)}" for p in ("numpy", "scipy", "iminuit", "jax", "jaxlib")]
    return "".join(f"* {line}\n" for line in lines)


def digest(obj, algorithm="sha256"):
    """Hex digest of ``json.dumps(obj, sort_keys=True)`` -- pyhf.utils.digest.

    Workspaces (and any JSON-serialisable object) hash to the same value as in pyhf.
    """
    try:
        stringified = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf8")
    except TypeError as err:
        raise ValueError(
            "The supplied object is not JSON-serializable for calculating a hash."
        ) from err
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm: expected a hashlib algorithm name (str), got {algorithm!r}")
    try:
        hash_alg = getattr(hashlib, algorithm)
    except AttributeError as err:
        raise ValueError(f"{algorithm} is not an algorithm provided by Python's hashlib library.") from err
    return hash_alg(stringified).hexdigest()


def citation(oneline=False):
    """BibTeX for publications made with hfx (``hfx --cite`` prints the same): pyhf's
    software and paper, whose likelihood format and model hfx implements, the HistFactory
    note, and hfx. With ``oneline`` the entries are joined into one line."""
    from . import _core

    text = _core.citation
    if oneline:
        return " ".join(line.strip() for line in text.splitlines() if line.strip())
    return text
