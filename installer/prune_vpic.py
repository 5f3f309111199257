"""A smaller copy of the ``vin`` package's vPIC snapshot (vehicle.db, 31 MB) for the frozen build.

The app decodes VINs through ``vin.database`` (pinned 0.6.2), whose queries read every table of the
snapshot but only some of what is stored in ``pattern``:

* ``pattern.make_id`` is never read (the make comes through ``make_model``), so it is left out;
* ``created`` and ``updated`` are only sorted on (``coalesce(updated, created) desc``); their
  timestamp text (46 bytes a row) becomes the rank of that sort key, which sorts the same way;
* the lookup index ``(wmi, vds, from_year, to_year)`` serves only ``wmi = ?`` (``vds`` is matched by
  a regular expression, which no index helps); ``(wmi, id)`` is unique in this snapshot, so the table
  is stored clustered on it (``without rowid``) and needs no separate index;
* ``make`` keeps the makes that ``make_model`` or ``wmi`` refer to (the others are never joined).

Every other table is copied as it is. The copy is checked before it is used: the same pattern rows, the
same values in every column the queries read, and the same order under the queries' sort. The tests
compare what vin's own queries return from both databases.

    python installer/prune_vpic.py OUT.db          # prune the installed vin package's snapshot
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from importlib.resources import files
from pathlib import Path

# The pattern columns vin's queries read, and the sort they apply within one WMI.
PATTERN_COLUMNS = (
    "id",
    "wmi",
    "vds",
    "manufacturer_id",
    "model_id",
    "series_id",
    "trim_id",
    "body_class_id",
    "electrification_level_id",
    "from_year",
    "to_year",
)
QUERY_ORDER = "wmi, from_year desc, coalesce(updated, created) desc, id asc"
COPIED_AS_IS = (
    "wmi",
    "manufacturer",
    "make_model",
    "model",
    "series",
    "trim",
    "vehicle_type",
    "truck_type",
    "country",
    "body_class",
    "electrification_level",
    "vpic_version",
)


class PruneError(RuntimeError):
    """The pruned copy would not answer vin's queries as the original does."""


def source_snapshot() -> Path:
    return Path(str(files("vin").joinpath("vehicle.db")))


def _schema(source: sqlite3.Connection, table: str) -> str:
    row = source.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", (table,)
    ).fetchone()
    if row is None:
        raise PruneError(f"the vPIC snapshot has no table {table!r}; vin's schema changed")
    return str(row[0])


def _index_sql(source: sqlite3.Connection, table: str) -> list[str]:
    rows = source.execute(
        "select sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null", (table,)
    )
    return [str(sql) for (sql,) in rows]


def prune(source_path: Path, target: Path) -> None:
    """Write the pruned snapshot to ``target`` (replaced if it exists) and check it against the source."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    out = sqlite3.connect(partial.resolve().as_uri(), uri=True)
    try:
        out.execute("pragma page_size = 4096")
        out.execute("attach database ? as src", (f"{source_path.resolve().as_uri()}?immutable=1",))
        source = sqlite3.connect(f"{source_path.resolve().as_uri()}?immutable=1", uri=True)
        with source:
            for table in COPIED_AS_IS:
                out.execute(_schema(source, table))
                out.execute(f"insert into main.{table} select * from src.{table}")
                for index in _index_sql(source, table):
                    out.execute(index)
            out.execute(_schema(source, "make"))
            out.execute(
                "insert into main.make select * from src.make where id in "
                "(select make_id from src.make_model union select make_id from src.wmi)"
            )
        source.close()
        columns = ",\n    ".join(
            f"{name} {'text' if name in ('wmi', 'vds') else 'integer'}"
            + (" not null" if name in ("id", "wmi", "vds", "manufacturer_id", "from_year", "to_year") else "")
            for name in PATTERN_COLUMNS
        )
        out.execute(
            f"create table pattern (\n    {columns},\n    created integer,\n    updated integer,\n"
            "    primary key (wmi, id)\n) without rowid"
        )
        listed = ", ".join(PATTERN_COLUMNS)
        # The rank replaces the timestamp text. A snapshot that repeats (wmi, id) stops the build here.
        out.execute(
            f"""insert into main.pattern ({listed}, created, updated)
            select {listed}, dense_rank() over (order by coalesce(updated, created)), null
            from src.pattern order by wmi, id"""
        )
        out.commit()
        _check(out)
        out.execute("detach database src")
        out.execute("vacuum")
    finally:
        out.close()
    partial.replace(target)


def verify_pruned(pruned: Path, source: Path) -> None:
    """Raise :class:`PruneError` unless ``pruned`` answers vin's queries as ``source`` does."""
    connection = sqlite3.connect(f"{pruned.resolve().as_uri()}?mode=ro", uri=True)
    try:
        connection.execute("attach database ? as src", (f"{source.resolve().as_uri()}?immutable=1",))
        _check(connection)
    finally:
        connection.close()


def _check(out: sqlite3.Connection) -> None:
    """Same rows, same values where the queries read them, same order under the queries' sort.

    ``out`` has the source attached as ``src``; every comparison runs inside SQLite."""
    listed = ", ".join(PATTERN_COLUMNS)
    (pruned_rows, source_rows) = out.execute(
        "select (select count(*) from main.pattern), (select count(*) from src.pattern)"
    ).fetchone()
    if pruned_rows != source_rows:
        raise PruneError(f"pattern has {pruned_rows} rows, the source {source_rows}")
    for table, columns in [*((table, "*") for table in COPIED_AS_IS), ("pattern", listed)]:
        (differs,) = out.execute(
            f"select exists (select {columns} from main.{table} except select {columns} from src.{table}) "
            f"or exists (select {columns} from src.{table} except select {columns} from main.{table})"
        ).fetchone()
        if differs:
            raise PruneError(f"{table} rows differ from the source")
    # The sort key: the rank must stand for exactly one timestamp and rise with it.
    (misordered,) = out.execute(
        """with pairs as (
            select distinct coalesce(s.updated, s.created) as stamp, coalesce(m.updated, m.created) as rank
            from src.pattern s join main.pattern m using (wmi, id)
        ), ordered as (
            select row_number() over (order by stamp) as by_stamp,
                   row_number() over (order by rank) as by_rank,
                   count(*) over (partition by stamp) as ranks_per_stamp,
                   count(*) over (partition by rank) as stamps_per_rank
            from pairs
        )
        select count(*) from ordered
        where by_stamp != by_rank or ranks_per_stamp != 1 or stamps_per_rank != 1"""
    ).fetchone()
    if misordered:
        raise PruneError(f"pattern order differs from the source ({misordered} sort keys)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="where to write the pruned vehicle.db")
    parser.add_argument("--source", type=Path, default=None, help="snapshot to prune (default: vin's)")
    args = parser.parse_args(argv)
    source = args.source or source_snapshot()
    prune(source, args.target)
    before, after = source.stat().st_size, args.target.stat().st_size
    print(f"vPIC snapshot: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB ({args.target})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
