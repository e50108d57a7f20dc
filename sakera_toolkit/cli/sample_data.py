"""``sakera sample-data``: small, deterministic CSV files for demos, notebooks and tests.

The files are built by a list of table builders (:data:`TABLES`). Each builder receives a
:class:`SampleContext` and returns a DataFrame; it draws randomness only from
``context.seed_for(name)``, a stream derived from the seed and the table's name, so adding a table
in a later version (``requests.csv``, survey answers ...) leaves the existing files unchanged. Add
one with :func:`register_table`.

The same seed gives byte-identical files (CSV with newline line ends, ISO dates, UTF-8).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SakeraInputError
from . import _args

DEFAULT_SEED = 42
DEFAULT_VILLAGES = 6
DEFAULT_PERSONS_PER_VILLAGE = 50


@dataclass
class SampleContext:
    """What table builders share: the seed, the sample villages and the tables built so far."""

    seed: int
    n_villages: int = DEFAULT_VILLAGES
    persons_per_village: int = DEFAULT_PERSONS_PER_VILLAGE
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    _villages: list[str] | None = None

    def seed_for(self, name: str) -> np.random.SeedSequence:
        """An independent seed stream for table ``name`` (stable when other tables are added)."""
        return np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode("utf-8")),))

    @property
    def villages(self) -> list[str]:
        """The sample villages: P. Mandangin plus villages of other kecamatan chosen by the seed."""
        if self._villages is None:
            from .. import calibration, registry

            vil = registry.villages()
            island = str(calibration.load("registry")["mandangin_code"])
            rng = np.random.default_rng(self.seed_for("villages"))
            others = [d for d in sorted(vil["district_code"].unique()) if d != island[:8]]
            n_other = min(max(self.n_villages - 1, 0), len(others))
            chosen = sorted(rng.choice(len(others), size=n_other, replace=False).tolist())
            codes = [island]
            for i in chosen:
                pool = vil.loc[vil["district_code"] == others[i], "village_code"].tolist()
                codes.append(pool[int(rng.integers(len(pool)))])
            self._villages = sorted(codes)
        return self._villages

    def population(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Synthetic households and persons of the sample villages (built once)."""
        if "_households" not in self.tables:
            from ..people.synthetic import generate_population

            hh, persons = generate_population(
                self.villages,
                persons={code: self.persons_per_village for code in self.villages},
                seed=self.seed_for("population"),
            )
            self.tables["_households"], self.tables["_persons"] = hh, persons
        return self.tables["_households"], self.tables["_persons"]


Builder = Callable[[SampleContext], pd.DataFrame]

#: Ordered (file name, builder) pairs written by ``sakera sample-data``.
TABLES: list[tuple[str, Builder]] = []


def register_table(filename: str, builder: Builder) -> None:
    """Add (or replace) a table written by ``sakera sample-data``."""
    for i, (name, _) in enumerate(TABLES):
        if name == filename:
            TABLES[i] = (filename, builder)
            return
    TABLES.append((filename, builder))


def _villages(ctx: SampleContext) -> pd.DataFrame:
    from ..registry import village_table

    df = village_table()
    df["in_sample"] = df["village_code"].isin(ctx.villages)
    return df


def _services(ctx: SampleContext) -> pd.DataFrame:
    from ..services import load_catalogue

    return load_catalogue().table()


def _households(ctx: SampleContext) -> pd.DataFrame:
    return ctx.population()[0]


def _persons(ctx: SampleContext) -> pd.DataFrame:
    return ctx.population()[1]


#: The synthetic request log: the engine's own trace for the sample villages (scenario, months).
REQUEST_LOG_SCENARIO = "all-2022"
REQUEST_LOG_DAYS = 120  # January-April 2022
CHANNEL_LABELS = {"desa": "desa", "office": "kantor", "mpp": "mpp", "kecamatan": "kecamatan"}


def _requests(ctx: SampleContext) -> pd.DataFrame:
    """A synthetic Dispendukcapil-style request log (``requests.csv``) for the sample villages.

    The requests are what the engine simulates for scenario :data:`REQUEST_LOG_SCENARIO` (one
    replication, seed from this table's stream), January-April 2022, in the sample villages: date,
    village, kecamatan, service (its Indonesian name, as an export shows it), channel, completion
    date (empty if not completed). The applicant columns (NIK, nama, alamat, no_hp) are synthetic
    people of the sample population, so ``sakera demand fit`` and ``sakera calibrate`` can show
    that they drop them.
    """
    from .. import scenarios
    from ..services import load_catalogue
    from ..sim import run

    params = scenarios.load(REQUEST_LOG_SCENARIO).to_flow_params()
    trace = run(params, seed=ctx.seed_for("requests"), replications=1).trace
    keep = trace["village_code"].astype(str).isin(ctx.villages).to_numpy() & (
        trace["arrival"].to_numpy() < REQUEST_LOG_DAYS
    )
    t = trace.loc[keep].sort_values(["arrival", "request_id"], kind="stable").reset_index(drop=True)
    start = pd.Timestamp(params.start_date)
    arrival = start + pd.to_timedelta(np.floor(t["arrival"].to_numpy()), unit="D")
    done = (t["outcome"].astype(str) == "completed").to_numpy()
    end = t["arrival"].to_numpy() + np.nan_to_num(t["turnaround_days"].to_numpy(dtype=float), nan=0.0)
    completed = (start + pd.to_timedelta(np.floor(end), unit="D")).strftime("%Y-%m-%d").to_numpy(dtype=object)
    completed[~done] = ""
    names = {sv.id: sv.name_id for sv in load_catalogue()}
    persons = ctx.population()[1]
    rng = np.random.default_rng(ctx.seed_for("requests-applicants"))
    pick = np.empty(len(t), dtype=np.int64)
    codes = t["village_code"].astype(str).to_numpy()
    for code in ctx.villages:
        rows = np.flatnonzero(persons["village_code"].to_numpy() == code)
        where = np.flatnonzero(codes == code)
        pick[where] = rows[rng.integers(len(rows), size=len(where))]
    applicant = persons.iloc[pick].reset_index(drop=True)
    phone = ["08" + "".join(map(str, d)) for d in rng.integers(0, 10, size=(len(t), 10))]
    vil = {c: n for c, n in zip(*_village_names(), strict=True)}
    return pd.DataFrame(
        {
            "no_permohonan": [f"SPG-2022-{i + 1:06d}" for i in range(len(t))],
            "tanggal": arrival.strftime("%Y-%m-%d"),
            "kode_desa": codes,
            "nama_desa": [vil[c] for c in codes],
            "kecamatan": t["district_code"].astype(str).to_numpy(),
            "layanan": [names[sid] for sid in t["service"].astype(str)],
            "kanal": [CHANNEL_LABELS[c] for c in t["channel"].astype(str)],
            "tanggal_selesai": completed,
            "nik": applicant["nik"].to_numpy(),
            "nama": applicant["name"].to_numpy(),
            "alamat": applicant["address"].to_numpy(),
            "no_hp": phone,
        }
    )


def _village_names() -> tuple[list[str], list[str]]:
    from ..registry import villages

    vil = villages()
    return vil["village_code"].tolist(), vil["village_name"].tolist()


register_table("villages.csv", _villages)
register_table("services.csv", _services)
register_table("households.csv", _households)
register_table("persons.csv", _persons)
register_table("requests.csv", _requests)


def _survey(ctx: SampleContext) -> pd.DataFrame:
    from ..evidence.projection import sample_survey  # synthetic SKM answers (issue 11)

    return sample_survey(ctx.seed_for("survey_skm.csv"))


register_table("survey_skm.csv", _survey)


def build_sample_tables(
    seed: int = DEFAULT_SEED,
    n_villages: int = DEFAULT_VILLAGES,
    persons_per_village: int = DEFAULT_PERSONS_PER_VILLAGE,
) -> dict[str, pd.DataFrame]:
    """Build every registered table; returns ``{file name: DataFrame}`` in :data:`TABLES` order."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SakeraInputError(f"seed {seed!r} must be a non-negative integer", location="--seed")
    if not 1 <= n_villages <= 15:
        raise SakeraInputError(
            f"{n_villages} villages: choose 1-15 (one per kecamatan plus P. Mandangin)", location="--villages"
        )
    if not 1 <= persons_per_village <= 100_000:
        raise SakeraInputError(
            f"{persons_per_village} persons per village: choose 1-100000", location="--persons-per-village"
        )
    ctx = SampleContext(seed=seed, n_villages=n_villages, persons_per_village=persons_per_village)
    return {name: builder(ctx) for name, builder in TABLES}


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` deterministically (UTF-8, newline line ends, ISO dates, no index)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        df.to_csv(fh, index=False, lineterminator="\n", date_format="%Y-%m-%d")


def write_sample_data(out: str | Path, seed: int = DEFAULT_SEED, **kwargs) -> list[Path]:
    """Build the sample tables and write them as CSV files into ``out`` (created if needed).

    All or none: every table is built and written into a temporary folder inside ``out`` first;
    only when all are written are they renamed into place (other files in ``out`` are kept).
    """
    import os
    import shutil
    import tempfile

    from .._io import made_folders

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise SakeraInputError("exists and is not a directory", source=str(folder), location="--out")
    tables = build_sample_tables(seed, **kwargs)
    try:
        with made_folders(folder):  # a full disk, a read-only folder: nothing written, folders made removed
            tmp = Path(tempfile.mkdtemp(prefix=".sample-data.", dir=folder))
            try:
                for name, df in tables.items():
                    write_csv(df, tmp / name)
                written = []
                for name in tables:
                    os.replace(tmp / name, folder / name)
                    written.append(folder / name)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise SakeraInputError(
            f"cannot write the sample files ({exc.strerror or exc}); nothing was written",
            source=str(folder),
            location="--out",
        ) from None
    return written


def register(sub) -> None:
    """Add ``sakera sample-data``."""
    p = sub.add_parser(
        "sample-data",
        help="write small deterministic sample CSVs (villages, services, synthetic households, persons, requests)",
        description="Write small deterministic CSV files: villages.csv (the 186 villages), services.csv "
        "(the service catalogue), households.csv and persons.csv (synthetic families in a few villages "
        "across kecamatan, always including P. Mandangin) and requests.csv (a synthetic request log of those "
        "villages, January-April 2022, simulated by the engine, with synthetic applicants). The same seed gives "
        "byte-identical files; every person is synthetic; the files are written all or none.",
    )
    p.add_argument("--seed", type=_args.seed, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument(
        "--out",
        metavar="DIR",
        type=_args.output_dir,
        default="sample_data",
        help="output directory (default: sample_data)",
    )
    p.add_argument(
        "--villages",
        type=_args.positive_int(186),
        default=DEFAULT_VILLAGES,
        help=f"number of sample villages (default {DEFAULT_VILLAGES})",
    )
    p.add_argument(
        "--persons-per-village",
        type=_args.positive_int(100_000),
        default=DEFAULT_PERSONS_PER_VILLAGE,
        help=f"synthetic persons per sample village (default {DEFAULT_PERSONS_PER_VILLAGE})",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the sample files and list them with their row counts."""
    written = write_sample_data(
        args.out, args.seed, n_villages=args.villages, persons_per_village=args.persons_per_village
    )
    for path in written:
        rows = sum(1 for _ in open(path, encoding="utf-8")) - 1
        print(f"{path}  ({rows} rows)")
    return 0
