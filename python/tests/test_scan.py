"""hfx.scan(): the same rows in-process, on a process pool and on a real Dask cluster;
resuming from its results file; inputs as files or as documents."""

import concurrent.futures
import json
import os

import pytest

import hfx

from conftest import REFERENCE, load_json

BKG = REFERENCE / "3L-eRJR" / "published" / "BkgOnly.json"
PATCHSET = REFERENCE / "3L-eRJR" / "published" / "patchset.json"
SUBSET = ["mn2=:150"]  # 24 of the 64 points


def strip(rows):
    return [{k: v for k, v in r.items() if k != "time_s"} for r in rows]


@pytest.fixture(scope="module")
def in_process():
    return hfx.scan([BKG, PATCHSET], values=SUBSET, upper_limit=True, threads=2)


def test_rows_in_grid_order_with_results(in_process):
    assert len(in_process) == 24
    names = [r["name"] for r in in_process]
    order = [p["metadata"]["name"] for p in load_json(PATCHSET)["patches"]]
    assert names == [n for n in order if n in set(names)]
    for r in in_process:
        assert r["status"] == "ok", r
        assert 0 <= r["CLs_obs"] <= 1
        assert len(r["CLs_exp"]) == 5
        assert set(r["values"]) == {"mn2", "mn1"}
        assert "obs" in r["upper_limit"]


def test_process_pool_gives_the_same_rows(in_process):
    with concurrent.futures.ProcessPoolExecutor(2) as ex:
        rows = hfx.scan([BKG, PATCHSET], values=SUBSET, upper_limit=True, executor=ex, chunksize=5)
    assert strip(rows) == strip(in_process)


def test_dask_local_cluster(in_process, tmp_path):
    distributed = pytest.importorskip("distributed", reason="Debian python3-distributed (scripts/install-deps.sh)")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster, distributed.Client(cluster) as client:
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # real worker processes
        out = tmp_path / "dask.jsonl"
        rows = hfx.scan([BKG, PATCHSET], values=SUBSET, upper_limit=True, executor=client.get_executor(), output=out)
    assert strip(rows) == strip(in_process)
    lines = out.read_text().splitlines()
    assert json.loads(lines[0])["hfx_scan"] == 1
    assert strip([json.loads(x) for x in lines[1:]]) == strip(in_process)  # rewritten in grid order at the end


def test_output_file_resumes(in_process, tmp_path):
    out = tmp_path / "r.jsonl"
    hfx.scan([BKG, PATCHSET], values=SUBSET, upper_limit=True, output=out)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:4]) + lines[4][:20])  # 3 rows kept, one cut off by a "kill"
    seen = []
    rows = hfx.scan([BKG, PATCHSET], values=SUBSET, upper_limit=True, output=out, progress=lambda d, t: seen.append(t))
    assert seen and seen[-1] == 24 - 3
    assert strip(rows) == strip(in_process)
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="holds results of another scan"):
        hfx.scan([BKG, PATCHSET], values=SUBSET, test_poi=2.0, output=out)


def test_documents_and_verification():
    ps = hfx.PatchSet(load_json(PATCHSET))
    rows = hfx.scan((load_json(BKG), ps), names=["ERJR_200p0_100p0"])
    assert [r["name"] for r in rows] == ["ERJR_200p0_100p0"]
    bkg_1l = load_json(REFERENCE / "1Lbb-simplified" / "published" / "simplified_BkgOnly.json")
    ps_1l = load_json(REFERENCE / "1Lbb-simplified" / "published" / "simplified_patchset.json")
    with pytest.raises(hfx.exceptions.PatchSetVerificationError):
        hfx.scan((bkg_1l, ps_1l), names=["C1N2_Wh_hbb_700_150"])
    with pytest.warns(UserWarning, match="2563672e1a165384faf49f1431e921d88c9c07ec10f150d5045576564f98f820"):
        rows = hfx.scan((bkg_1l, ps_1l), names=["C1N2_Wh_hbb_700_150"], verify=False)
    ref = load_json(REFERENCE / "1Lbb-simplified" / "reference.json")
    assert rows[0]["CLs_obs"] == pytest.approx(ref["hypotest_mu1"]["CLs_obs"], abs=1e-5)


def test_bad_arguments():
    with pytest.raises(TypeError, match="unexpected keyword"):
        hfx.scan([BKG, PATCHSET], uper_limit=True)
    with pytest.raises(hfx.exceptions.Unsupported, match="asymptotic calculator only"):
        hfx.scan([BKG, PATCHSET], calctype="toybased", upper_limit=True)
    with pytest.raises(hfx.exceptions.Unsupported, match="no label 'mass'"):
        hfx.scan([BKG, PATCHSET], values=["mass=100"])
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="whole number"):
        hfx.scan([BKG, PATCHSET], calctype="toybased", ntoys=-1)
    with pytest.raises(TypeError, match="executor"):
        hfx.scan([BKG, PATCHSET], executor=object())
