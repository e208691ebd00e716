#!/usr/bin/env python3
"""Fits the confidence function's logistic weights on validation dumps.

    cargo bench --bench quality -- clinc150 val --dump /tmp/clinc_val.jsonl
    cargo bench --bench quality -- banking77 val --dump /tmp/bank_val.jsonl
    cargo bench --bench quality -- dev --dump /tmp/dev.jsonl
    python3 bench/fit_confidence.py /tmp/clinc_val.jsonl /tmp/bank_val.jsonl /tmp/dev.jsonl@20

A file may carry a weight after '@' (each of its questions counts that many times).
`--lang=fr` keeps only the questions in that language (French and English have weights of
their own, see src/answer/confidence.rs); `--oos-weight=N` weighs out-of-scope questions.

The label is "the top candidate is the expected article" (out-of-scope questions: 0), so the
fitted confidence estimates the probability that an answer cites the right article. Only
val.json files are used: never the test split nor bench/heldout. Pure Python (no numpy):
Newton's method on 6 weights converges in a few iterations.
"""
import json, math, sys

def features(s):
    return [1.0, s["coverage"], s["margin"], math.log1p(s["score"]), s["unknown"], s["strength"]]

NAMES = ["intercept", "coverage", "margin", "ln(1+score)", "unknown", "strength"]

LANG = next((a.split("=")[1] for a in sys.argv if a.startswith("--lang=")), None)

def load(paths):
    rows = []
    for p in paths:
        p, _, weight = p.partition("@")
        weight = float(weight or 1)
        for line in open(p):
            d = json.loads(line)
            why = d["why"]
            if LANG and why.get("language") != LANG:
                continue
            if not why.get("candidates"):
                continue
            top = why["candidates"][0]["article_id"]
            y = 1.0 if d["expected"] is not None and top == d["expected"] else 0.0
            rows.append((features(why["signals"]), y, d["expected"] is None, weight))
    return rows

def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]

def fit(rows, l2=1e-3, oos_weight=1.0):
    k = len(rows[0][0])
    w = [0.0] * k
    for _ in range(30):
        grad = [0.0] * k
        hess = [[l2 if i == j else 0.0 for j in range(k)] for i in range(k)]
        for x, y, oos, weight in rows:
            sw = weight * (oos_weight if oos else 1.0)
            z = sum(a * b for a, b in zip(w, x))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            for i in range(k):
                grad[i] += sw * (p - y) * x[i]
                for j in range(k):
                    hess[i][j] += sw * p * (1 - p) * x[i] * x[j]
        for i in range(k):
            grad[i] += l2 * w[i]
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step)]
    return w

def reliability(rows, w):
    bins = [[0, 0.0] for _ in range(10)]
    for x, y, _, _ in rows:
        p = 1 / (1 + math.exp(-sum(a * b for a, b in zip(w, x))))
        b = min(9, int(p * 10))
        bins[b][0] += 1
        bins[b][1] += y
    print("| confidence | questions | right article |")
    print("|---|---|---|")
    for i, (n, right) in enumerate(bins):
        if n:
            print(f"| {i/10:.1f}–{(i+1)/10:.1f} | {n} | {right/n:.2f} |")

if __name__ == "__main__":
    oos_weight = float(next((a.split("=")[1] for a in sys.argv if a.startswith("--oos-weight=")), 1.0))
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = load(paths)
    w = fit(rows, oos_weight=oos_weight)
    print("weights:", ", ".join(f"{n}={v:.3f}" for n, v in zip(NAMES, w)))
    print("rust:", "[" + ", ".join(f"{v:.3f}" for v in w) + "]")
    reliability(rows, w)
