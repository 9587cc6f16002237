"""The calibration report as a picture, for the integrator: each zone's accuracy before
and after on the check walk, and each gateway's fitted RSSI-vs-distance curve."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.presence.calibrate import Calibration


def plot(result: Calibration, path: Path) -> None:
    """A PNG: each zone's accuracy before/after on the check walk, and the fitted curves."""
    # imported here: matplotlib takes a while to load and only calibration draws
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    zones = sorted(set(result.before.engine.per_zone) | set(result.after.engine.per_zone))
    pos = np.arange(len(zones))
    before = [result.before.engine.per_zone.get(z, 0.0) * 100 for z in zones]
    after = [result.after.engine.per_zone.get(z, 0.0) * 100 for z in zones]
    ax1.bar(pos - 0.2, before, 0.4, label="before", color="#bbbbbb")
    ax1.bar(pos + 0.2, after, 0.4, label="after", color="#2a7ab0")
    ax1.set_xticks(pos, zones, rotation=30, ha="right")
    ax1.set_ylim(0, 100)
    ax1.set_ylabel("time in the right zone, % (check walk)")
    before_all, after_all = result.before.engine.zone_accuracy, result.after.engine.zone_accuracy
    ax1.set_title(f"zone accuracy {before_all:.0%} -> {after_all:.0%}")
    ax1.legend()
    d = np.linspace(1.0, 30.0, 100)
    colours = plt.get_cmap("tab10")
    for i, (name, gw) in enumerate(result.settings.gateways.items()):
        colour = colours(i % 10)
        dist = result.points.distance_m.get(name)
        if dist is not None and dist.size:
            take = np.random.default_rng(i).permutation(dist.size)[:400]
            ax2.scatter(dist[take], result.points.rssi[name][take], s=3, alpha=0.25, color=colour)
        ax2.plot(d, gw.ref_power_dbm - 10 * gw.exponent * np.log10(d), color=colour, label=name)
    ax2.plot(d, -59.0 - 30.0 * np.log10(d), "k--", label="default")
    ax2.set_xscale("log")
    ax2.set_xlabel("distance, m (estimated inside the true zone)")
    ax2.set_ylabel("RSSI, dBm")
    ax2.set_title("fitted RSSI vs distance per gateway")
    ax2.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
