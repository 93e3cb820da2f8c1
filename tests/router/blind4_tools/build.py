# Writes blind4_np.jsonl, blind4_ja.jsonl and blind4_meta.json; checks every label mechanically.
import json, random, subprocess, sys, unicodedata, collections
sys.path.insert(0, "/work/blind4/tools")
import np_data, ja_data

CATS = set("""facility_repair elevator sanitation parking property_service_complaint maintenance_fund neighbor_dispute
committee_affairs property_transition illegal_construction business_nuisance building_quality planning school_places
public_security fire_safety pollution utilities municipal_facilities social_assistance consultation unclassified""".split())
CHANNELS = {"hotline", "wechat", "petition", "mailbox", "grid", "property"}

def t2s(s):
    return subprocess.run(["opencc", "-c", "t2s"], input=s, capture_output=True, text=True, check=True).stdout

def norm(s):
    return " ".join(unicodedata.normalize("NFKC", t2s(s)).split())

def locate(reg, address, text):
    names = []
    for u in reg["units"]:
        if u["kind"] == "compound":
            for n in [u["name"]] + u.get("aliases", []):
                names.append((n, u["code"]))
    for field in (address, text):
        if not field:
            continue
        f = norm(field)
        hits = [(len(n), -f.find(n), c) for n, c in names if n in f]
        if hits:
            return max(hits)[2]
    return None

def build(data, regpath, reghead, prefix, out, seed):
    reg = json.load(open(regpath))
    codes = {u["code"] for u in reg["units"] if u["kind"] == "compound"}
    rows = list(data)
    random.Random(seed).shuffle(rows)
    lines, meta, errors = [json.dumps({"registry": reghead}, ensure_ascii=False)], {}, []
    texts = set()
    for i, (tag, ch, text, addr, ccode, curg, cat, exp, urg) in enumerate(rows, 1):
        did = f"{prefix}{i:03d}"
        assert ch in CHANNELS and cat in CATS and urg in ("emergency", "normal"), did
        assert text not in texts, ("duplicate", text); texts.add(text)
        d = {"id": did, "channel": ch, "text": text}
        if addr: d["address"] = addr
        if ccode:
            assert ccode in codes, (did, ccode); d["compound"] = ccode
        if curg: d["urgency"] = curg
        d["expect"] = {"category": cat, "compound": exp, "urgency": urg}
        if exp is not None and exp not in codes: errors.append((did, "unknown code", exp))
        got = ccode or locate(reg, addr, text)
        if got != exp: errors.append((did, "locate", got, exp, text))
        # urgency rule consistency with the tag
        want = "emergency" if (tag.startswith("em:") or tag.startswith("ov:")) else "normal"
        if want != urg: errors.append((did, "urgency/tag", tag, urg))
        if curg == "emergency" and urg != "emergency": errors.append((did, "channel emergency must win"))
        lines.append(json.dumps(d, ensure_ascii=False))
        meta[did] = {"tag": tag, "traditional": norm(text) != unicodedata.normalize("NFKC", " ".join(text.split())) ,
                     "fullwidth": any(0xFF10 <= ord(c) <= 0xFF19 for c in text + (addr or ""))}
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return meta, errors

m1, e1 = build(np_data.DATA, "/work/blind4/registry_f.json", "registry_f.json", "b4np", "/work/blind4/blind4_np.jsonl", 41)
m2, e2 = build(ja_data.DATA, "/work/blind4/brief/registry.json", "registry.json", "b4ja", "/work/blind4/blind4_ja.jsonl", 42)
for e in e1 + e2: print("ERROR", e)
json.dump({**m1, **m2}, open("/work/blind4/blind4_meta.json", "w"), ensure_ascii=False, indent=1)
print("np", len(m1), "ja", len(m2), "errors", len(e1) + len(e2))
