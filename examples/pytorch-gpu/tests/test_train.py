"""Tests of train.py's data handling and metrics, which need no PyTorch.

    cd examples/pytorch-gpu && python3 -m unittest discover -s tests -v

The training itself needs PyTorch; bench/gpu/run.sh runs it on a GPU.
"""
import csv
import io
import itertools
import os
import random
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "train"))
sys.path.insert(0, str(HERE.parent))

import gen_data  # noqa: E402
import train  # noqa: E402


def row(**kw):
    r = {"tenure_months": "10", "monthly_charges": "50", "support_calls": "1", "data_gb": "3",
         "age": "40", "region": "north", "plan": "basic", "payment": "card", "churned": "0"}
    r.update(kw)
    return r


def brute_auc(scores, labels):
    """P(score of a positive > score of a negative), ties counting one half."""
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


class TestImport(unittest.TestCase):
    def test_torch_not_imported(self):
        # The module must import where PyTorch is absent; torch is imported in main().
        self.assertNotIn("torch", train.__dict__)


class TestAUC(unittest.TestCase):
    def test_against_brute_force(self):
        rnd = random.Random(3)
        for n in [2, 5, 17, 100]:
            for _ in range(20):
                # Rounded scores make ties common.
                scores = [round(rnd.random(), 1) for _ in range(n)]
                labels = [rnd.randint(0, 1) for _ in range(n)]
                if len(set(labels)) < 2:
                    continue
                self.assertAlmostEqual(train.auc(scores, labels), brute_auc(scores, labels), places=12)

    def test_cases(self):
        cases = [
            ("perfect", [0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1.0),
            ("inverted", [0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0.0),
            ("all tied", [0.5] * 4, [0, 1, 0, 1], 0.5),
            ("one class", [0.1, 0.9], [1, 1], 0.5),
            ("empty", [], [], 0.5),
        ]
        for name, scores, labels, want in cases:
            with self.subTest(name):
                self.assertEqual(train.auc(scores, labels), want)


class TestMetrics(unittest.TestCase):
    def test_accuracy_and_loss(self):
        self.assertEqual(train.accuracy([0.9, 0.4, 0.5, 0.1], [1, 1, 0, 0]), 0.5)
        self.assertEqual(train.accuracy([], []), 0.0)
        self.assertAlmostEqual(train.log_loss([0.5, 0.5], [0, 1]), 0.6931471805599453)
        # Certain and wrong is clipped, not infinite.
        self.assertLess(train.log_loss([0.0], [1]), 20)

    def test_slices(self):
        rows = [row(region="north"), row(region="south"), row(region="north"), row(region="south")]
        got = train.slices(rows, [0.9, 0.1, 0.2, 0.8], [1, 0, 0, 1])
        self.assertEqual(sorted(got), ["region=north", "region=south"])
        self.assertEqual(got["region=north"], {"auc": 1.0, "accuracy": 1.0, "rows": 2})


class TestEncode(unittest.TestCase):
    def test_deployed_encoding(self):
        # encode() is how a deployed model's own preprocess.json sees raw rows.
        prep = {"numeric": {c: {"mean": 0.0, "std": 1.0} for c in train.NUMERIC},
                "vocab": {"region": ["north", "<other>"], "plan": ["basic", "<other>"],
                          "payment": ["card", "<other>"]}}
        prep["numeric"]["monthly_charges"] = {"mean": 50.0, "std": 10.0}
        xs, ys = train.encode([row(monthly_charges="40", data_gb=""), row(plan="premium", churned="1")], prep)
        self.assertEqual(xs[0], [10.0, -1.0, 1.0, 0.0, 40.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
        self.assertEqual(xs[1][7:9], [0.0, 1.0])  # an unseen plan is <other>
        self.assertEqual(ys, [0.0, 1.0])


class TestReadFeatures(unittest.TestCase):
    def write(self, d, text):
        p = Path(d) / "features.csv"
        p.write_text(text)
        return p

    def test_splits(self):
        enc = {"features": ["a", "b=x"]}
        with tempfile.TemporaryDirectory() as d:
            p = self.write(d, "row,split,region,churned,a,b=x\n0,train,north,1,0.5,1.0\n1,test,south,0,-1,0.0\n")
            got = train.read_features(p, enc)
        self.assertEqual(got["train"][1:], ([[0.5, 1.0]], [1.0]))
        self.assertEqual(got["test"][0], [{"row": "1", "split": "test", "region": "south", "churned": "0"}])

    def test_refuses_other_encoding(self):
        with tempfile.TemporaryDirectory() as d:
            p = self.write(d, "row,split,region,churned,a,c\n")
            with self.assertRaises(SystemExit) as e:
                train.read_features(p, {"features": ["a", "b=x"]})
        self.assertIn("column 6 is 'c' where encoding.json wants 'b=x'", str(e.exception))

    def test_refuses_bad_split(self):
        with tempfile.TemporaryDirectory() as d:
            p = self.write(d, "row,split,region,churned,a\n0,holdout,north,1,0.5\n")
            with self.assertRaises(SystemExit) as e:
                train.read_features(p, {"features": ["a"]})
        self.assertIn(":2:", str(e.exception))


class TestConfig(unittest.TestCase):
    def setUp(self):
        self.saved = dict(os.environ)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved)

    def test_env(self):
        os.environ.update({"EPOCHS": "5", "HIDDEN": "32, 16", "LR": "0.01"})
        c = train.config()
        self.assertEqual((c["epochs"], c["hidden"], c["lr"]), (5, [32, 16], 0.01))

    def test_bad_env(self):
        for k, v in [("EPOCHS", "x"), ("EPOCHS", "0"), ("HIDDEN", "a,b"), ("LR", "fast")]:
            with self.subTest(k + "=" + v):
                os.environ[k] = v
                with self.assertRaises(SystemExit) as e:
                    train.config()
                self.assertIn(k, str(e.exception))
                del os.environ[k]

    def test_want_cuda(self):
        for v, want in [("0", False), ("1", True), ("", True)]:
            os.environ["CTGIT_GPUS"] = v
            self.assertEqual(train.want_cuda(), want, v)


class TestData(unittest.TestCase):
    def test_read_rows_names_missing_column(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "bad.csv"
            p.write_text("tenure_months,age\n1,2\n")
            with self.assertRaises(SystemExit) as e:
                train.read_rows(p)
            self.assertIn("monthly_charges", str(e.exception))

    def test_generator_is_seeded_and_committed(self):
        # The committed CSVs are exactly what gen_data.py writes.
        with tempfile.TemporaryDirectory() as d:
            gen_data.main(["--out", d])
            for name in ["reference.csv", "current.csv"]:
                with self.subTest(name):
                    self.assertEqual((Path(d) / name).read_bytes(), (HERE.parent / "data" / name).read_bytes())

    def test_generated_data_trains(self):
        rows = list(csv.DictReader(io.StringIO((HERE.parent / "data" / "current.csv").read_text())))
        self.assertEqual(len(rows), 4000)
        churn = sum(int(r["churned"]) for r in rows) / len(rows)
        self.assertTrue(0.2 < churn < 0.6, churn)
        self.assertIn("wallet", {r["payment"] for r in rows})


if __name__ == "__main__":
    unittest.main()
