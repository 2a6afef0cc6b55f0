"""The reports' house style for charts: one palette, Dutch titles and axis labels with units, and only points that
pass disclosure control (every chart takes its points through `Ledger.points`)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from llo.disclosure import resting_on
from llo.reporting.publish import Ledger, number

PALETTE = ["#0b4f6c", "#e07a1f", "#4f9d69", "#b33951", "#7a6c9d", "#8a8d91"]
GOOD, BAD, NEUTRAL = "#4f9d69", "#b33951", "#8a8d91"

plt.rcParams.update({
    "figure.figsize": (8, 4.2), "figure.dpi": 100, "font.size": 10, "axes.titlesize": 12,
    "axes.titleweight": "bold", "axes.titlelocation": "left", "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#e4e7eb", "grid.linewidth": 0.8,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "legend.frameon": False,
})

thousands = FuncFormatter(lambda value, _: number(value))
millions = FuncFormatter(lambda value, _: number(value / 1e6, 1))


def _note_if_empty(ax, rows: pd.DataFrame) -> None:
    """A chart whose every point is suppressed says so (the figure and its number stay, for the references)."""
    if rows.empty:
        ax.text(0.5, 0.5, "Geen punten om te tonen: elk punt rust op minder deelnemers dan de onthullingsdrempel",
                transform=ax.transAxes, ha="center", va="center", fontsize=9, color=NEUTRAL, wrap=True)


def _show(fig) -> None:
    """Emit the figure as one PNG output (what Quarto and the built-in renderer turn into a captioned figure)."""
    from io import BytesIO

    from IPython.display import Image, display

    fig.tight_layout()
    # tight_layout leaves a placeholder layout engine, for which savefig lays the figure out once more before drawing
    # it (a third of the chart's time); the layout is done, so the figure goes without: the same pixels.
    fig.set_layout_engine(None)
    png = BytesIO()
    fig.savefig(png, format="png", dpi=fig.dpi)
    plt.close(fig)
    display(Image(png.getvalue()))


def kpi_progress(history: pd.DataFrame, ledger: Ledger, label: str, codes=("K1", "K3", "K5")) -> None:
    """Cumulative KPI counts per month against their targets."""
    rows = history[history["kpi"].isin(codes)].assign(n=lambda r: resting_on(r["value"], r["n_basis"]))
    rows = ledger.points(label, rows)
    fig, ax = plt.subplots()
    for colour, (code, kpi) in zip(PALETTE, rows.groupby("kpi", sort=False), strict=False):
        ax.plot(kpi["peildatum"], kpi["value"], marker="o", markersize=2.5, color=colour,
                label=f"{code} {kpi['label'].iloc[0]}")
        target = kpi["target"].dropna()
        if len(target):
            ax.axhline(float(target.iloc[-1]), color=colour, linestyle="--", linewidth=1)
    _note_if_empty(ax, rows)
    ax.set(title="Voortgang van de KPI's (cumulatief)", xlabel="Peildatum (einde maand)",
           ylabel="Aantal deelnemers")
    ax.yaxis.set_major_formatter(thousands)
    ax.legend(loc="upper left", fontsize=8)
    ax.text(1, -0.2, "Stippellijn: target", transform=ax.transAxes, ha="right", fontsize=8, color=NEUTRAL)
    _show(fig)


def share_of_target(rows: pd.DataFrame, ledger: Ledger, label: str, names: dict[str, str]) -> None:
    """One KPI per region as horizontal bars: the share of the part of the target due by the peildatum (pro rata to
    the months the region has been running), so regions that started at different times can be set side by side."""
    rows = ledger.points(label, rows.assign(n=resting_on(rows["value"], rows["n_basis"])))
    rows = rows.dropna(subset=["share_of_target_pro_rata"]).sort_values("share_of_target_pro_rata")
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(rows), 3) + 1.2))
    ax.barh([names.get(r, r) for r in rows["region"]], 100 * rows["share_of_target_pro_rata"], color=PALETTE[0])
    ax.axvline(100, color=NEUTRAL, linestyle="--", linewidth=1)
    _note_if_empty(ax, rows)
    ax.set(title=f"{rows['kpi'].iloc[0] if len(rows) else ''} behaald als deel van wat naar rato verwacht mocht worden",
           xlabel="Behaald deel van het target naar rato van de looptijd (%)", ylabel="")
    ax.grid(axis="y", visible=False)
    _show(fig)


def change_intervals(scores: pd.DataFrame, ledger: Ledger, label: str) -> None:
    """Mean paired change T0 -> T1 with its 95% confidence interval per score."""
    rows = ledger.points(label, scores.dropna(subset=["mean_change"]))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(rows), 3) + 1.2))
    y = np.arange(len(rows))
    for (low, mean, high), at in zip(rows[["ci_low", "mean_change", "ci_high"]].to_numpy(), y, strict=True):
        colour = GOOD if low > 0 else BAD if high < 0 else NEUTRAL  # interval above, below or around zero
        ax.plot([low, high], [at, at], color=colour, linewidth=2)
        ax.plot(mean, at, "o", color=colour)
    ax.axvline(0, color="#52606d", linewidth=1)
    _note_if_empty(ax, rows)
    ax.set_yticks(y, rows["label"])
    ax.set(title="Gemiddelde verandering van T0 naar T1, met 95%-betrouwbaarheidsinterval",
           xlabel="Verandering (schaalpunten; taal en rekenen in referentieniveaus)", ylabel="")
    ax.grid(axis="y", visible=False)
    _show(fig)


def work_situation(counts: pd.DataFrame, ledger: Ledger, label: str) -> None:
    """Participants per work situation at T0 and at T1 (those with a T1)."""
    rows = ledger.points(label, counts)
    fig, ax = plt.subplots()
    situations = list(dict.fromkeys(counts["situatie"]))
    x = np.arange(len(situations))
    for offset, (moment, colour) in zip((-0.2, 0.2), (("T0", PALETTE[5]), ("T1", PALETTE[0])), strict=True):
        part = rows[rows["moment"] == moment].set_index("situatie").reindex(situations)
        ax.bar(x + offset, part["aantal"].fillna(0), width=0.4, color=colour, label=moment)
    ax.set_xticks(x, situations)
    _note_if_empty(ax, rows)
    ax.set(title="Arbeidssituatie bij de nulmeting (T0) en de eenmeting (T1)", xlabel="",
           ylabel="Aantal deelnemers met een T1")
    ax.yaxis.set_major_formatter(thousands)
    ax.legend()
    _show(fig)


def tornado(sensitivity: pd.DataFrame, ledger: Ledger, label: str, names: dict[str, str], title: str,
            top: int = 10) -> None:
    """The saldo with each parameter at its low and high end, the widest swings on top (one variant's rows);
    `names`: each parameter's Dutch name."""
    ledger.figure(label)
    rows = sensitivity[(sensitivity["kind"] == "range") & (sensitivity["swing"] > 0)].nlargest(top, "swing")[::-1]
    base = float(sensitivity["npv_base"].iloc[0])
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(rows), 3) + 1.4))
    y = np.arange(len(rows))
    ax.barh(y, rows["npv_low"] - base, left=base, color=PALETTE[5], label="lage waarde")
    ax.barh(y, rows["npv_high"] - base, left=base, color=PALETTE[0], label="hoge waarde")
    ax.axvline(base, color="#1f2933", linewidth=1)
    ax.set_yticks(y, [names.get(p, p) for p in rows["parameter"]])
    ax.xaxis.set_major_formatter(millions)
    ax.set(xlabel="Saldo (netto contante waarde, mln euro)")
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")  # over the long parameter names too
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8)
    _show(fig)


def monte_carlo(summary: pd.DataFrame, ledger: Ledger, label: str, names: dict[str, str]) -> None:
    """The distribution of the saldo over the draws, as percentile bands around the point estimate: a band per
    row of `summary` (a variant), named by `names`."""
    ledger.figure(label)
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.9 * len(summary)))
    for y, (_, row) in enumerate(summary.iterrows()):
        p = {q: float(row[f"npv_p{q:02d}"]) for q in (5, 10, 25, 50, 75, 90, 95)}
        first = y == 0  # one legend entry per band
        ax.barh(y, p[95] - p[5], left=p[5], height=0.5, color="#d9e2ec", label="P5-P95" if first else None)
        ax.barh(y, p[90] - p[10], left=p[10], height=0.5, color="#9fb3c8", label="P10-P90" if first else None)
        ax.barh(y, p[75] - p[25], left=p[25], height=0.5, color=PALETTE[0], label="P25-P75" if first else None)
        ax.plot([p[50]] * 2, [y - 0.25, y + 0.25], color="white", linewidth=2, label="mediaan" if first else None)
        ax.plot(float(row["npv_deterministic"]), y, marker="D", color=PALETTE[1], linestyle="none",
                label="puntschatting" if first else None)
    ax.axvline(0, color=BAD, linewidth=1)
    ax.set_yticks(np.arange(len(summary)), [names.get(v, v) for v in summary["variant"]])
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(millions)
    ax.set(title=f"Onzekerheid van het saldo ({number(summary['draws'].iloc[0])} trekkingen)",
           xlabel="Saldo (netto contante waarde, mln euro)")
    ax.legend(ncol=5, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3 - 0.3 / len(summary)))
    _show(fig)
