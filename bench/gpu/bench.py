#!/usr/bin/env python3
"""Helpers of bench/gpu/run.sh (stdlib only, except compare-models).

    bench.py plan-env PLAN_JSON PIPELINE       train.env of the pipeline's train step, KEY=VALUE lines
    bench.py epochs METRICS_JSON TARGET_S MAX  epochs that make one training last about TARGET_S
    bench.py summary RUNS_DIR                  the table: medians, overhead ratio, device, determinism
    bench.py compare-models DIR...             whether the model.pt state dicts are equal (needs torch)

RUNS_DIR holds walls.tsv (kind, index, wall seconds, exit code), ctgit-N.json
(`ctgit run --format json` output) and direct-N/metrics.json.
"""
import json
import statistics
import sys
from pathlib import Path


def plan_env(plan_path, pipeline):
    plan = json.loads(Path(plan_path).read_text())
    for p in plan.get("pipelines", []):
        if p.get("name") != pipeline:
            continue
        for s in p.get("steps", []):
            if s.get("name") == "train":
                for k, v in sorted(s.get("parts", {}).get("env", {}).items()):
                    print("%s=%s" % (k, v))
                return 0
    print("no train step of pipeline %s in %s" % (pipeline, plan_path), file=sys.stderr)
    return 2


def epochs(metrics_path, target, cap):
    m = json.loads(Path(metrics_path).read_text())
    per = float(m["epoch_seconds"])
    n = int(round(float(target) / per)) if per > 0 else int(cap)
    print(max(1, min(int(cap), n)))
    return 0


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def summary(runs_dir):
    d = Path(runs_dir)
    walls = {"ctgit": [], "direct": []}
    rcs = {"ctgit": [], "direct": []}
    for line in (d / "walls.tsv").read_text().splitlines():
        kind, i, wall, rc = line.split("\t")
        walls[kind].append((int(i), float(wall)))
        rcs[kind].append(int(rc))
    rows = {"ctgit": [], "direct": []}
    for i, wall in walls["ctgit"]:
        runs = json.loads((d / ("ctgit-%d.json" % i)).read_text())["runs"]
        rec = runs[0]
        train = next((s for s in rec["steps"] if s["name"] == "train"), {})
        m = (rec.get("training") or {}).get("metrics") or {}
        rows["ctgit"].append({
            "wall": wall, "step": train.get("durationSeconds", float("nan")),
            "status": train.get("status", "?"), "outcome": rec.get("outcome", "?"), "metrics": m,
        })
    for i, wall in walls["direct"]:
        m = json.loads((d / ("direct-%d" % i) / "metrics.json").read_text())
        rows["direct"].append({"wall": wall, "step": wall, "status": "succeeded", "outcome": "-", "metrics": m})

    def med(kind, f):
        return median([f(r) for r in rows[kind]])

    print("%-7s %4s %10s %10s %12s %12s %9s" % ("how", "runs", "wall_s", "step_s", "train.py_s", "train_loop_s", "epochs"))
    for kind in ("ctgit", "direct"):
        print("%-7s %4d %10.3f %10.3f %12.3f %12.3f %9s" % (
            kind, len(rows[kind]), med(kind, lambda r: r["wall"]), med(kind, lambda r: r["step"]),
            med(kind, lambda r: r["metrics"].get("total_seconds", float("nan"))),
            med(kind, lambda r: r["metrics"].get("train_seconds", float("nan"))),
            ",".join(sorted({str(r["metrics"].get("epochs")) for r in rows[kind]}))))
    cw, dw = med("ctgit", lambda r: r["wall"]), med("direct", lambda r: r["wall"])
    own = med("ctgit", lambda r: r["wall"] - r["step"])
    print()
    print("overhead: ctgit run / python train.py wall = %.4f (%+.2f%%), %+.3f s" % (cw / dw, (cw / dw - 1) * 100, cw - dw))
    print("ctgit's own work per run (wall - train step: validate, drift, copies, artifact, record): %.3f s (median)" % own)
    print("wall_s: whole command; step_s: ctgit's train step as its run record says (direct: = wall);")
    print("train.py_s: train.py start to metrics written; train_loop_s: the epochs alone (both from metrics.json)")
    print()
    devs = sorted({(r["metrics"].get("device"), r["metrics"].get("device_name")) for k in rows for r in rows[k]})
    for dev, name in devs:
        print("device: %s: %s" % (dev, name))
    m0 = (rows["direct"] or rows["ctgit"])[0]["metrics"]
    print("torch %s, CUDA %s; %s rows (%s train), batch %s" % (
        m0.get("torch_version"), m0.get("cuda_version") or "-", m0.get("rows"), m0.get("train_rows"), m0.get("batch_size")))
    keys = ("auc", "accuracy", "loss")
    vals = {tuple(r["metrics"].get(k) for k in keys) for kind in rows for r in rows[kind]}
    print("metrics %s: %s in all %d runs%s" % (
        "/".join(keys), "identical" if len(vals) == 1 else "DIFFERENT",
        sum(len(v) for v in rows.values()), ": " + str(sorted(vals)) if vals else ""))
    for r in rows["ctgit"]:
        if r["outcome"] != "passed":
            print("note: a ctgit run ended %s (train step %s)" % (r["outcome"], r["status"]))
    bad = [k for k in rcs if any(rcs[k])]
    if any(r["metrics"].get("device") != "cuda" for k in rows for r in rows[k]):
        print("WARNING: not every run trained on CUDA")
        return 1
    return 1 if bad else 0


def compare_models(dirs):
    try:
        import torch
    except ImportError:
        print("models: not compared (no torch)")
        return 0
    sds = [torch.load(Path(p) / "model.pt", map_location="cpu", weights_only=True) for p in dirs]
    same = all(sd.keys() == sds[0].keys() and all(torch.equal(sd[k], sds[0][k]) for k in sd) for sd in sds[1:])
    import hashlib
    digests = {hashlib.sha256((Path(p) / "model.pt").read_bytes()).hexdigest() for p in dirs}
    print("models: state dicts of %d runs %s; model.pt files %s" % (
        len(sds), "bit-identical" if same else "DIFFER",
        "byte-identical" if len(digests) == 1 else "differ in bytes (%d digests)" % len(digests)))
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "plan-env":
        return plan_env(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == "epochs":
        return epochs(*argv[1:])
    if len(argv) == 2 and argv[0] == "summary":
        return summary(argv[1])
    if len(argv) >= 2 and argv[0] == "compare-models":
        return compare_models(argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
