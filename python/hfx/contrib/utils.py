"""Download published likelihood archives (pyhf.contrib.utils.download).

HEPData serves each analysis' likelihoods (background-only workspace, patchset, README) as
a tar or zip archive; ``download`` fetches one with ``requests`` (Debian: python3-requests)
and unpacks it, or keeps it as it came with ``compress=True``.
"""

import io
import pathlib
import shutil
import tarfile
import zipfile
from urllib.parse import urlsplit

from ..exceptions import InvalidArchive, InvalidArchiveHost

__all__ = ["download"]

TRUSTED_HOSTS = ("www.hepdata.net", "doi.org")


def _safe_members(names, output_directory):
    """Refuses an archive whose member paths leave the output directory."""
    root = pathlib.Path(output_directory).resolve()
    for name in names:
        target = (root / name).resolve()
        if target != root and root not in target.parents:
            raise InvalidArchive(f"the archive member {name!r} would be written outside {output_directory}")


def _unpack_tar(content, output_directory):
    """Regular files and directories only (no links, devices or modes from the archive)."""
    with tarfile.open(mode="r:*", fileobj=io.BytesIO(content)) as archive:
        members = archive.getmembers()
        _safe_members([m.name for m in members], output_directory)
        for member in members:
            if not (member.isfile() or member.isdir()):
                raise InvalidArchive(f"the archive member {member.name!r} is not a file or a directory; refused")
        output_directory.mkdir(parents=True, exist_ok=True)
        for member in members:
            target = output_directory / member.name
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())


def _unpack_zip(content, output_directory):
    """Replaces output_directory by the archive's contents; an archive holding one
    top-level directory (HEPData's) gives that directory's contents, as pyhf does."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        _safe_members(names, output_directory)
        staging = output_directory.parent / (output_directory.name + ".hfx-download")
        if staging.exists():
            shutil.rmtree(staging)
        archive.extractall(staging)
    tops = list(staging.iterdir())
    source = tops[0] if len(tops) == 1 and tops[0].is_dir() else staging
    if output_directory.exists():
        shutil.rmtree(output_directory)
    shutil.move(str(source), str(output_directory))
    if staging.exists():
        shutil.rmtree(staging)


def download(archive_url, output_directory, force=False, compress=False):
    """Fetches the archive at ``archive_url`` (a HEPData resource or its doi.org address;
    other hosts need ``force=True``) and unpacks it into ``output_directory`` (a tar, with
    or without compression: its files and directories, nothing else; or a zip, which
    replaces the directory, and whose one top-level directory, if that is all it holds,
    gives the directory's contents, as pyhf unpacks HEPData's zips), or with
    ``compress=True`` writes the archive itself to the path ``output_directory``.

    Raises InvalidArchiveHost for an untrusted host, InvalidArchive for a response that is
    not 200 or not an archive."""
    host = urlsplit(archive_url).netloc
    if not force and host not in TRUSTED_HOSTS:
        raise InvalidArchiveHost(
            f"{host} is not an approved archive host: {', '.join(TRUSTED_HOSTS)}; "
            "pass force=True (hfx CLI: --force) to download from it"
        )
    import requests

    # HEPData answers a doi.org address with the archive itself when asked for one.
    with requests.get(archive_url, headers={"Accept": "application/x-tar, application/zip"}, timeout=60) as response:
        if response.status_code != 200:
            raise InvalidArchive(
                f"{archive_url} gives a response code of {response.status_code}: the host has a problem "
                "or the address is not an archive"
            )
        content = response.content
    if compress:
        pathlib.Path(output_directory).write_bytes(content)
        return
    if tarfile.is_tarfile(io.BytesIO(content)):
        _unpack_tar(content, pathlib.Path(output_directory))
    elif zipfile.is_zipfile(io.BytesIO(content)):
        _unpack_zip(content, pathlib.Path(output_directory))
    else:
        raise InvalidArchive(f"{archive_url} is neither a tar nor a zip archive")
