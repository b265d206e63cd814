"""A sales report: reads /data/sales.csv and notes on stdin, writes /data/out/.

Exercises the WASI filesystem through CPython's os and io modules: directories
(create, list, walk, remove), files (create, append, seek, truncate, rename,
replace, unlink, stat) and the errors for missing and existing paths.
"""
import csv
import hashlib
import json
import os
import statistics
import sys
import zlib
from collections import defaultdict
from decimal import Decimal

DATA = "/data"
OUT = os.path.join(DATA, "out")

rows = []
with open(os.path.join(DATA, "sales.csv"), newline="") as f:
    for row in csv.DictReader(f):
        row["units"] = int(row["units"])
        row["revenue"] = Decimal(row["unit_price"]) * row["units"]
        rows.append(row)

by_region = defaultdict(Decimal)
by_day = defaultdict(list)
for row in rows:
    by_region[row["region"]] += row["revenue"]
    by_day[row["date"]].append(row)

os.makedirs(os.path.join(OUT, "daily"), exist_ok=True)
try:
    os.mkdir(OUT)
except FileExistsError as e:
    print(f"mkdir again: FileExistsError errno={e.errno == __import__('errno').EEXIST}")

for day, items in sorted(by_day.items()):
    with open(os.path.join(OUT, "daily", f"{day}.txt"), "w") as f:
        for r in sorted(items, key=lambda r: (r["region"], r["product"])):
            f.write(f"{r['region']:<6} {r['product']:<7} {r['units']:>3} x {r['unit_price']:>6} = {r['revenue']:>8}\n")

summary = {
    "rows": len(rows),
    "units": sum(r["units"] for r in rows),
    "revenue": str(sum(r["revenue"] for r in rows)),
    "by_region": {k: str(v) for k, v in sorted(by_region.items())},
    "median_units": statistics.median(r["units"] for r in rows),
    "best_day": max(by_day, key=lambda d: sum(r["revenue"] for r in by_day[d])),
}
text = json.dumps(summary, indent=2, sort_keys=True) + "\n"

# Write to a temporary name, then replace: the usual atomic-update pattern.
tmp = os.path.join(OUT, "summary.json.tmp")
with open(tmp, "w") as f:
    f.write(text)
os.replace(tmp, os.path.join(OUT, "summary.json"))
with open(os.path.join(OUT, "summary.json.z"), "wb") as f:
    f.write(zlib.compress(text.encode(), 9))

# Notes from stdin, with word counts; a log that is appended to, then trimmed.
notes = sys.stdin.read().splitlines()
log = os.path.join(OUT, "log.txt")
for i, line in enumerate(notes, 1):
    with open(log, "a") as f:
        f.write(f"note {i}: {len(line.split())} words: {line}\n")
with open(log, "r+") as f:
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(0)
    first = f.readline()
    f.truncate(len(first) + len(f.readline()))
print(f"log was {size} bytes, kept {os.stat(log).st_size}")

# Scratch files and a directory that do not survive.
scratch = os.path.join(OUT, "scratch")
os.mkdir(scratch)
for name in ("a.tmp", "b.tmp"):
    with open(os.path.join(scratch, name), "w") as f:
        f.write(name)
os.rename(os.path.join(scratch, "a.tmp"), os.path.join(scratch, "c.tmp"))
print("scratch:", sorted(os.listdir(scratch)))
for name in os.listdir(scratch):
    os.unlink(os.path.join(scratch, name))
os.rmdir(scratch)

for path in (os.path.join(DATA, "missing.csv"), scratch):
    try:
        os.stat(path)
    except FileNotFoundError:
        print(f"stat {path}: FileNotFoundError")

print("sha256(sales.csv) =", hashlib.sha256(open(os.path.join(DATA, "sales.csv"), "rb").read()).hexdigest())
print(text, end="")
for root, dirs, files in os.walk(OUT):
    dirs.sort()
    for name in sorted(files):
        p = os.path.join(root, name)
        print(f"{os.path.relpath(p, DATA):<28} {os.stat(p).st_size:>5}")
