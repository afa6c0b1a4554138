#!/usr/bin/env python3
"""Generate a repository with N pipelines for bench/plan/run.sh.

Each pipeline has its own reference and current CSV (2,000 rows), a share of
the columns declared with checks, a training step and gates; all promote into
one deploy/models.cue.

    gen.py DIR N
"""
import random
import sys
from pathlib import Path


def main(root, n):
    root = Path(root)
    rnd = random.Random(1)
    (root / "pipelines").mkdir(parents=True, exist_ok=True)
    (root / "deploy").mkdir(parents=True, exist_ok=True)
    (root / "train").mkdir(parents=True, exist_ok=True)
    (root / "train" / "train.py").write_text("print('train')\n")
    models = []
    for i in range(n):
        name = "p%03d" % i
        d = root / "data" / name
        d.mkdir(parents=True, exist_ok=True)
        for kind in ("reference", "current"):
            rows = ["a,b,c,label"]
            for _ in range(2000):
                rows.append("%.4f,%d,%s,%d" % (rnd.gauss(0, 1), rnd.randint(0, 100), rnd.choice("xyz"), rnd.randint(0, 1)))
            (d / (kind + ".csv")).write_text("\n".join(rows) + "\n")
        models.append('\t%s: version: "1.0.0"' % name)
        (root / "pipelines" / (name + ".cue")).write_text(f"""package pipelines

pipelines: {name}: {{
	model: {{name: "{name}", target: {{file: "deploy/models.cue", path: "models.{name}.version"}}}}
	data: {{reference: "data/{name}/reference.csv", current: "data/{name}/current.csv"}}
	checks: {{
		minRows: 100
		columns: a: {{type: "number", min: -10, max: 10}}
		columns: b: {{type: "integer", min: 0}}
		columns: c: {{type: "category", allowed: ["x", "y", "z"]}}
		drift: {{method: "auto", share: 0.5}}
	}}
	train: {{image: "python:3.12-slim", code: "train", command: ["python3", "train.py"], timeout: "30m"}}
	evaluate: gates: [{{metric: "auc", min: 0.7}}, {{metric: "auc", maxDropFromBaseline: 0.01}}]
	promote: {{bump: "patch", labels: ["model-promotion"]}}
	trigger: maxRetrains: {{count: 3, window: "7d"}}
}}
""")
    (root / "deploy" / "models.cue").write_text("package deploy\n\nmodels: {\n" + "\n".join(models) + "\n}\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
