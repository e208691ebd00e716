#!/usr/bin/env python3
"""Offline sweep of the embedding model's scoring rules, on validation questions only.

Reads what `cargo run --release --example dump_vectors` wrote for a set (val split) and,
optionally, a lexical dump of the same questions (`cargo bench --bench quality -- SET val
--dump FILE`), then prints, for each way of scoring an article from its lines, the val
top-1 ignoring any threshold and the best operating point (largest top-1 + declined).

    python3 bench/fit_semantic.py target/vectors/clinc150
    python3 bench/fit_semantic.py --whiten target/vectors/clinc150 0.001 0.003 0.01 0.03
    python3 bench/fit_semantic.py --calibrate clinc_val.jsonl banking_val.jsonl
    python3 bench/fit_semantic.py --words target/vectors/fr-tune
    python3 bench/fit_semantic.py --declines target/vectors/clinc150 [SHRINKAGE]
    python3 bench/fit_semantic.py --second target/vectors/MiniLM/clinc150 target/vectors/e5/clinc150

The `--words` form adds the words to the meaning score as Candor does (w × each lexical
candidate's BM25 relative to the best one, read from `lexical.jsonl` in the same directory:
`cargo bench --bench quality -- SET val --dump DIR/lexical.jsonl`) and prints, for a few
weights, the top-1 ignoring thresholds and how well the best score separates in-scope from
out-of-scope questions (AUROC), against the lexical confidence's AUROC; then the figures
when the lexical confidence decides and the combined ranking picks the article. Used on the
French tuning set to ask whether the English model helps French (it does not: see
BENCHMARKS.md).

The `--whiten` form ranks articles in the help centre's own space (`src/knowledge/
whitening.rs`: lines and questions mapped by the inverse square root of the shrunk
within-article covariance, fitted on the lines only) for each shrinkage given, and prints
the val top-1 ignoring thresholds and, as Candor decides, at the plain score's bar 0.46.

The `--declines` form compares, for declining, the plain combined score with the same
score in the help centre's space and with the Mahalanobis distance to the closest article
(AUROC and best operating point; none beat the plain score on CLINC150 val).

The second form reads quality-bench dumps made with the model on (`--embedding DIR --dump
FILE`, val splits only) and fits the logistic map from the combined score to the probability
that the model's article is the expected one (out-of-scope questions weighted 10, as in
`fit_confidence.py`), then prints a reliability table of the fitted confidence.

The `--second` form reads two models' vectors of the same set (each directory with its
`lexical.jsonl`) and compares, at the first model's bar, the first model alone, both
models' scores mixed for every question, and the second model asked only when the first
one's combined score falls in a band around the bar (`answer::meaning::SECOND_OPINION`):
the second model's scores are first mapped onto the first's scale by a least-squares line
between the two models' best scores.

Needs numpy (offline tuning only; nothing of Candor runs Python).
"""
import json
import sys

import numpy as np


def article_id(i):
    """The id the quality bench gives the article (Candor accepts letters, digits, - and _)."""
    return None if i is None else "".join(c if c.isalnum() or c in "-_" else "_" for c in i)


def load(d, name):
    labels = json.load(open(f"{d}/{name}.json"))
    for l in labels:
        for k in ("id", "expected"):
            if k in l:
                l[k] = article_id(l[k])
    v = np.fromfile(f"{d}/{name}.f32", dtype="<f4").reshape(len(labels), -1)
    return v, labels


def articles(line_labels):
    ids = []
    for l in line_labels:
        if l["id"] not in ids:
            ids.append(l["id"])
    return ids


def scores_per_article(sims, line_ids, ids, rule):
    """sims: questions x lines. Returns questions x articles."""
    out = np.zeros((sims.shape[0], len(ids)), dtype=np.float32)
    for j, a in enumerate(ids):
        cols = sims[:, line_ids == a]
        if rule == "max":
            out[:, j] = cols.max(1)
        elif rule.startswith("top"):
            k = int(rule[3:])
            out[:, j] = np.sort(cols, 1)[:, -k:].mean(1)
        elif rule.startswith("mix"):
            w = float(rule[3:])
            out[:, j] = w * cols.max(1) + (1 - w) * np.sort(cols, 1)[:, -3:].mean(1)
    return out


def operating_point(best, right, inscope):
    """Best threshold on `best` (score of the answered article) for top-1 + declined."""
    oos = ~inscope
    res = []
    for t in np.unique(np.round(best, 3)):
        ans = best >= t
        top1 = (ans & right & inscope).sum() / max(inscope.sum(), 1)
        dec = (~ans & oos).sum() / max(oos.sum(), 1)
        res.append((top1 + dec, t, top1, dec))
    return max(res)


def calibrate(paths):
    """One logistic fit per model named in the why records (a dump of a set with both
    languages holds the decisions of both models, on scales of their own)."""
    by_model = {}
    for p in paths:
        for line in open(p):
            d = json.loads(line)
            sem = d["why"].get("semantic")
            if sem is None:
                continue
            expected = article_id(d["expected"])
            by_model.setdefault(sem.get("model", "?"), []).append(
                (sem["score"], float(expected is not None and sem["article_id"] == expected),
                 10.0 if expected is None else 1.0))
    for model, rows in sorted(by_model.items()):
        print(f"## {model}")
        fit_logistic(rows)


def fit_logistic(rows):
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    sw = np.array([r[2] for r in rows])
    X = np.stack([np.ones_like(x), x], 1)
    w = np.zeros(2)
    for _ in range(50):  # Newton's method
        p = 1 / (1 + np.exp(-(X @ w)))
        g = X.T @ (sw * (p - y))
        h = (X * (sw * p * (1 - p))[:, None]).T @ X + 1e-6 * np.eye(2)
        w -= np.linalg.solve(h, g)
    print(f"{len(rows)} consulted questions; confidence = 1 / (1 + exp(-({w[0]:.3f} + {w[1]:.3f} x score)))")
    p = 1 / (1 + np.exp(-(X @ w)))
    print("| confidence | questions (in / out of scope) | right article (out of scope weighted 10) |")
    print("|---|---|---|")
    for lo in np.arange(0, 1, 0.1):
        m = (p >= lo) & (p < lo + 0.1)
        if m.sum():
            oos = (sw[m] > 1).sum()
            rate = (sw[m] * y[m]).sum() / sw[m].sum()
            print(f"| {lo:.1f}–{lo + 0.1:.1f} | {m.sum() - oos} / {oos} | {rate:.2f} |")


def mix_scores(lv, qv, owner, n):
    """0.75 x centroid + 0.25 x closest line, per article (as `semantic::CENTROID_WEIGHT`)."""
    lv = lv / np.linalg.norm(lv, axis=1, keepdims=True)
    qv = qv / np.linalg.norm(qv, axis=1, keepdims=True)
    cent = np.stack([lv[owner == i].mean(0) for i in range(n)])
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    sims = qv @ lv.T
    line = np.stack([sims[:, owner == i].max(1) for i in range(n)], 1)
    return 0.75 * (qv @ cent.T) + 0.25 * line


def auroc(score, positive):
    p, n = score[positive], score[~positive]
    return (p[:, None] > n[None, :]).mean() + 0.5 * (p[:, None] == n[None, :]).mean()


def words(d):
    lv, ll = load(d, "lines")
    qv, ql = load(d, "queries")
    lexical = [json.loads(line) for line in open(f"{d}/lexical.jsonl")]
    ids = articles(ll)
    owner = np.array([ids.index(l["id"]) for l in ll])
    expected = [q["expected"] for q in ql]
    inscope = np.array([e is not None for e in expected])
    meaning = mix_scores(lv, qv, owner, len(ids))
    confidence = np.array([x["why"].get("confidence", 0.0) for x in lexical])
    first = [x["why"]["candidates"][0]["article_id"] if x["why"]["candidates"] else None
             for x in lexical]
    print(f"lexical confidence: AUROC {auroc(confidence, inscope):.3f}")
    for w in [0.0, 0.05, 0.1, 0.2, 0.5, 1.0]:
        total = meaning.copy()
        for i, x in enumerate(lexical):
            cands = x["why"]["candidates"]
            top = max([c["score"] for c in cands], default=0.0)
            for c in cands:
                if c["article_id"] in ids and top > 0:
                    total[i, ids.index(c["article_id"])] += w * c["score"] / top
        right = np.array([ids[t] == e for t, e in zip(total.argmax(1), expected)])
        best = total.max(1)
        line = f"words {w:<4}: top-1 {right[inscope].mean():.3f}, AUROC {auroc(best, inscope):.3f}"
        for t in [0.2, 0.3]:
            a = confidence >= t
            lex = np.array([f == e for f, e in zip(first, expected)])
            line += (f"; lexical confidence >= {t}: model's article {(a & right & inscope).sum() / inscope.sum():.3f},"
                     f" words' {(a & lex & inscope).sum() / inscope.sum():.3f},"
                     f" declined {(~a & ~inscope).sum() / max((~inscope).sum(), 1):.3f}")
        print(line)


def spaced(d):
    """A set's vectors, its articles and questions, the plain scores, and the eigen-
    decomposition of the within-article covariance that the help centre's space inverts."""
    lv, ll = load(d, "lines")
    qv, ql = load(d, "queries")
    ids = articles(ll)
    owner = np.array([ids.index(l["id"]) for l in ll])
    expected = [q["expected"] for q in ql]
    inscope = np.array([e is not None for e in expected])
    plain = mix_scores(lv, qv, owner, len(ids))
    means = np.stack([lv[owner == i].mean(0) for i in range(len(ids))])
    within = lv - means[owner]
    ev, vecs = np.linalg.eigh(within.T @ within / len(lv))
    return lv, qv, ids, owner, expected, inscope, plain, ev, vecs, lv.mean(0)


def whiten(d, shrinkages):
    lv, qv, ids, owner, expected, inscope, plain, ev, vecs, mu = spaced(d)
    for lam in [None] + shrinkages:
        if lam is None:
            ranked = plain
        else:
            w = vecs @ np.diag((ev + lam) ** -0.5) @ vecs.T
            ranked = mix_scores((lv - mu) @ w, (qv - mu) @ w, owner, len(ids))
        top = ranked.argmax(1)
        right = np.array([ids[t] == e for t, e in zip(top, expected)])
        score = plain[np.arange(len(top)), top]
        at = (right & inscope & (score >= 0.46)).sum() / inscope.sum()
        dec = ((~inscope) & (score < 0.46)).sum() / max((~inscope).sum(), 1)
        name = "plain" if lam is None else f"shrinkage {lam}"
        print(f"{name:18s} top-1 {right[inscope].mean():.3f}   at 0.46: top-1 {at:.3f} declined {dec:.3f}")


def declines(d, shrinkage):
    """Which score of the model's best article best separates in-scope from out-of-scope
    questions (AUROC), and the operating point each gives: the plain combined score (what
    Candor uses), the same score in the help centre's space, and the Mahalanobis distance
    to the closest article's mean there (the classic detector of questions from elsewhere)."""
    lv, qv, ids, owner, expected, inscope, plain, ev, vecs, mu = spaced(d)
    w = vecs @ np.diag((ev + shrinkage) ** -0.5) @ vecs.T
    ranked = mix_scores((lv - mu) @ w, (qv - mu) @ w, owner, len(ids))
    top = ranked.argmax(1)
    right = np.array([ids[t] == e for t, e in zip(top, expected)])
    rows = np.arange(len(top))
    qn = qv / np.linalg.norm(qv, axis=1, keepdims=True)
    ln = lv / np.linalg.norm(lv, axis=1, keepdims=True)
    mn = np.stack([ln[owner == i].mean(0) for i in range(len(ids))])
    zq, zm = (qn - ln.mean(0)) @ w, (mn - ln.mean(0)) @ w
    dist = ((zq[:, None, :] - zm[None, :, :]) ** 2).sum(2)
    signals = {
        "plain score": plain[rows, top],
        "space score": ranked[rows, top],
        "-mahalanobis (closest)": -dist.min(1),
        "-mahalanobis (ranked)": -dist[rows, top],
        "plain - runner-up (space)": plain[rows, top] - np.sort(plain, 1)[:, -2],
    }
    for name, s in signals.items():
        _, t, top1, dec = operating_point(s, right, inscope)
        print(f"{name:26s} AUROC {auroc(s, inscope):.4f}  best point t={t:.3f}: top-1 {top1:.3f} declined {dec:.3f}")


def prepared(d, shrinkage=0.003):
    """A set's plain scores, its scores in the help centre's space, and the words' evidence
    (each lexical candidate's BM25 relative to the best), per question and article."""
    lv, qv, ids, owner, expected, inscope, plain, ev, vecs, mu = spaced(d)
    w = vecs @ np.diag((ev + shrinkage) ** -0.5) @ vecs.T
    space = mix_scores((lv - mu) @ w, (qv - mu) @ w, owner, len(ids))
    words = np.zeros_like(plain)
    for i, x in enumerate(json.loads(line) for line in open(f"{d}/lexical.jsonl")):
        cands = x["why"]["candidates"]
        top = max([c["score"] for c in cands], default=0.0)
        for c in cands:
            if c["article_id"] in ids and top > 0:
                words[i, ids.index(c["article_id"])] = c["score"] / top
    return ids, expected, inscope, plain, space, words


def second(first_dir, second_dir, bar=0.46, words_weight=0.05):
    ids, expected, inscope, p1, s1, words = prepared(first_dir)
    ids2, _, _, p2, s2, _ = prepared(second_dir)
    assert ids == ids2, "the same set in both directories"
    a, b = np.polyfit(p2.max(1), p1.max(1), 1)
    print(f"second model on the first's scale: {a:.3f} x score {b:+.3f}")

    def decide(plain, space):
        top = (space + words_weight * words).argmax(1)
        return top, (plain + words_weight * words)[np.arange(len(top)), top]

    alone_top, alone = decide(p1, s1)
    both_top, both = decide(0.5 * p1 + 0.5 * (a * p2 + b), 0.5 * s1 + 0.5 * (a * s2 + b))
    for lo, hi in [(None, None), (-9, 9), (0.36, 0.60), (0.40, 0.56), (0.42, 0.52), (0.44, 0.50)]:
        band = np.zeros(len(alone), bool) if lo is None else (alone >= lo) & (alone < hi)
        top, score = np.where(band, both_top, alone_top), np.where(band, both, alone)
        right = np.array([ids[t] == e for t, e in zip(top, expected)])
        top1 = (right & inscope & (score >= bar)).sum() / inscope.sum()
        line = f"{'first alone' if lo is None else f'second in [{lo}, {hi})':24s} asked for {band.mean():.3f}: top-1 {top1:.3f}"
        if (~inscope).any():
            line += f" declined {((~inscope) & (score < bar)).sum() / (~inscope).sum():.3f}"
        print(line)


def main():
    if sys.argv[1] == "--second":
        return second(sys.argv[2], sys.argv[3])
    if sys.argv[1] == "--declines":
        return declines(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.003)
    if sys.argv[1] == "--calibrate":
        return calibrate(sys.argv[2:])
    if sys.argv[1] == "--words":
        return words(sys.argv[2])
    if sys.argv[1] == "--whiten":
        return whiten(sys.argv[2], [float(x) for x in sys.argv[3:]])
    d = sys.argv[1]
    lv, ll = load(d, "lines")
    qv, ql = load(d, "queries")
    ids = articles(ll)
    line_ids = np.array([l["id"] for l in ll])
    expected = [q["expected"] for q in ql]
    inscope = np.array([e is not None for e in expected])
    sims = qv @ lv.T
    for rule in ["max", "top2", "top3", "mix0.5", "mix0.7"]:
        s = scores_per_article(sims, line_ids, ids, rule)
        top = s.argmax(1)
        right = np.array([ids[t] == e for t, e in zip(top, expected)])
        best = s.max(1)
        acc = right[inscope].mean()
        _, t, top1, dec = operating_point(best, right, inscope)
        print(f"{rule:8s} top-1 {acc:.3f}   at t={t:.3f}: top-1 {top1:.3f} declined {dec:.3f}")


if __name__ == "__main__":
    main()
