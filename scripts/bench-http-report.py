#!/usr/bin/env python3
"""The figures of `scripts/bench.sh http`.

  bench-http-report.py compare BARE.json FOLIO.json MODE   checks that both lists answered the same page
  bench-http-report.py rounds RUN_DIR ROUNDS MODE          each round's req/s, p50, p99 and ratios, and the goals

`rounds` reads RUN_DIR/NAME.ROUND.txt for the four names (bare-health, folio-health, bare-list,
folio-list) and judges the goals on the median of the rounds' ratios.
"""
import json
import re
import statistics
import sys

ROUTES = [
    ("bare-health", "bare GET /health"),
    ("folio-health", "Folio GET /health/live"),
    ("bare-list", "bare GET /tenants/{id}/invoices ({mode})"),
    ("folio-list", "Folio GET /v1/tenants/{id}/invoices?limit=20"),
]

UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def milliseconds(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def read_wrk(path):
    """Requests/s, p50 and p99 (ms), requests, and the answers that were not 2xx/3xx or failed."""
    text = open(path).read()
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    total = re.search(r"^\s+(\d+) requests in", text, re.M)
    if not (rate and p50 and p99 and total):
        raise ValueError(f"{path}: not a wrk --latency report:\n{text}")
    failed = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non2xx:
        failed += int(non2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if sockets:
        failed += sum(int(group) for group in sockets.groups())
    return {
        "rate": float(rate.group(1)),
        "p50": milliseconds(p50.group(1)),
        "p99": milliseconds(p99.group(1)),
        "requests": int(total.group(1)),
        "failed": failed,
    }


GOALS = [
    ("Folio list req/s ÷ bare list req/s", "≥", 0.70),
    ("Folio list p99 ÷ bare list p99", "≤", 1.5),
    ("Folio health req/s ÷ bare health req/s", "≥", 0.50),
]


def ratios(bare_health, folio_health, bare_list, folio_list):
    """The goals' ratios, in the order of GOALS."""
    return [
        folio_list["rate"] / bare_list["rate"],
        folio_list["p99"] / bare_list["p99"],
        folio_health["rate"] / bare_health["rate"],
    ]


def print_goals(values):
    """Each goal's ratio (with the rounds' own ratios when there are several) and whether it is met."""
    width = max(len(name) for name, *_ in GOALS)
    for (name, relation, goal), (value, by_round) in zip(GOALS, values):
        met = value >= goal if relation == "≥" else value <= goal
        rounds = f"   (by round: {', '.join(f'{each:.2f}' for each in by_round)})" if by_round else ""
        print(f"{name:<{width}}  {value:6.2f}   goal {relation} {goal:.2f}   {'met' if met else 'NOT met'}{rounds}")


def rounds(run_dir, count, mode):
    count = int(count)
    per_round = []
    failed = False
    for round_number in range(1, count + 1):
        runs = [(label.replace("{mode}", mode), read_wrk(f"{run_dir}/{name}.{round_number}.txt")) for name, label in ROUTES]
        failed = failed or any(run["failed"] for _, run in runs)
        print(f"round {round_number} of {count}")
        width = max(len(label) for label, _ in runs)
        print(f"  {'route':<{width}}  {'req/s':>9}  {'p50 ms':>8}  {'p99 ms':>8}  {'failed':>7}")
        for label, run in runs:
            print(f"  {label:<{width}}  {run['rate']:>9.0f}  {run['p50']:>8.2f}  {run['p99']:>8.2f}  {run['failed']:>7}")
        per_round.append(ratios(*(run for _, run in runs)))
    print()
    print(f"the goals, on the median of {count} round(s)' ratios (each round's bare and Folio runs back to back):")
    print_goals([(statistics.median(column), list(column) if count > 1 else None) for column in zip(*per_round)])
    if failed:
        print("\nSome answers failed (non-2xx/3xx or socket errors): their route's figures do not count.")


def compare(bare_path, folio_path, mode):
    """The same invoices, in the same order, with the same fields and the same cursor."""
    bare = json.load(open(bare_path))
    folio = json.load(open(folio_path))
    problems = []
    bare_ids = [invoice["id"] for invoice in bare["items"]]
    folio_ids = [invoice["id"] for invoice in folio["items"]]
    if bare_ids != folio_ids:
        problems.append("the pages hold different invoices")
    if bare.get("nextCursor") != folio.get("nextCursor"):
        problems.append(f"cursors differ: {bare.get('nextCursor')!r} vs {folio.get('nextCursor')!r}")
    for bare_invoice, folio_invoice in zip(bare["items"], folio["items"]):
        expected = dict(folio_invoice)
        if mode == "text":
            expected.pop("items", None)
            bare_invoice = {key: value for key, value in bare_invoice.items() if key != "request"}
        if bare_invoice != expected:
            differing = sorted(key for key in set(bare_invoice) | set(expected) if bare_invoice.get(key) != expected.get(key))
            problems.append(f"invoice {folio_invoice['id']} differs in {', '.join(differing)}")
            break
    size = len(open(folio_path, "rb").read())
    if problems:
        print(f"warning: the bare list does not answer Folio's page ({'; '.join(problems)})")
    else:
        same = "the same JSON values" if mode != "text" else "the same values, the stored request as text in place of the lines"
        print(f"both lists answer {len(folio_ids)} invoices, {same}, the same cursor ({size} bytes from Folio)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "rounds":
        rounds(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "compare":
        compare(*sys.argv[2:])
    else:
        sys.exit(__doc__)
