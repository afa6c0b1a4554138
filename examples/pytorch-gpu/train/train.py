#!/usr/bin/env python3
"""Train the churn model: a small tabular MLP in PyTorch, on CUDA when there is one.

ctgit runs this as the train step of the churn graph, after the prepare step
built the features. Every executor sets the same CTGIT_* environment, so the
script runs unchanged on a laptop, on a self-hosted GPU runner and in a
Dagger container:

    CTGIT_INPUT_FEATURES  features.csv from prepare (input "features" = prepare.table):
                          the split, the slice column, the label and the features
    CTGIT_INPUT_ENCODING  encoding.json from prepare (input "encoding" = prepare.encoding)
    CTGIT_CURRENT_FILE    the raw current data: the deployed model is scored on
                          the same test rows with its own encoding
    CTGIT_OUTPUT_DIR      where the model and metrics go
    CTGIT_MODEL_PATH      the model directory to write (train.model)
    CTGIT_METRICS_FILE    the metrics JSON to write (evaluate.metrics)
    CTGIT_BASELINE_DIR    the deployed model, when there is one: scored on the same
                          test rows, its metrics written under "baseline"
    CTGIT_GPUS            GPUs the step asked for; "0" trains on the CPU

Hyperparameters come from train.env in the pipeline, so changing one changes
the step's key and retrains: EPOCHS, BATCH_SIZE, LR, WEIGHT_DECAY, HIDDEN
("64,32"), DROPOUT, SEED. The split into training and test rows is
prepare's (its SEED and TEST_SHARE).

The device is CUDA when PyTorch sees one and CTGIT_GPUS is not "0", else the
CPU. Training is deterministic given SEED on one device and PyTorch version
(deterministic algorithms, fixed cuBLAS workspace); a CPU and a GPU run
differ in the last digits.

Run by hand, after prepare.py wrote /tmp/prep:
    CTGIT_INPUT_FEATURES=/tmp/prep/features.csv CTGIT_INPUT_ENCODING=/tmp/prep/encoding.json \
    CTGIT_CURRENT_FILE=../data/current.csv CTGIT_OUTPUT_DIR=/tmp/out python3 train.py

Only the functions that touch tensors import torch, so the data handling and
the metrics are importable and tested without it (tests/test_train.py).
"""
import os

# cuBLAS is deterministic only with a fixed workspace, set before CUDA starts.
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

NUMERIC = ["tenure_months", "monthly_charges", "support_calls", "data_gb", "age"]
CATEGORICAL = ["region", "plan", "payment"]
LABEL = "churned"
SLICE = "region"
KEYS = ["row", "split", SLICE, LABEL]  # features.csv's columns before the features (see prepare.py)


def env_int(name, default):
    v = os.environ.get(name, "")
    try:
        return int(v) if v != "" else default
    except ValueError:
        raise SystemExit("%s=%r: want an integer" % (name, v))


def env_float(name, default):
    v = os.environ.get(name, "")
    try:
        return float(v) if v != "" else default
    except ValueError:
        raise SystemExit("%s=%r: want a number" % (name, v))


def config():
    """The run's settings, from the environment."""
    hidden = os.environ.get("HIDDEN", "64,32")
    try:
        layers = [int(h) for h in hidden.split(",") if h.strip()]
    except ValueError:
        raise SystemExit("HIDDEN=%r: want comma-separated layer widths, e.g. 128,64" % hidden)
    c = {
        "epochs": env_int("EPOCHS", 40),
        "batch_size": env_int("BATCH_SIZE", 256),
        "lr": env_float("LR", 3e-3),
        "weight_decay": env_float("WEIGHT_DECAY", 1e-4),
        "hidden": layers,
        "dropout": env_float("DROPOUT", 0.1),
        "seed": env_int("SEED", 7),
    }
    if c["epochs"] < 1 or c["batch_size"] < 1 or not layers or min(layers) < 1:
        raise SystemExit("EPOCHS, BATCH_SIZE and HIDDEN widths must be at least 1")
    return c


def read_rows(path):
    """The data file as a list of dicts; a missing column is an error naming it."""
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        missing = [c for c in NUMERIC + CATEGORICAL + [LABEL] if c not in (r.fieldnames or [])]
        if missing:
            raise SystemExit("%s: missing column(s) %s" % (path, ", ".join(missing)))
        return list(r)


def read_features(path, enc):
    """features.csv as {"train": (keys, xs, ys), "test": (keys, xs, ys)}: keys
    are dicts of KEYS (row, split, region, churned), xs the feature vectors."""
    want = KEYS + enc["features"]
    out = {"train": ([], [], []), "test": ([], [], [])}
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r, [])
        if header != want:
            i = next((i for i, (a, b) in enumerate(zip(header, want)) if a != b), min(len(header), len(want)))
            raise SystemExit("%s: column %d is %r where encoding.json wants %r: were both written "
                             "by the same prepare step?" % (path, i + 1, (header + [None])[i], (want + [None])[i]))
        for n, line in enumerate(r, start=2):
            keys = dict(zip(KEYS, line))
            if len(line) != len(want) or keys["split"] not in out:
                raise SystemExit("%s:%d: want %d columns and split train or test" % (path, n, len(want)))
            part = out[keys["split"]]
            part[0].append(keys)
            part[1].append([float(v) for v in line[len(KEYS):]])
            part[2].append(float(keys[LABEL]))
    return out


def number(v):
    """A CSV cell as a float; None when missing."""
    if v in ("", "NA", "NaN", "nan", None):
        return None
    return float(v)


def encode(rows, prep):
    """Raw rows as feature vectors (standardised numbers, one-hot categories)
    and labels, by a model's own preprocess.json: how the deployed model,
    whose encoding may differ from this run's, sees the test rows. The same
    encoding as prepare.py's (tests/test_prepare.py checks they agree)."""
    xs, ys = [], []
    index = {c: {v: i for i, v in enumerate(prep["vocab"][c])} for c in CATEGORICAL}
    for r in rows:
        x = []
        for c in NUMERIC:
            s = prep["numeric"][c]
            v = number(r[c])
            x.append(0.0 if v is None else (v - s["mean"]) / s["std"])
        for c in CATEGORICAL:
            hot = [0.0] * len(index[c])
            hot[index[c].get(r[c], len(index[c]) - 1)] = 1.0
            x.extend(hot)
        xs.append(x)
        ys.append(float(r[LABEL]))
    return xs, ys


def auc(scores, labels):
    """Area under the ROC curve by the rank-sum formula (ties averaged);
    0.5 when only one class is present."""
    pairs = sorted(zip(scores, labels), key=lambda p: p[0])
    pos = sum(1 for _, y in pairs if y == 1)
    neg = len(pairs) - pos
    if pos == 0 or neg == 0:
        return 0.5
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        rank = (i + j) / 2 + 1
        rank_sum += rank * sum(1 for k in range(i, j + 1) if pairs[k][1] == 1)
        i = j + 1
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def accuracy(scores, labels, threshold=0.5):
    if not labels:
        return 0.0
    return sum((s >= threshold) == (y == 1) for s, y in zip(scores, labels)) / len(labels)


def log_loss(scores, labels):
    eps = 1e-7
    if not labels:
        return 0.0
    return -sum(y * math.log(min(max(s, eps), 1 - eps)) + (1 - y) * math.log(min(max(1 - s, eps), 1 - eps))
                for s, y in zip(scores, labels)) / len(labels)


def slices(rows, scores, labels):
    """Per-segment metrics, the shape ctgit's maxSliceGap gates read."""
    out = {}
    for value in sorted({r[SLICE] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r[SLICE] == value]
        s = [scores[i] for i in idx]
        y = [labels[i] for i in idx]
        out["%s=%s" % (SLICE, value)] = {
            "auc": round(auc(s, y), 6),
            "accuracy": round(accuracy(s, y), 6),
            "rows": len(idx),
        }
    return out


def want_cuda():
    """Whether the step may use a GPU: CTGIT_GPUS="0" says no."""
    return os.environ.get("CTGIT_GPUS", "") not in ("0",)


def choose_device(torch):
    """CUDA when allowed and present, else the CPU, with its name."""
    if want_cuda() and torch.cuda.is_available():
        dev = torch.device("cuda", 0)
        return dev, torch.cuda.get_device_name(dev)
    if env_int("CTGIT_GPUS", 0) > 0:
        print("warning: the step asked for %s GPU(s) but PyTorch sees no CUDA device "
              "(torch %s, CUDA build %s); training on the CPU"
              % (os.environ["CTGIT_GPUS"], torch.__version__, torch.version.cuda), file=sys.stderr)
    return torch.device("cpu"), cpu_name()


def cpu_name():
    """The CPU's model name, as /proc/cpuinfo gives it on Linux."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine() or "cpu"


def build_model(nn, n_in, hidden, dropout):
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def train_model(torch, xs, ys, cfg, device, log=print):
    """Trains the MLP; returns the model in eval mode and timing figures."""
    nn = torch.nn
    torch.manual_seed(cfg["seed"])
    model = build_model(nn, len(xs[0]), cfg["hidden"], cfg["dropout"]).to(device)
    # One fused kernel per step on CUDA instead of one per parameter tensor.
    fused = {"fused": True} if device.type == "cuda" else {}
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"], **fused)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg["epochs"])
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    X = torch.tensor(xs, dtype=torch.float32, device=device)
    Y = torch.tensor(ys, dtype=torch.float32, device=device).unsqueeze(1)
    n, bs = X.shape[0], cfg["batch_size"]
    gen = torch.Generator().manual_seed(cfg["seed"])  # on the CPU: same order on every device
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    epoch_times, train_loss = [], float("nan")
    for epoch in range(cfg["epochs"]):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen).to(device)
        Xs, Ys = X[perm], Y[perm]
        total = torch.zeros((), device=device)
        for i in range(0, n, bs):
            xb, yb = Xs[i:i + bs], Ys[i:i + bs]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            (loss / xb.shape[0]).backward()
            opt.step()
            total += loss.detach()
        sched.step()
        train_loss = total.item() / n  # one device sync per epoch
        epoch_times.append(time.perf_counter() - t0)
        if epoch == 0 or (epoch + 1) % max(1, cfg["epochs"] // 10) == 0 or epoch + 1 == cfg["epochs"]:
            log("epoch %d/%d: train loss %.4f (%.3fs)" % (epoch + 1, cfg["epochs"], train_loss, epoch_times[-1]))
    sync()
    seconds = time.perf_counter() - start
    model.eval()
    # The first epoch pays for CUDA's lazy start-up; later ones show the steady rate.
    steady = epoch_times[1:] or epoch_times
    return model, {"train_seconds": seconds, "epoch_seconds": sum(steady) / len(steady), "train_loss": train_loss}


def predict(torch, model, xs, device, chunk=65536):
    out = []
    with torch.no_grad():
        for i in range(0, len(xs), chunk):
            X = torch.tensor(xs[i:i + chunk], dtype=torch.float32, device=device)
            out.extend(torch.sigmoid(model(X)).squeeze(1).cpu().tolist())
    return out


def latency_ms(torch, model, x, device, n=50):
    """Median time to score one row, in milliseconds (what online serving pays)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    X = torch.tensor([x], dtype=torch.float32, device=device)
    times = []
    with torch.no_grad():
        for _ in range(5):
            model(X)
        for _ in range(n):
            sync()
            t0 = time.perf_counter()
            float(model(X)[0, 0])
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def raw_test_rows(test_keys, path=None):
    """The raw current rows the test rows of features.csv were prepared from
    (by their "row"), for the deployed model to encode its own way."""
    path = path or os.environ.get("CTGIT_CURRENT_FILE", "../data/current.csv")
    rows = read_rows(path)
    out = []
    for k in test_keys:
        i = int(k["row"])
        if i >= len(rows) or rows[i][LABEL] != k[LABEL] or rows[i][SLICE] != k[SLICE]:
            raise SystemExit("%s: row %d is not the one features.csv was prepared from: "
                             "prepare and train read different data" % (path, i))
        out.append(rows[i])
    return out


def score_deployed(torch, path, test_rows, device):
    """The deployed model (CTGIT_BASELINE_DIR holds it as ctgit stored it: a
    tar of its directory) scored on the candidate's test rows, with its own
    preprocessing, in the shape ctgit reads under "baseline"."""
    import tarfile
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(path) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(tmp, filter="data")
            else:
                tf.extractall(tmp)
        prep = json.loads((Path(tmp) / "preprocess.json").read_text())
        xs, ys = encode(test_rows, prep)
        model = build_model(torch.nn, len(xs[0]), prep["hidden"], prep["dropout"]).to(device)
        model.load_state_dict(torch.load(Path(tmp) / "model.pt", map_location=device, weights_only=True))
    model.eval()
    scores = predict(torch, model, xs, device)
    return {"auc": round(auc(scores, ys), 6), "accuracy": round(accuracy(scores, ys), 6),
            "loss": round(log_loss(scores, ys), 6), "rows": len(ys)}


def main():
    started = time.perf_counter()
    cfg = config()
    out = Path(os.environ.get("CTGIT_OUTPUT_DIR", "out"))
    features = os.environ.get("CTGIT_INPUT_FEATURES", "")
    encoding = os.environ.get("CTGIT_INPUT_ENCODING", "")
    if not features or not encoding:
        raise SystemExit("CTGIT_INPUT_FEATURES and CTGIT_INPUT_ENCODING are not set: train reads the "
                         "prepare step's features.csv and encoding.json (run prepare/prepare.py first)")
    model_dir = Path(os.environ.get("CTGIT_MODEL_PATH", out / "model"))
    metrics_path = Path(os.environ.get("CTGIT_METRICS_FILE", out / "metrics.json"))

    import torch  # here, so the rest of this file imports without PyTorch

    random.seed(cfg["seed"])
    torch.manual_seed(cfg["seed"])
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
    device, device_name = choose_device(torch)
    print("device: %s (%s), torch %s" % (device, device_name, torch.__version__), flush=True)

    enc = json.loads(Path(encoding).read_text())
    parts = read_features(features, enc)
    _, xs, ys = parts["train"]
    test_keys, test_x, test_y = parts["test"]
    if not xs or not test_x:
        raise SystemExit("%s: %d training and %d test rows: want some of each" % (features, len(xs), len(test_x)))
    print("data: %d training rows, %d test rows, %d features" % (len(xs), len(test_x), len(xs[0])), flush=True)

    model, timing = train_model(torch, xs, ys, cfg, device, log=lambda m: print(m, flush=True))
    scores = predict(torch, model, test_x, device)
    lat = latency_ms(torch, model, test_x[0], device)

    model_dir.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), model_dir / "model.pt")
    # What serving (and the export and robustness steps) need to rebuild the
    # inputs and the network: the encoding travels with the weights.
    (model_dir / "preprocess.json").write_text(json.dumps({
        "features": enc["features"], "numeric": enc["numeric"], "vocab": enc["vocab"],
        "hidden": cfg["hidden"], "dropout": cfg["dropout"], "label": LABEL,
        "torch": torch.__version__,
    }, indent=2, sort_keys=True) + "\n")

    metrics = {
        "auc": round(auc(scores, test_y), 6),
        "accuracy": round(accuracy(scores, test_y), 6),
        "loss": round(log_loss(scores, test_y), 6),
        "train_loss": round(timing["train_loss"], 6),
        "latency_ms": round(lat, 4),
        "rows": len(test_x),  # the rows both models are scored on
        "data_rows": len(xs) + len(test_x),
        "train_rows": len(xs),
        "test_rows": len(test_x),
        "features": len(enc["features"]),
        "epochs": cfg["epochs"],
        "batch_size": cfg["batch_size"],
        "seed": cfg["seed"],
        "device": device.type,
        "device_name": device_name,
        "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda or "",
        "train_seconds": round(timing["train_seconds"], 3),
        "epoch_seconds": round(timing["epoch_seconds"], 5),
        "slices": slices(test_keys, scores, test_y),
    }
    deployed = Path(os.environ.get("CTGIT_BASELINE_DIR") or "/nonexistent") / model_dir.name
    if deployed.is_file():
        metrics["baseline"] = score_deployed(torch, deployed, raw_test_rows(test_keys), device)
    metrics["total_seconds"] = round(time.perf_counter() - started, 3)
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    print("trained %d epochs on %s in %.1fs: auc=%.4f accuracy=%.4f loss=%.4f"
          % (cfg["epochs"], device_name, timing["train_seconds"], metrics["auc"], metrics["accuracy"], metrics["loss"]))


if __name__ == "__main__":
    main()
