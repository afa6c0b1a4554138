#!/usr/bin/env python3
"""Helpers of bench/gpu/run.sh (stdlib only, except compare-models).

    bench.py plan-env PLAN_JSON PIPELINE [STEP]  the env of the pipeline's step (default train), KEY=VALUE lines
    bench.py graph-check PLAN_JSON PIPELINE      whether the plan's graph is the one run.sh runs by hand
    bench.py epochs METRICS_JSON TARGET_S MAX    epochs that make one training last about TARGET_S
    bench.py summary RUNS_DIR                    the table: medians, overhead ratio, device, determinism
    bench.py compare-models DIR...               whether the model.pt state dicts are equal (needs torch)

RUNS_DIR holds walls.tsv (kind, index, wall seconds, exit code), ctgit-N.json
(`ctgit run --format json` output), and for the runs by hand direct-N/ (train's
outputs: metrics.json, model/), direct-N-steps.tsv (step, seconds of its
python3 command) and direct-N-robustness.json (that step's metrics).
"""
import json
import statistics
import sys
from pathlib import Path

# The steps run.sh runs by hand, in order (export and robustness side by side).
STEPS = ("prepare", "train", "export", "robustness")

# The data edges of examples/pytorch-gpu's graph that run.sh's direct_run
# wires by hand: (from, to, input, source).
EDGES = {
    ("prepare", "train", "features", "prepare.table"),
    ("prepare", "train", "encoding", "prepare.encoding"),
    ("train", "export", "model", "train.model"),
    ("train", "robustness", "model", "train.model"),
    ("prepare", "robustness", "features", "prepare.table"),
}


def find_pipeline(plan_path, pipeline):
    plan = json.loads(Path(plan_path).read_text())
    return next((p for p in plan.get("pipelines", []) if p.get("name") == pipeline), None)


def plan_env(plan_path, pipeline, step="train"):
    p = find_pipeline(plan_path, pipeline) or {}
    for s in p.get("steps", []):
        if s.get("name") == step:
            for k, v in sorted(s.get("parts", {}).get("env", {}).items()):
                print("%s=%s" % (k, v))
            return 0
    print("no step %s in pipeline %s of %s" % (step, pipeline, plan_path), file=sys.stderr)
    return 2


def graph_check(plan_path, pipeline):
    p = find_pipeline(plan_path, pipeline)
    if p is None:
        print("no pipeline %s in %s" % (pipeline, plan_path), file=sys.stderr)
        return 2
    prefix = pipeline + "/"
    user = sorted(s["name"] for s in p.get("steps", []) if s.get("user"))
    got = {(e["from"].removeprefix(prefix), e["to"].removeprefix(prefix), e.get("input"), e.get("source"))
           for e in p.get("edges", []) if e.get("kind") == "data"}
    ok = True
    if user != sorted(set(STEPS) - {"train"}):
        print("steps of its own: %s; run.sh runs %s" % (user, sorted(set(STEPS) - {"train"})), file=sys.stderr)
        ok = False
    for e in sorted(got - EDGES):
        print("plan has data edge %s → %s (input %s = %s), which run.sh does not wire" % e, file=sys.stderr)
        ok = False
    for e in sorted(EDGES - got):
        print("run.sh wires %s → %s (input %s = %s), which the plan does not have" % e, file=sys.stderr)
        ok = False
    return 0 if ok else 1


def epochs(metrics_path, target, cap):
    m = json.loads(Path(metrics_path).read_text())
    per = float(m["epoch_seconds"])
    n = int(round(float(target) / per)) if per > 0 else int(cap)
    print(max(1, min(int(cap), n)))
    return 0


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def graph_seconds(steps):
    """The steps' time on the graph's path: prepare, train, then the longer of
    export and robustness, which run side by side."""
    return steps.get("prepare", 0) + steps.get("train", 0) + max(steps.get("export", 0), steps.get("robustness", 0))


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
        rec = json.loads((d / ("ctgit-%d.json" % i)).read_text())["runs"][0]
        by = {s["name"]: s for s in rec["steps"]}
        rows["ctgit"].append({
            "wall": wall, "steps": {n: by.get(n, {}).get("durationSeconds", float("nan")) for n in STEPS},
            "status": {n: by.get(n, {}).get("status", "?") for n in STEPS}, "outcome": rec.get("outcome", "?"),
            "metrics": (rec.get("training") or {}).get("metrics") or {},
            "robustness": by.get("robustness", {}).get("metrics") or {},
        })
    for i, wall in walls["direct"]:
        steps = {}
        for line in (d / ("direct-%d-steps.tsv" % i)).read_text().splitlines():
            name, secs = line.split("\t")
            steps[name] = float(secs)
        rows["direct"].append({
            "wall": wall, "steps": steps, "status": {n: "succeeded" for n in STEPS}, "outcome": "-",
            "metrics": json.loads((d / ("direct-%d" % i) / "metrics.json").read_text()),
            "robustness": json.loads((d / ("direct-%d-robustness.json" % i)).read_text()),
        })

    def med(kind, f):
        return median([f(r) for r in rows[kind]])

    print("%-7s %4s %9s %9s %9s %9s %9s %11s %12s %7s" % (
        "how", "runs", "wall_s", "prepare_s", "train_s", "export_s", "robust_s", "train.py_s", "train_loop_s", "epochs"))
    for kind in ("ctgit", "direct"):
        print("%-7s %4d %9.3f %9.3f %9.3f %9.3f %9.3f %11.3f %12.3f %7s" % (
            kind, len(rows[kind]), med(kind, lambda r: r["wall"]),
            *(med(kind, lambda r, n=n: r["steps"].get(n, float("nan"))) for n in STEPS),
            med(kind, lambda r: r["metrics"].get("total_seconds", float("nan"))),
            med(kind, lambda r: r["metrics"].get("train_seconds", float("nan"))),
            ",".join(sorted({str(r["metrics"].get("epochs")) for r in rows[kind]}))))
    cw, dw = med("ctgit", lambda r: r["wall"]), med("direct", lambda r: r["wall"])
    own = {k: med(k, lambda r: r["wall"] - graph_seconds(r["steps"])) for k in rows}
    print()
    print("overhead: ctgit run / the graph by hand, wall = %.4f (%+.2f%%), %+.3f s" % (cw / dw, (cw / dw - 1) * 100, cw - dw))
    print("outside the steps per run (wall - prepare - train - max(export, robustness)), median: "
          "ctgit %.3f s (validate, drift, evaluate, the cache, the record), by hand %.3f s (copies)" % (own["ctgit"], own["direct"]))
    print("wall_s: whole command; *_s of a step: ctgit's run record (the attempt, its inputs handed in) or,")
    print("by hand, the python3 command alone; export and robustness run side by side on both;")
    print("train.py_s: train.py start to metrics written; train_loop_s: the epochs alone (both from metrics.json)")
    print()
    devs = sorted({(r["metrics"].get("device"), r["metrics"].get("device_name")) for k in rows for r in rows[k]})
    for dev, name in devs:
        print("device: %s: %s" % (dev, name))
    m0 = (rows["direct"] or rows["ctgit"])[0]["metrics"]
    print("torch %s, CUDA %s; %s training rows, %s test rows, batch %s" % (
        m0.get("torch_version"), m0.get("cuda_version") or "-", m0.get("train_rows"), m0.get("test_rows"),
        m0.get("batch_size")))
    keys = ("auc", "accuracy", "loss")
    vals = {tuple(r["metrics"].get(k) for k in keys) + (r["robustness"].get("auc"),) for kind in rows for r in rows[kind]}
    print("metrics %s, robustness.auc: %s in all %d runs%s" % (
        "/".join(keys), "identical" if len(vals) == 1 else "DIFFERENT",
        sum(len(v) for v in rows.values()), ": " + str(sorted(vals, key=str)) if vals else ""))
    for r in rows["ctgit"]:
        if r["outcome"] != "passed":
            print("note: a ctgit run ended %s (%s)" % (
                r["outcome"], ", ".join("%s %s" % (n, r["status"][n]) for n in STEPS)))
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
    if len(argv) in (3, 4) and argv[0] == "plan-env":
        return plan_env(*argv[1:])
    if len(argv) == 3 and argv[0] == "graph-check":
        return graph_check(argv[1], argv[2])
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
