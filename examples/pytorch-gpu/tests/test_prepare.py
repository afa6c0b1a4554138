"""Tests of the prepare step (stdlib only, no PyTorch).

    cd examples/pytorch-gpu && python3 -m unittest discover -s tests -v
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "prepare"))
sys.path.insert(0, str(ROOT / "train"))

import prepare  # noqa: E402
import train  # noqa: E402


def row(**kw):
    r = {"tenure_months": "10", "monthly_charges": "50", "support_calls": "1", "data_gb": "3",
         "age": "40", "region": "north", "plan": "basic", "payment": "card", "churned": "0"}
    r.update(kw)
    return r


def run_prepare(out, **env):
    """prepare.py as ctgit runs it: in its code directory, with the step's environment."""
    e = {"PATH": os.environ.get("PATH", ""), "CTGIT_INPUT_RAW": str(ROOT / "data" / "current.csv"),
         "CTGIT_OUTPUT_DIR": str(out), "CTGIT_OUTPUT_TABLE": str(Path(out) / "features.csv"),
         "CTGIT_OUTPUT_ENCODING": str(Path(out) / "encoding.json"), "CTGIT_STEP": "prepare"}
    e.update(env)
    return subprocess.run([sys.executable, "prepare.py"], cwd=ROOT / "prepare", env=e,
                          capture_output=True, text=True)


class TestFit(unittest.TestCase):
    def test_fit(self):
        enc = prepare.fit([row(monthly_charges="40", plan="basic"), row(monthly_charges="60", plan="plus", data_gb="")])
        self.assertEqual(enc["vocab"]["plan"], ["basic", "plus", "<other>"])
        self.assertEqual(enc["numeric"]["monthly_charges"], {"mean": 50.0, "std": 10.0})
        self.assertEqual(enc["numeric"]["data_gb"], {"mean": 3.0, "std": 1.0})  # the missing value is left out
        # A constant column gets std 1, not a division by zero.
        self.assertEqual(enc["numeric"]["age"]["std"], 1.0)
        self.assertEqual(enc["features"][:5], prepare.NUMERIC)
        self.assertIn("payment=<other>", enc["features"])

    def test_encode_row(self):
        enc = prepare.fit([row(monthly_charges="40"), row(monthly_charges="60", plan="plus")])
        feat = dict(zip(enc["features"], prepare.encode_row(row(monthly_charges="40", data_gb=""), enc)))
        self.assertEqual(feat["monthly_charges"], -1.0)
        self.assertEqual(feat["data_gb"], 0.0)  # missing: the training mean, standardised
        self.assertEqual(feat["plan=basic"], 1.0)
        unseen = dict(zip(enc["features"], prepare.encode_row(row(plan="premium", payment="wallet"), enc)))
        self.assertEqual((unseen["plan=<other>"], unseen["payment=<other>"], unseen["plan=basic"]), (1.0, 1.0, 0.0))

    def test_split_is_seeded(self):
        a = prepare.split(100, 7, 0.2)
        self.assertEqual(a, prepare.split(100, 7, 0.2))
        self.assertNotEqual(a, prepare.split(100, 8, 0.2))
        self.assertEqual((len(a[0]), len(a[1])), (80, 20))
        self.assertEqual(sorted(a[0] + a[1]), list(range(100)))

    def test_settings(self):
        saved = dict(os.environ)
        try:
            for k, v in [("SEED", "x"), ("TEST_SHARE", "1"), ("TEST_SHARE", "a")]:
                with self.subTest(k + "=" + v):
                    os.environ.pop("SEED", None)
                    os.environ.pop("TEST_SHARE", None)
                    os.environ[k] = v
                    with self.assertRaises(SystemExit) as e:
                        prepare.settings()
                    self.assertIn(k, str(e.exception))
        finally:
            os.environ.clear()
            os.environ.update(saved)


class TestStep(unittest.TestCase):
    """prepare.py run on the committed data, as the step."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name)
        p = run_prepare(cls.out)
        if p.returncode != 0:
            raise AssertionError("prepare.py failed:\n" + p.stderr)
        cls.enc = json.loads((cls.out / "encoding.json").read_text())
        with (cls.out / "features.csv").open(newline="") as f:
            cls.lines = list(csv.reader(f))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_shape(self):
        self.assertEqual(self.lines[0], prepare.KEYS + self.enc["features"])
        self.assertEqual(len(self.lines), 4001)
        self.assertEqual([int(line[0]) for line in self.lines[1:]], list(range(4000)))
        splits = [line[1] for line in self.lines[1:]]
        self.assertEqual((splits.count("train"), splits.count("test")), (3200, 800))
        self.assertEqual(self.enc["rows"], {"train": 3200, "test": 800})
        # wallet is in the current data: the encoding has a slot for it.
        self.assertIn("payment=wallet", self.enc["features"])

    def test_train_rows_are_standardised(self):
        # Fitted on the training rows only: there, each numeric column has
        # mean 0 and deviation 1 (missing values sit at 0 and pull the
        # deviation a little below 1).
        train_rows = [line for line in self.lines[1:] if line[1] == "train"]
        for j, name in enumerate(self.enc["features"][:5]):
            with self.subTest(name):
                vals = [float(line[len(prepare.KEYS) + j]) for line in train_rows]
                mean = sum(vals) / len(vals)
                sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
                self.assertAlmostEqual(mean, 0.0, places=9)
                self.assertTrue(0.98 < sd <= 1.0 + 1e-9, sd)

    def test_deterministic(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(run_prepare(d).returncode, 0)
            for name in ["features.csv", "encoding.json"]:
                self.assertEqual((Path(d) / name).read_bytes(), (self.out / name).read_bytes(), name)
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(run_prepare(d, SEED="8").returncode, 0)
            self.assertNotEqual((Path(d) / "features.csv").read_bytes(), (self.out / "features.csv").read_bytes())

    def test_train_reads_it(self):
        parts = train.read_features(self.out / "features.csv", self.enc)
        self.assertEqual((len(parts["train"][1]), len(parts["test"][1])), (3200, 800))
        self.assertEqual(len(parts["test"][1][0]), len(self.enc["features"]))

    def test_train_encodes_raw_rows_the_same_way(self):
        # train.encode is how the deployed model sees raw rows; given this
        # run's encoding it must give exactly prepare's features (no skew).
        parts = train.read_features(self.out / "features.csv", self.enc)
        keys, xs, ys = parts["test"]
        raw = train.raw_test_rows(keys, ROOT / "data" / "current.csv")
        self.assertEqual(train.encode(raw, self.enc), (xs, ys))

    def test_train_refuses_other_raw_data(self):
        keys = train.read_features(self.out / "features.csv", self.enc)["test"][0]
        with self.assertRaises(SystemExit) as e:
            train.raw_test_rows(keys, ROOT / "data" / "reference.csv")
        self.assertIn("prepare and train read different data", str(e.exception))

    def test_missing_column(self):
        with tempfile.TemporaryDirectory() as d:
            bad = Path(d) / "bad.csv"
            bad.write_text("tenure_months,age\n1,2\n")
            p = run_prepare(Path(d) / "out", CTGIT_INPUT_RAW=str(bad))
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("monthly_charges", p.stderr)
            self.assertFalse((Path(d) / "out" / "features.csv").exists())


if __name__ == "__main__":
    unittest.main()
