#!/usr/bin/env python3
"""Generate the example's reference and current datasets (seeded, stdlib only).

A subscription business predicts which customers will cancel (churned=1).
The reference is what the deployed model was trained on. The current data
comes from a later quarter: a sign-up campaign brought many new customers,
prices rose, more customers are on the basic plan, and a new payment method
("wallet") appeared, so ctgit's drift step
finds drift and retrains.

    python3 gen_data.py                     # rewrites data/*.csv (4,000 rows each)
    python3 gen_data.py --rows 200000 --out /tmp/big   # larger copies, same recipe

The label depends on the features non-linearly (tenure decays, an
interaction of price and plan, a step in support calls), so a small neural
network has something to learn that a linear model misses.
"""
import argparse
import csv
import math
import random
import sys
from pathlib import Path

REGIONS = ["north", "south", "east", "west", "central"]
PLANS = ["basic", "plus", "premium"]
COLUMNS = [
    "tenure_months", "monthly_charges", "support_calls", "data_gb", "age",
    "region", "plan", "payment", "churned",
]


def rows(n, seed, tenure_mean, price_shift, plan_weights, payments, payment_weights):
    rnd = random.Random(seed)
    for _ in range(n):
        tenure = min(120, int(rnd.expovariate(1 / tenure_mean)))
        plan = rnd.choices(PLANS, weights=plan_weights)[0]
        base = {"basic": 45.0, "plus": 70.0, "premium": 105.0}[plan]
        charges = round(max(5.0, rnd.gauss(base * price_shift, 12.0)), 2)
        calls = min(15, int(rnd.expovariate(1 / 1.4)))
        data_gb = round(rnd.lognormvariate(math.log(8.0), 0.8), 2)
        age = rnd.randint(18, 85)
        region = rnd.choices(REGIONS, weights=[25, 20, 20, 20, 15])[0]
        payment = rnd.choices(payments, weights=payment_weights)[0]
        z = (-2.1
             + 3.0 * math.exp(-tenure / 14.0)
             + (1.6 if calls >= 3 else 0.25 * calls)
             + 0.05 * (charges - base) * (1.6 if plan == "basic" else 0.6)
             + (1.1 if payment == "invoice" else 0.0)
             + (0.6 if payment == "wallet" else 0.0)
             - (1.0 if plan == "premium" else 0.0)
             + 0.6 * math.sin(age / 7.0)
             + (0.8 if region == "south" and data_gb > 15 else 0.0))
        label = 1 if rnd.random() < 1 / (1 + math.exp(-z)) else 0
        # Usage export has gaps, as real ones do.
        yield [tenure, charges, calls, "" if rnd.random() < 0.01 else data_gb, age,
               region, plan, payment, label]


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(data)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=4000, help="rows per file (default 4000)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data",
                    help="directory for reference.csv and current.csv (default data/)")
    a = ap.parse_args(argv)
    if a.rows < 1:
        ap.error("--rows must be at least 1")
    write(a.out / "reference.csv",
          rows(a.rows, 1, 26.0, 1.0, [50, 30, 20], ["card", "bank", "invoice"], [55, 30, 15]))
    write(a.out / "current.csv",
          rows(a.rows, 2, 20.0, 1.15, [68, 20, 12], ["card", "bank", "invoice", "wallet"], [45, 25, 15, 15]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
