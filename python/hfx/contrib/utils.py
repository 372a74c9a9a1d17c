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


def download(archive_url, output_directory, force=False, compress=False):
    """Fetches the archive at ``archive_url`` (a HEPData resource or its doi.org address;
    other hosts need ``force=True``) and unpacks it into ``output_directory`` (a tar, with
    or without compression, or a zip, which replaces the directory), or with
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
        with tarfile.open(mode="r:*", fileobj=io.BytesIO(content)) as archive:
            _safe_members(archive.getnames(), output_directory)
            for member in archive.getmembers():
                if member.issym() or member.islnk():
                    raise InvalidArchive(f"the archive member {member.name!r} is a link; refused")
            archive.extractall(output_directory)
    elif zipfile.is_zipfile(io.BytesIO(content)):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _safe_members(archive.namelist(), output_directory)
            if pathlib.Path(output_directory).exists():
                shutil.rmtree(output_directory)
            archive.extractall(output_directory)
    else:
        raise InvalidArchive(f"{archive_url} is neither a tar nor a zip archive")
