"""Draws the soak benchmark (loadgen soak's CSV) as one PNG: server RSS and request latency (p50, p99) over time,
with a least-squares trend line for RSS and p99 and their slopes per 10 minutes in the legend.

Usage: python plot-soak.py SOAK.csv OUT.png [TITLE]
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0, my
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var
    return b, my - b * mx


def main():
    path, out = sys.argv[1], sys.argv[2]
    title = sys.argv[3] if len(sys.argv) > 3 else "stixhub soak"
    rows = list(csv.DictReader(open(path)))
    t = [float(r["elapsed_s"]) / 60 for r in rows]
    rss = [float(r["rss_mib"]) for r in rows]
    p50 = [float(r["p50_ms"]) for r in rows]
    p99 = [float(r["p99_ms"]) for r in rows]
    rps = [float(r["requests_per_s"]) for r in rows]
    shed = sum(int(r.get("shed", r.get("errors", 0))) for r in rows)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    b, a = slope(t, rss)
    ax1.plot(t, rss, "o-", ms=3, label="RSS")
    ax1.plot(t, [a + b * x for x in t], "--", label=f"trend {b * 10:+.1f} MiB / 10 min")
    ax1.set_ylabel("server RSS (MiB)")
    ax1.set_ylim(bottom=0)
    ax1.legend(loc="lower right")
    ax1.set_title(f"{title}: {sum(rps) / len(rps):.0f} req/s answered 2xx (mean), {shed} shed (503)")
    b, a = slope(t, p99)
    ax2.plot(t, p50, "o-", ms=3, label="p50")
    ax2.plot(t, p99, "o-", ms=3, label="p99")
    ax2.plot(t, [a + b * x for x in t], "--", label=f"p99 trend {b * 10:+.2f} ms / 10 min")
    ax2.set_ylabel("latency per 10 s window (ms)")
    ax2.set_xlabel("minutes")
    ax2.set_ylim(bottom=0)
    ax2.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
