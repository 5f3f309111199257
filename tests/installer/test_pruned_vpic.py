"""The pruned vPIC snapshot the build ships answers vin's queries exactly as the original does."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import prune_vpic
import pytest
from vin import database as vin_database

from app.vin import decode_vin, with_check_digit
from app.vin.vpic import _WMI_SQL
from tests.installer.release_builds import REPO

ORIGINAL = prune_vpic.source_snapshot()
# Real VINs from the decoder's own tests, and generated ones over common prefixes (check digit fixed).
VINS = [
    "1HGCM82633A004352",
    "KNDCE3LG2L5073161",
    "JH4KA7561PC008269",
    "5FNYF5H59HB011946",
    "1G4AH59H45G118341",
    "5YJ3E1EA7KF317000",
    "1M8GDM9AXKP042788",
    "WVWZZZ1JZXW000001",
    *(
        with_check_digit(f"{prefix}{n:06d}")
        for prefix in (
            "JTDKN3DU?A0",
            "1FTFW1ET?DF",
            "2T1BURHE?FC",
            "WBA3A5C5?CF",
            "1C4RJFAG?FC",
            "3VW2B7AJ?HM",
        )
        for n in (1, 424242)
    ),
]


@pytest.fixture(scope="module")
def pruned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("vpic") / "vehicle.db"
    prune_vpic.prune(ORIGINAL, target)
    return target


def _connect(path: Path, *, match_everything: bool) -> sqlite3.Connection:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    # With every pattern "matching", a query returns all of a WMI's patterns for the year, in its order:
    # the whole table is compared, not just the rows a handful of VINs happen to hit.
    connection.create_function("REGEXP", 2, lambda *_: True if match_everything else None)
    return connection


def _sample_wmis() -> list[str]:
    """Every 80th WMI and a few mid-sized ones of the VINs above. vin's join scans make_model for every
    pattern row, so running its queries over all 314,000 patterns would take minutes (Ford's and BMW's
    WMIs alone take seconds); ``verify_pruned`` (last test) compares the whole pattern table, and the
    decoding test runs the app's decoder on every VIN above."""
    with closing(_connect(ORIGINAL, match_everything=True)) as connection:
        codes = [code for (code,) in connection.execute("select code from wmi order by code")]
    return sorted(set(codes[::80]) | ({"KND", "JTD", "5YJ", "2T1", "JH4"} & set(codes)))


def test_pruned_copy_is_less_than_half_the_size(pruned: Path) -> None:
    assert pruned.stat().st_size < ORIGINAL.stat().st_size / 2


def test_every_query_vin_and_the_app_run_returns_the_same_rows(pruned: Path) -> None:
    queries = [
        (vin_database.DECODE_VIN_WITHOUT_MODEL_YEAR_SQL, lambda wmi: [(wmi, "x")]),
        (vin_database.DECODE_VIN_SQL, lambda wmi: [(wmi, year, "x") for year in (1995, 2016)]),
        (vin_database.GET_MAKE_FROM_WMI_SQL, lambda wmi: [(wmi,)]),
        (_WMI_SQL, lambda wmi: [(wmi,)]),
    ]
    wmis = _sample_wmis()
    assert len(wmis) > 12
    with (
        closing(_connect(ORIGINAL, match_everything=True)) as original,
        closing(_connect(pruned, match_everything=True)) as copy,
    ):
        compared = 0
        for sql, arguments in queries:
            for wmi in wmis:
                for args in arguments(wmi):
                    expected = original.execute(sql, args).fetchall()
                    assert copy.execute(sql, args).fetchall() == expected, (sql.split()[0:3], args)
                    compared += len(expected)
        for sql in (vin_database.GET_VPIC_VERSION_SQL, vin_database.GET_WMI_FOR_CARS_AND_LIGHT_TRUCKS):
            assert copy.execute(sql).fetchall() == original.execute(sql).fetchall()
    assert compared > 2_000


def test_the_app_decodes_vins_the_same_from_the_pruned_copy(pruned: Path, tmp_path: Path) -> None:
    """The frozen build's arrangement: the vin package with the pruned vehicle.db in place of its own."""
    package = tmp_path / "site" / "vin"
    shutil.copytree(ORIGINAL.parent, package, ignore=shutil.ignore_patterns("vehicle.db", "__pycache__"))
    shutil.copyfile(pruned, package / "vehicle.db")
    script = (
        "import dataclasses, json, sys\n"
        "import vin\n"
        f"assert vin.__file__.startswith({str(package)!r}), vin.__file__\n"
        "from app.vin import decode_vin\n"
        "print(json.dumps([dataclasses.asdict(decode_vin(v)) for v in sys.argv[1:]]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, *VINS],
        cwd=REPO,
        env={"PYTHONPATH": f"{package.parent}:{REPO}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    from_copy = json.loads(run.stdout)
    from_original = [json.loads(json.dumps(dataclasses.asdict(decode_vin(v)))) for v in VINS]
    assert from_copy == from_original
    assert sum(1 for d in from_copy if d["source"] == "vpic" and d["model"]) >= 10


def test_a_copy_that_differs_from_the_source_is_refused(pruned: Path, tmp_path: Path) -> None:
    altered = tmp_path / "vehicle.db"
    shutil.copyfile(pruned, altered)
    with closing(sqlite3.connect(altered)) as connection:
        connection.execute(
            "update pattern set model_id = model_id + 1 "
            "where id = (select min(id) from pattern where model_id is not null)"
        )
        connection.commit()
    with pytest.raises(prune_vpic.PruneError, match="pattern rows differ"):
        prune_vpic.verify_pruned(altered, ORIGINAL)
    prune_vpic.verify_pruned(pruned, ORIGINAL)  # the untouched copy passes
