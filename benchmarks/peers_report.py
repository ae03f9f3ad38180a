"""The published peer comparison: plots and the docs page's tables, made from bench_peers.py's JSON.

    uv run --no-sync python benchmarks/peers_report.py                       # from the last run
    uv run --no-sync python benchmarks/peers_report.py --json path/to.json   # from another run

``bench_peers.py`` calls :func:`write_report` at the end of every full run, and
``bench_peers.py --from-json PATH`` does what this script does. The report:

* copies the run's JSON to ``docs/img/benchmarks/peers.json`` (the data behind the page);
* draws ``docs/img/benchmarks/peers-*.png`` with matplotlib;
* rewrites the generated parts of ``docs/benchmarks.md``, between ``<!-- peers:NAME:start -->`` and
  ``<!-- peers:NAME:end -->`` markers: the results table and the run's machine, versions and noise.

Only the standard library is imported at the top: bench_peers.py imports this module after a run, in
an interpreter that has matplotlib (the repository's), and never in its worker interpreters.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGE = ROOT / "docs" / "benchmarks.md"
IMAGES = ROOT / "docs" / "img" / "benchmarks"
DEFAULT_JSON = HERE / "results" / "peers-latest.json"

THIS = "pydynox (this repo)"
LIBRARIES = (THIS, "pydynox 1.8.0", "boto3", "PynamoDB", "aioboto3")
COLORS = {
    THIS: "#d9480f",
    "pydynox 1.8.0": "#f59f00",
    "boto3": "#1c7ed6",
    "PynamoDB": "#2f9e44",
    "aioboto3": "#7048e8",
}
WORKLOADS = ("query", "batch write", "concurrent gets")


def _title(workload: str, payload: dict[str, Any]) -> str:
    items = payload["dataset"]["items"]
    if workload == "query":
        return f"query of {items} items"
    if workload == "batch write":
        return f"batch write of {items} items"
    return f"{payload['gets']} gets, {payload['in_flight']} in flight"


def _library(label: str) -> str:
    return "pydynox" if label == THIS else label


def _path(path: str) -> str:
    """``Model.sync_query -> models`` as ``` `Model.sync_query` → models ```."""
    call, _, result = path.partition(" -> ")
    return f"`{call}`" + (f" → {result}" if result else "")


def _results(payload: dict[str, Any], workload: str) -> list[dict[str, Any]]:
    rows = [r for r in payload["results"] if r["workload"] == workload]
    order = {label: i for i, label in enumerate(LIBRARIES)}
    return sorted(rows, key=lambda r: order.get(r["library"], len(order)))


def _cpu(row: dict[str, Any], payload: dict[str, Any]) -> tuple[float, str]:
    """The figure plotted for a row, and its unit."""
    if row["workload"] == "query":
        return row["cpu_ms_median"] * 1000 / payload["dataset"]["items"], "µs CPU per item"
    return row["cpu_ms_median"], "ms CPU"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cpu_cell(row: dict[str, Any], payload: dict[str, Any]) -> str:
    if row["workload"] == "query":
        per_item = row["cpu_ms_median"] * 1000 / payload["dataset"]["items"]
        return f"{_number(per_item)} µs/item"
    if row["workload"] == "batch write":
        return f"{_number(row['cpu_ms_median'])} ms"
    return f"{_number(row['cpu_ms_median'])} ms ({row['wall_ms_median'] / 1000:.1f} s wall)"


def _range_cell(row: dict[str, Any], payload: dict[str, Any]) -> str:
    scale = 1000 / payload["dataset"]["items"] if row["workload"] == "query" else 1.0
    return f"{_number(row['cpu_ms_min'] * scale)} to {_number(row['cpu_ms_max'] * scale)}"


def results_table(payload: dict[str, Any]) -> str:
    lines = [
        "| Workload | Library | Path | Client CPU (median) | min to max | vs boto3 |",
        "|---|---|---|---:|---:|---:|",
    ]
    for workload in WORKLOADS:
        for i, row in enumerate(_results(payload, workload)):
            ours = row["library"] == THIS
            library = f"**{_library(row['library'])}**" if ours else row["library"]
            cpu = _cpu_cell(row, payload)
            vs = "—" if row["vs_boto3"] is None else f"{row['vs_boto3']:.2f}x"
            lines.append(
                f"| {_title(workload, payload) if i == 0 else ''} | {library} | {_path(row['path'])} "
                f"| {f'**{cpu}**' if ours else cpu} | {_range_cell(row, payload)} | {vs} |"
            )
    return "\n".join(lines)


def _spread(row: dict[str, Any]) -> float:
    """(max - min) / median of a row's samples."""
    return (row["cpu_ms_max"] - row["cpu_ms_min"]) / row["cpu_ms_median"]


def run_details(payload: dict[str, Any]) -> str:
    machine = payload["machine"]
    cpu = f"{machine['cpu_count']} CPUs"
    if machine.get("cpu_model"):
        cpu += f" ({machine['cpu_model']})"
    memory = f", {machine['memory_gib']:.0f} GiB" if machine.get("memory_gib") else ""
    workers = payload["workers"]
    pythons = sorted({w["python"] for w in workers.values()})
    versions = []
    for label in LIBRARIES:
        worker = workers.get(label)
        if worker is None:
            continue
        key = {"boto3": "boto3", "PynamoDB": "pynamodb", "aioboto3": "aioboto3"}.get(label, "pydynox")
        name = "this repository's pydynox" if label == THIS else label.split(" ")[0]
        versions.append(f"{name} {worker['versions'].get(key)}")
    botocore = sorted(
        {
            w["versions"]["botocore"]
            for label, w in workers.items()
            if label in ("boto3", "PynamoDB", "aioboto3")
        }
    )
    if botocore:
        versions[-1] += f" (boto3, PynamoDB and aioboto3 on botocore {', '.join(botocore)})"
    dataset = payload["dataset"]
    spreads = sorted(_spread(r) for r in payload["results"])
    widest = max(payload["results"], key=_spread)
    skipped = "".join(f"\n- Skipped: {note}" for note in payload.get("skipped", []))
    server = (
        "moto's server"
        if payload.get("server") == "moto"
        else "`pydynox local` (one runtime thread; the same build as this repository's client)"
    )
    build = payload.get("pydynox_build", "the development build (release profile, no LTO)")
    return "\n".join(
        [
            f"- Run: {payload['generated_at'][:10]}, `{payload['command']}`, {payload['elapsed_s'] / 60:.0f} "
            f"minutes; {payload['rounds']} rounds, each worker {payload['reps_per_round']} repetitions per "
            f"path of the query and the batch write and {payload['conc_reps_per_round']} bursts of gets per "
            f"round: {payload['rounds'] * payload['reps_per_round']} samples per query and batch row, "
            f"{payload['rounds'] * payload['conc_reps_per_round']} per gets row.",
            f"- Machine: {cpu}{memory}, {machine['platform']}; CPython {', '.join(pythons)}; {server} on "
            "the same machine, in its own process.",
            f"- This repository's pydynox: {build}.",
            f"- Versions: {'; '.join(versions)}.",
            f"- Data: {dataset['items']} items of {dataset['item_size_bytes_max']} bytes by DynamoDB's "
            f"accounting ({dataset['item_typed_json_bytes']} bytes of typed JSON each), "
            f"{len(dataset['item_attributes'])} attributes; the query is {dataset['query_pages']} page.",
            f"- Noise: the spread of a row's samples, (max - min) / median, is "
            f"{statistics.median(spreads):.0%} for the median row and {_spread(widest):.0%} at most "
            f"({widest['library']}, {widest['workload']}, `{widest['path']}`).",
            f"- Checked: {sum(len(p) for p in payload['batch_partition_counts'].values())} batch-written "
            f"partitions counted afterwards, {len(payload['failures'])} failures.{skipped}",
        ]
    )


def replace_between_markers(text: str, name: str, content: str) -> str:
    pattern = re.compile(
        rf"(<!-- peers:{re.escape(name)}:start -->\n).*?(<!-- peers:{re.escape(name)}:end -->)", re.S
    )
    if not pattern.search(text):
        raise ValueError(f"docs/benchmarks.md has no <!-- peers:{name}:start/end --> markers")
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text, count=1)


def update_page(payload: dict[str, Any], page: Path = PAGE) -> None:
    text = page.read_text()
    text = replace_between_markers(text, "table", results_table(payload))
    text = replace_between_markers(text, "run", run_details(payload))
    page.write_text(text)


def plot(payload: dict[str, Any], out_dir: Path = IMAGES) -> list[Path]:
    """One horizontal bar chart per workload (medians, with whiskers from min to max), and a summary of the
    CPU relative to boto3."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    names = {
        "query": "peers-query.png",
        "batch write": "peers-batch-write.png",
        "concurrent gets": "peers-gets.png",
    }
    for workload in WORKLOADS:
        rows = _results(payload, workload)
        if not rows:
            continue
        labels = [f"{_library(r['library'])}\n{r['path']}" for r in rows]
        values, lows, highs = [], [], []
        unit = ""
        for r in rows:
            value, unit = _cpu(r, payload)
            scale = value / r["cpu_ms_median"]
            values.append(value)
            lows.append(value - r["cpu_ms_min"] * scale)
            highs.append(r["cpu_ms_max"] * scale - value)
        fig, ax = plt.subplots(figsize=(9, 0.62 * len(rows) + 1.4), dpi=110)
        positions = list(range(len(rows)))[::-1]
        ax.barh(
            positions, values, xerr=[lows, highs], color=[COLORS.get(r["library"], "#868e96") for r in rows],
            error_kw={"ecolor": "#343a40", "capsize": 3, "linewidth": 1},
        )  # fmt: skip
        ax.set_yticks(positions, labels, fontsize=8)
        ax.set_xlabel(
            f"{unit} (median of {rows[0]['samples']} samples; whiskers: min to max); lower is better"
        )
        ax.set_title(f"{_title(workload, payload)}: client CPU", loc="left", fontsize=11)
        for y, value, high in zip(positions, values, highs, strict=True):
            # Past the whisker, so the two never overlap.
            ax.text(value + high, y, f"  {_number(value)}", va="center", ha="left", fontsize=8)
        ax.set_xlim(0, max(v + h for v, h in zip(values, highs, strict=True)) * 1.18)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        path = out_dir / names[workload]
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    written.append(_plot_relative(payload, out_dir, plt))
    return written


def _plot_relative(payload: dict[str, Any], out_dir: Path, plt: Any) -> Path:
    """Per workload and library, the best path's CPU as a multiple of boto3's."""
    libraries = [label for label in LIBRARIES if any(r["library"] == label for r in payload["results"])]
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=110)
    width = 0.8 / max(len(libraries), 1)
    for i, label in enumerate(libraries):
        ratios = []
        for workload in WORKLOADS:
            rows = [r for r in payload["results"] if r["workload"] == workload and r["library"] == label]
            ratios.append(min(r["vs_boto3"] for r in rows) if rows and rows[0]["vs_boto3"] is not None else 0)
        xs = [w + (i - (len(libraries) - 1) / 2) * width for w in range(len(WORKLOADS))]
        bars = ax.bar(xs, ratios, width * 0.95, label=_library(label), color=COLORS.get(label, "#868e96"))
        for bar, ratio in zip(bars, ratios, strict=True):
            if ratio:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    ratio,
                    f"{ratio:.2f}",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
    ax.axhline(1.0, color="#343a40", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(WORKLOADS)), [_title(w, payload) for w in WORKLOADS], fontsize=9)
    ax.set_ylabel("client CPU relative to boto3 (lower is better)", fontsize=9)
    ax.set_title("Client CPU relative to boto3 (each library's fastest path)", loc="left", fontsize=11)
    ax.legend(fontsize=8, ncols=len(libraries), loc="upper left", frameon=False)
    ax.set_ylim(0, max(1.3, max(r["vs_boto3"] or 0 for r in payload["results"]) * 1.25))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    path = out_dir / "peers-relative.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(json_path: Path, page: Path = PAGE, out_dir: Path = IMAGES) -> list[Path]:
    """Plots, the page's generated parts and the data copy, all from one run's JSON."""
    payload = json.loads(json_path.read_text())
    missing = [w for w in WORKLOADS if not _results(payload, w)]
    if missing:
        raise ValueError(f"{json_path}: no results for {missing}; a partial run is not published")
    if payload["failures"]:
        raise ValueError(f"{json_path}: the run failed its checks ({payload['failures']}); not published")
    written = plot(payload, out_dir)
    update_page(payload, page)
    data = out_dir / "peers.json"
    if json_path.resolve() != data.resolve():
        shutil.copyfile(json_path, data)
    return [*written, data, page]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="a bench_peers.py result (%(default)s)"
    )
    args = parser.parse_args(argv)
    for path in write_report(args.json):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
