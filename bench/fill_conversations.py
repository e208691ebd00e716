#!/usr/bin/env python3
"""Fills a migrated SQLite data dir with a busy month of kept conversations, for the public
page benchmark (bench/public-page.sh): N conversations over 29 days, each 5 questions and 5
replies with a why record, one reply in ten voted on.

    python3 bench/fill_conversations.py DATA_DIR [N]
"""
import json
import random
import sqlite3
import sys
import time
import uuid

data, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30000
db = sqlite3.connect(f"{data}/candor.db")
now, day = int(time.time() * 1000), 86_400_000
why = json.dumps({"decision": "answer", "confidence": 0.8, "threshold": 0.3, "language": "fr",
                  "explanation": "x" * 300, "candidates": [{"article_id": "fr-livraison", "title": "Délais",
                  "version": "abc", "score": 12.3, "matched_terms": ["livraison", "délai"]}]})
random.seed(1)
convs, msgs, whys, votes = [], [], [], []
for _ in range(n):
    cid, t0 = str(uuid.uuid4()), now - random.randint(0, 29 * day)
    convs.append((cid, "h" + cid, random.choice(["fr", "en"]), 1, "closed", "d", t0, None, 0, None, None, None,
                  t0, t0 + 60_000, 1, None))
    for k in range(5):
        t, vid, bid = t0 + k * 10_000, str(uuid.uuid4()), str(uuid.uuid4())
        msgs.append((None, vid, cid, "visitor", 0, None, "Combien de temps prend la livraison ?", "[]", t, None, None, None))
        kind = random.choice(["answer", "answer", "answer", "no_answer", "handoff"])
        msgs.append((None, bid, cid, "bot", 1, kind, "La livraison prend 2 à 4 jours.", "[]", t + 5, None, "fr",
                     "fr-livraison" if kind == "answer" else None))
        whys.append((bid, cid, why, t + 5))
        if random.random() < 0.1:
            votes.append((bid, cid, random.random() < 0.7, None, t + 100, None, None, None))
db.executemany(f"INSERT INTO conversations VALUES ({','.join('?' * 16)})", convs)
db.executemany(f"INSERT INTO messages VALUES ({','.join('?' * 12)})", msgs)
db.executemany("INSERT INTO why_records VALUES (?,?,?,?)", whys)
db.executemany(f"INSERT INTO feedback VALUES ({','.join('?' * 8)})", votes)
db.commit()
print(f"{len(convs)} conversations, {len(msgs)} messages, {len(whys)} why records, {len(votes)} votes")
