#!/usr/bin/env python3
"""Generate the quickstart's reference and current datasets (seeded, stdlib only).

The reference is what the deployed model was trained on; the current data comes
from a later month in which transaction amounts grew and a new sales channel
appeared, so ctgit's drift step finds drift and retrains.

    python3 gen_data.py            # rewrites data/reference.csv and data/current.csv
"""
import csv
import math
import random
import sys
from pathlib import Path

COUNTRIES = ["US", "DE", "FR", "GB", "BR"]
COLUMNS = ["amount", "account_age_days", "hour", "country", "channel", "is_fraud"]


def rows(n, seed, amount_scale, channels):
    rnd = random.Random(seed)
    for _ in range(n):
        amount = round(rnd.lognormvariate(math.log(amount_scale), 0.9), 2)
        age = rnd.randint(0, 3650)
        hour = rnd.randint(0, 23)
        country = rnd.choices(COUNTRIES, weights=[40, 20, 15, 15, 10])[0]
        channel = rnd.choice(channels)
        # Fraud is likelier for large amounts, young accounts and night hours.
        z = -4.0 + 1.1 * math.log1p(amount) / 2 - age / 1500 + (1.2 if hour < 6 else 0.0)
        z += 0.8 if channel == "app" else 0.0
        p = 1 / (1 + math.exp(-z))
        label = 1 if rnd.random() < p else 0
        # A few missing amounts, as real exports have.
        yield ["" if rnd.random() < 0.01 else amount, age, hour, country, channel, label]


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(data)


def main():
    here = Path(__file__).resolve().parent
    write(here / "data" / "reference.csv", rows(3000, 1, 40.0, ["web", "pos"]))
    write(here / "data" / "current.csv", rows(2000, 2, 65.0, ["web", "pos", "app"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
