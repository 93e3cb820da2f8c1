#!/usr/bin/python3
"""gen_demands.py - a benchmark corpus: N demands whose texts come from a
JSON-lines file of demands (e.g. the shared samples) and whose addresses
name random compounds of a registry, some in the text instead, some with a
compound code, some with none.

usage: gen_demands.py N REGISTRY.json TEXTS.jsonl OUT.jsonl
"""
import json
import random
import sys


def main():
    n, reg_path, texts_path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    rnd = random.Random(7)
    reg = json.load(open(reg_path, encoding="utf-8"))
    compounds = [u for u in reg["units"] if u["kind"] == "compound"]
    texts = [json.loads(l)["text"] for l in open(texts_path, encoding="utf-8") if l.strip()]
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            c = rnd.choice(compounds)
            d = {"id": f"b{i}", "channel": rnd.choice(["hotline", "wechat", "grid"]),
                 "text": rnd.choice(texts)}
            r = rnd.random()
            if r < 0.25:
                d["compound"] = c["code"]
            elif r < 0.75:
                d["address"] = f"{c['name']}{rnd.randint(1, 30)}栋{rnd.randint(1, 3)}单元"
            elif r < 0.95:
                d["text"] = f"我住在{c['name']}，{d['text']}"
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
