"""hfx.contrib.utils.download: HEPData archives, with requests.get replaced by a fake."""

import io
import tarfile
import zipfile

import pytest

import hfx
import hfx.contrib.utils

requests = pytest.importorskip("requests")

URL = "https://www.hepdata.net/record/resource/1408476?view=true"


class _Response:
    def __init__(self, content=b"", status_code=200):
        self.content, self.status_code = content, status_code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def serve(monkeypatch):
    """serve(content, status) makes requests.get answer with it; returns the requests seen."""
    seen = []

    def install(content=b"", status_code=200):
        def fake_get(url, headers=None, timeout=None):
            seen.append((url, headers))
            return _Response(content, status_code)

        monkeypatch.setattr(requests, "get", fake_get)
        return seen

    return install


def _tar(members, mode="w:gz"):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize("pack", [_tar, lambda m: _tar(m, "w"), _zip], ids=["tar.gz", "tar", "zip"])
def test_archives_are_unpacked(tmp_path, serve, pack):
    seen = serve(pack({"BkgOnly.json": "{}", "patchset.json": "[]"}))
    hfx.contrib.utils.download(URL, tmp_path / "likelihoods")
    assert sorted(p.name for p in (tmp_path / "likelihoods").iterdir()) == ["BkgOnly.json", "patchset.json"]
    assert seen[0][0] == URL and "application/x-tar" in seen[0][1]["Accept"]


def test_compress_keeps_the_archive(tmp_path, serve):
    content = _tar({"a.json": "{}"})
    serve(content)
    hfx.contrib.utils.download(URL, tmp_path / "l.tar.gz", compress=True)
    assert (tmp_path / "l.tar.gz").read_bytes() == content


def test_untrusted_hosts_need_force(tmp_path, serve):
    serve(_tar({"a.json": "{}"}))
    url = "https://www.cern.ch/record/resource/1"
    with pytest.raises(hfx.exceptions.InvalidArchiveHost, match="www.cern.ch"):
        hfx.contrib.utils.download(url, tmp_path / "l")
    hfx.contrib.utils.download(url, tmp_path / "l", force=True)
    assert (tmp_path / "l" / "a.json").exists()


@pytest.mark.parametrize(
    ("content", "status", "match"),
    [(b"", 404, "response code of 404"), (b"not an archive", 200, "neither a tar nor a zip")],
)
def test_bad_responses_are_invalid_archives(tmp_path, serve, content, status, match):
    serve(content, status)
    with pytest.raises(hfx.exceptions.InvalidArchive, match=match):
        hfx.contrib.utils.download(URL, tmp_path / "l")
    assert not (tmp_path / "l").exists()


def test_a_zip_with_one_top_directory_gives_its_contents(tmp_path, serve):
    (tmp_path / "l").mkdir()
    (tmp_path / "l" / "old.json").write_text("{}")
    serve(_zip({"analysis/BkgOnly.json": "{}", "analysis/patchset.json": "[]"}))
    hfx.contrib.utils.download(URL, tmp_path / "l")
    assert sorted(p.name for p in (tmp_path / "l").iterdir()) == ["BkgOnly.json", "patchset.json"]


def test_tar_members_other_than_files_and_directories_are_refused(tmp_path, serve):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        fifo = tarfile.TarInfo("pipe")
        fifo.type = tarfile.FIFOTYPE
        archive.addfile(fifo)
    serve(out.getvalue())
    with pytest.raises(hfx.exceptions.InvalidArchive, match="not a file or a directory"):
        hfx.contrib.utils.download(URL, tmp_path / "l")
    # and a file's mode in the archive is not kept (no setuid bits from a download)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("run.sh")
        info.size, info.mode = 2, 0o4777
        archive.addfile(info, io.BytesIO(b"hi"))
    serve(out.getvalue())
    hfx.contrib.utils.download(URL, tmp_path / "m")
    assert not (tmp_path / "m" / "run.sh").stat().st_mode & 0o4000


@pytest.mark.parametrize("pack", [_tar, _zip], ids=["tar", "zip"])
def test_members_outside_the_directory_are_refused(tmp_path, serve, pack):
    serve(pack({"../escape.json": "{}"}))
    with pytest.raises(hfx.exceptions.InvalidArchive, match="outside"):
        hfx.contrib.utils.download(URL, tmp_path / "l")
    assert not (tmp_path / "escape.json").exists()
