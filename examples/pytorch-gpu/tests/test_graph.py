"""The churn graph's steps, run in order as ctgit runs them: prepare, train,
export, robustness, each with its named inputs and outputs laid out as the
executors lay them ($CTGIT_INPUT_DIR/<name>/<basename>). The steps after
prepare need PyTorch and are skipped without it; the copies of shared code
are checked without it.

    cd examples/pytorch-gpu && python3 -m unittest discover -s tests -v
"""
import ast
import importlib.util
import inspect
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for d in ["prepare", "train", "export", "robustness"]:
    sys.path.insert(0, str(ROOT / d))

import export  # noqa: E402
import robustness  # noqa: E402
import train  # noqa: E402

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def body(fn):
    """A function's arguments and statements, without its docstring."""
    f = ast.parse(inspect.getsource(fn)).body[0]
    stmts = f.body[1:] if ast.get_docstring(f) is not None else f.body
    return [ast.dump(f.args)] + [ast.dump(s) for s in stmts]


class TestCopies(unittest.TestCase):
    """Each step has its own code directory (so each has its own key); the
    few lines they share are copies, kept equal here."""

    def test_build_model(self):
        self.assertEqual(body(export.build_model), body(train.build_model))
        self.assertEqual(body(robustness.build_model), body(train.build_model))

    def test_auc(self):
        rnd = random.Random(5)
        for _ in range(50):
            scores = [round(rnd.random(), 1) for _ in range(30)]
            labels = [rnd.randint(0, 1) for _ in range(30)]
            self.assertEqual(robustness.auc(scores, labels), train.auc(scores, labels))

    def test_keys(self):
        import prepare
        self.assertEqual(train.KEYS, prepare.KEYS)
        self.assertEqual(robustness.KEYS, prepare.KEYS)

    def test_torch_not_imported(self):
        for m in [export, robustness]:
            self.assertNotIn("torch", m.__dict__, m.__name__)


@unittest.skipUnless(HAVE_TORCH, "PyTorch is not installed")
class TestGraph(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.outputs = {}
        cls.run_step("prepare", {"raw": ROOT / "data" / "current.csv"}, {"table": "features.csv", "encoding": "encoding.json"})
        p = cls.outputs["prepare"]
        cls.run_step("train", {"features": p / "features.csv", "encoding": p / "encoding.json"}, {},
                env={"EPOCHS": "3"}, train=True)
        t = cls.outputs["train"]
        cls.run_step("export", {"model": t / "model"}, {"torchscript": "model.ts"}, metrics=True)
        cls.run_step("robustness", {"model": t / "model", "features": p / "features.csv"}, {},
                env={"REPEATS": "2"}, metrics=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def run_step(cls, step, inputs, outputs, env=None, metrics=False, train=False):
        """One step in a copy of its code directory, with the env contract."""
        d = cls.dir / step
        shutil.copytree(ROOT / step, d / "src", ignore=shutil.ignore_patterns("__pycache__"))
        out = d / "out"
        out.mkdir(parents=True)
        e = {"PATH": os.environ.get("PATH", ""), "CTGIT_STEP": step, "CTGIT_GPUS": "0",
             "CUDA_VISIBLE_DEVICES": "", "CTGIT_INPUT_DIR": str(d / "in"), "CTGIT_OUTPUT_DIR": str(out)}
        for name, src in inputs.items():
            dst = d / "in" / name / src.name
            dst.parent.mkdir(parents=True)
            (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
            e["CTGIT_INPUT_" + name.upper()] = str(dst)
        for name, path in outputs.items():
            e["CTGIT_OUTPUT_" + name.upper()] = str(out / path)
        if metrics or train:
            e["CTGIT_METRICS_FILE"] = str(out / "metrics.json")
        if train:
            e.update({"CTGIT_CURRENT_FILE": str(ROOT / "data" / "current.csv"),
                      "CTGIT_MODEL_PATH": str(out / "model"), "CTGIT_BASELINE_DIR": str(d / "baseline")})
            # No deployed model yet: an empty baseline directory.
            (d / "baseline").mkdir()
        e.update(env or {})
        p = subprocess.run([sys.executable, step + ".py"], cwd=d / "src", env=e, capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError("%s failed (exit %d):\n%s%s" % (step, p.returncode, p.stdout, p.stderr))
        cls.outputs[step] = out

    def metrics(self, step):
        return json.loads((self.outputs[step] / "metrics.json").read_text())

    def test_train(self):
        m = self.metrics("train")
        for key in ["auc", "loss", "latency_ms", "slices", "rows", "device"]:
            self.assertIn(key, m)
        self.assertEqual(m["rows"], 800)
        self.assertEqual(m["device"], "cpu")
        self.assertTrue(sorted(m["slices"])[0].startswith("region="))
        prep = json.loads((self.outputs["train"] / "model" / "preprocess.json").read_text())
        enc = json.loads((self.outputs["prepare"] / "encoding.json").read_text())
        self.assertEqual(prep["features"], enc["features"])

    def test_baseline_on_same_rows(self):
        # Train again with the model just trained as the deployed one: its
        # baseline section scores it on the same rows, through the raw data
        # and its own encoding, and so matches the first run's metrics.
        first = self.outputs["train"]
        base = self.dir / "base"
        base.mkdir()
        with tarfile.open(base / "model", "w") as tf:
            for f in sorted((first / "model").iterdir()):
                tf.add(f, arcname=f.name)
        out = self.dir / "again"
        p = self.outputs["prepare"]
        e = {"PATH": os.environ.get("PATH", ""), "CTGIT_GPUS": "0", "CUDA_VISIBLE_DEVICES": "", "EPOCHS": "1",
             "CTGIT_INPUT_FEATURES": str(p / "features.csv"), "CTGIT_INPUT_ENCODING": str(p / "encoding.json"),
             "CTGIT_CURRENT_FILE": str(ROOT / "data" / "current.csv"), "CTGIT_OUTPUT_DIR": str(out),
             "CTGIT_BASELINE_DIR": str(base)}
        r = subprocess.run([sys.executable, "train.py"], cwd=ROOT / "train", env=e, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads((out / "metrics.json").read_text())["baseline"]
        want = self.metrics("train")
        self.assertEqual((got["auc"], got["loss"], got["rows"]), (want["auc"], want["loss"], want["rows"]))

    def test_export(self):
        import torch
        m = self.metrics("export")
        path = self.outputs["export"] / "model.ts"
        self.assertEqual(m["bytes"], path.stat().st_size)
        self.assertLessEqual(m["max_abs_diff"], export.TOLERANCE)
        self.assertGreater(m["latency_ms"], 0)
        extra = {"preprocess.json": ""}
        ts = torch.jit.load(str(path), _extra_files=extra)
        n_in = len(json.loads(extra["preprocess.json"])["features"])
        self.assertEqual(tuple(ts(torch.zeros(2, n_in)).shape), (2, 1))

    def test_robustness(self):
        m = self.metrics("robustness")
        self.assertEqual(m["auc_clean"], self.metrics("train")["auc"])  # the same held-out rows
        self.assertLess(m["auc"], m["auc_clean"])
        self.assertAlmostEqual(m["auc_drop"], m["auc_clean"] - m["auc"], places=5)


if __name__ == "__main__":
    unittest.main()
