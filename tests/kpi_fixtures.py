"""Hand-built measurements and catalogues in the warehouse's shape, for trajectory and KPI tests."""

from __future__ import annotations

import pandas as pd

from checks.contract import Measurement

BASE = {"trajectcode": "TW-1", "geboortejaar": 1980, "doelgroep": "laaggeletterd", "taalniveau": "1F",
        "rekenniveau": "1F", "digitale_vaardigheden": 2, "leefgebied_financien": 3, "leefgebied_huisvesting": 3,
        "leefgebied_gezondheid": 3, "leefgebied_sociaal_netwerk": 3,
        "leefgebied_maatschappelijke_participatie": 3, "leefgebied_dagbesteding": 3, "participatieladder": 2,
        "arbeidssituatie": "geen werk", "uren_per_week": None, "uitkering": "bijstand", "bruto_uurloon": None,
        "opleiding": "geen", "bewijs_civiel_effect": False, "startkwalificatie": False, "match_werkgever": False}


def row(pid: str, moment: str, date: str, start: str = "2024-01-15", region: str = "twente", **values) -> dict:
    return {**BASE, "deelnemer_id": pid, "regio": region, "meetmoment": moment, "meetdatum": pd.Timestamp(date),
            "startdatum_traject": pd.Timestamp(start), **values}


def participant(pid: str, t1_date: str | None = None, *, start: str = "2024-01-15", region: str = "twente",
                t0: dict | None = None, t1: dict | None = None) -> list[dict]:
    """A T0 on the start date and, when given, a T1 on t1_date (T1 values default to the T0's)."""
    rows = [row(pid, "T0", start, start, region, **(t0 or {}))]
    if t1_date:
        rows.append(row(pid, "T1", t1_date, start, region, **{**(t0 or {}), **(t1 or {})}))
    return rows


def measurements(*participants: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([r for rows in participants for r in rows])
    dtypes = {name: str(col.dtype) for name, col in Measurement.to_schema().columns.items()
              if str(col.dtype) not in ("str", "datetime64[ns]")}
    return frame[list(Measurement.to_schema().columns)].astype(dtypes)


def catalogue(region: str = "twente", codes: tuple[str, ...] = ("TW-1",), start: str = "2023-01-01") -> pd.DataFrame:
    return pd.DataFrame({"regio": region, "trajectcode": list(codes), "naam": "Traject", "type": "taal",
                         "startdatum": pd.Timestamp(start), "kosten_per_deelnemer": 1500.0})
