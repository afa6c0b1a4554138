#!/usr/bin/env python3
"""Export the trained churn model to TorchScript, the file a serving runtime loads.

ctgit runs this as step "export" with named inputs and outputs:

    CTGIT_INPUT_MODEL         the model directory train wrote (input "model" = train.model):
                              model.pt (weights) and preprocess.json (encoding, layer widths)
    CTGIT_OUTPUT_TORCHSCRIPT  model.ts to write (output "torchscript")
    CTGIT_METRICS_FILE        metrics.json to write: latency_ms, bytes, max_abs_diff

The network is traced on the CPU (serving runs on the CPU: see
deploy/inferenceservice.yaml), with preprocess.json stored inside the file
(torch.jit.load(path, _extra_files={"preprocess.json": ""})), so the one file
is all a server needs. The saved file is loaded back and must score a seeded
batch as the eager model does; latency_ms is its median time to score one
row on one CPU thread, what a replica with cpu: "1" pays.

Run by hand:
    CTGIT_INPUT_MODEL=/tmp/out/model CTGIT_OUTPUT_DIR=/tmp/export python3 export.py
"""
import json
import os
import sys
import time
from pathlib import Path

TOLERANCE = 1e-5  # the largest difference between eager and exported scores


def build_model(nn, n_in, hidden, dropout):
    """The network train.py trains (train.build_model), from preprocess.json."""
    layers, width = [], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def load_model(torch, model_dir):
    """The trained model on the CPU in eval mode, and its preprocess.json."""
    prep = json.loads((model_dir / "preprocess.json").read_text())
    model = build_model(torch.nn, len(prep["features"]), prep["hidden"], prep["dropout"])
    model.load_state_dict(torch.load(model_dir / "model.pt", map_location="cpu", weights_only=True))
    return model.eval(), prep


def latency_ms(torch, model, n_in, n=200):
    """Median time to score one row, in milliseconds."""
    x = torch.zeros(1, n_in)
    times = []
    with torch.no_grad():
        for _ in range(10):
            model(x)
        for _ in range(n):
            t0 = time.perf_counter()
            float(model(x)[0, 0])
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def main():
    out = Path(os.environ.get("CTGIT_OUTPUT_DIR", "out"))
    model_dir = Path(os.environ.get("CTGIT_INPUT_MODEL", "../out/model"))
    path = Path(os.environ.get("CTGIT_OUTPUT_TORCHSCRIPT", out / "model.ts"))
    metrics_path = Path(os.environ.get("CTGIT_METRICS_FILE", out / "metrics.json"))

    import torch  # here, so this file imports without PyTorch

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model, prep = load_model(torch, model_dir)
    n_in = len(prep["features"])
    with torch.no_grad():
        traced = torch.jit.trace(model, torch.zeros(1, n_in))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.jit.save(traced, str(tmp), _extra_files={"preprocess.json": json.dumps(prep, sort_keys=True)})

    # What a server will load: the file, not the object in memory.
    extra = {"preprocess.json": ""}
    loaded = torch.jit.load(str(tmp), map_location="cpu", _extra_files=extra)
    if json.loads(extra["preprocess.json"]) != prep:
        raise SystemExit("%s: the preprocess.json stored in the file differs from the model's" % path)
    batch = torch.randn(256, n_in, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        diff = (torch.sigmoid(loaded(batch)) - torch.sigmoid(model(batch))).abs().max().item()
    if diff > TOLERANCE:
        raise SystemExit("%s scores differ from the trained model's by %.3g (more than %g)" % (path, diff, TOLERANCE))
    tmp.replace(path)

    metrics = {
        "latency_ms": round(latency_ms(torch, loaded, n_in), 4),
        "bytes": path.stat().st_size,
        "max_abs_diff": diff,
        "torch_version": torch.__version__,
    }
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    print("exported %s: %d bytes, %.4f ms per row on one CPU thread, max difference %.2g"
          % (path, metrics["bytes"], metrics["latency_ms"], diff))


if __name__ == "__main__":
    sys.exit(main())
