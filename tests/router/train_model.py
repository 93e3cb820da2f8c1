#!/usr/bin/python3
"""train_model.py - trains the router's statistical second opinion offline.

The model is a multinomial Naive Bayes over character unigrams and bigrams
of the normalised, compound-stripped text (services/router/ngram.c scores
it). It is trained from data files only:
  - every scoring phrase of deploy/lexicon/<category>.tsv with a positive
    weight (a phrase counts `weight` times, scaled by --lex-scale);
  - tests/router/classify_cases.tsv (the classifier corpus);
  - the demand sets tests/router/set_*.jsonl EXCEPT the held-out ones
    (HELD_OUT below, and every tests/router/heldout_*.jsonl): those measure
    the model and are never trained on; neither are the 54 shared samples.

Text is prepared as the router prepares it: traditional to simplified with
OpenCC's CLI (t2s), full-width to half-width, and the located compound's
name and aliases removed (the compound is taken from a dry run of the real
router, so training strips what the router strips).

usage:
  train_model.py [--out deploy/lexicon/model.tsv]   train and write the model
  train_model.py --cv                                grouped cross-validation
                                                     of the fallback rule
Options --lexicon DIR and --sets GLOB let a past lexicon be replayed.
"""
import argparse
import atexit
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "routing")
sys.path.insert(0, HERE)
import eval_sets  # noqa: E402

CATEGORIES = list(eval_sets.CHAINS.keys())  # wire order = category_t order
# The novel-wording rounds kept aside to measure the model (never trained on).
HELD_OUT = ("set_ad_hard.jsonl", "set_ae_hard.jsonl", "set_af_hard.jsonl",
            "set_ag_hard.jsonl")

ALPHA = 0.1       # additive smoothing
SCALE = 100       # log-probabilities are stored as integers x SCALE
LEX_SCALE = 0.1   # a lexicon phrase of weight w counts as w * LEX_SCALE demands
MIN_COUNT = 2.0   # features seen less than this (summed over categories) are
                  # dropped: a 2.5x smaller table, so scoring stays in cache;
                  # replaying AA-AG it costs 1 demand of 241
# The fallback rule (see docs/router.md "Statistical second opinion"): the
# model is consulted when the lexicon's best score is below FALLBACK_BELOW,
# and decides when its own best category beats its runner-up by at least
# FALLBACK_MARGIN + FALLBACK_PER_POINT x (the lexicon's lead over its own
# runner-up) nats. Chosen on sets AA-AG replayed with the lexicons from
# before those sets were written (--tune), under the constraint that no
# existing set loses a demand.
FALLBACK_BELOW = 10
FALLBACK_MARGIN = 4.0
FALLBACK_PER_POINT = 2.0


# ------------------------------------------------------------ text preparation
def fold(s):
    """Full-width to half-width and lower-case, as normalize.c does."""
    out = []
    for ch in s:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        elif o == 0x3000:
            ch = " "
        out.append(ch)
    return "".join(out)


def t2s(texts):
    if not texts:
        return []
    out = subprocess.run(["opencc", "-c", "t2s.json"], input="\n".join(texts), text=True,
                         capture_output=True, check=True).stdout
    return out.split("\n")[:len(texts)]


def is_cjk(o):
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def tokens(text):
    """Code points as ngram.c sees them: CJK characters and ASCII letters
    (lower-cased) are tokens, every run of ASCII digits is one token '0';
    anything else separates (bigrams never span it)."""
    toks = []
    prev_digit = False
    for ch in text:
        o = ord(ch)
        if is_cjk(o) or ("a" <= ch <= "z"):
            toks.append(ch)
            prev_digit = False
        elif "A" <= ch <= "Z":
            toks.append(ch.lower())
            prev_digit = False
        elif "0" <= ch <= "9":
            if not prev_digit:
                toks.append("0")
            prev_digit = True
        else:
            toks.append(None)
            prev_digit = False
    return toks


def features(text):
    """Unigrams and bigrams of tokens(). Numbers are left out: in a demand
    they are flat and building numbers, phone numbers, dates - who and
    where, never what - and a model that learnt them (say "栋0" from the
    sets' addresses) voted on them (blind round 2, blh021). The router
    still computes such features; absent from the model, they count for
    nothing."""
    toks = tokens(text)
    f = []
    for i, t in enumerate(toks):
        if t is None or t == "0":
            continue
        f.append(t)
        if i + 1 < len(toks) and toks[i + 1] is not None and toks[i + 1] != "0":
            f.append(t + toks[i + 1])
    return f


# ------------------------------------------------------------------ corpus
def load_lexicon(lexdir):
    docs = []
    for cat in CATEGORIES:
        path = os.path.join(lexdir, cat + ".tsv")
        for line in open(path, encoding="utf-8-sig"):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            f = line.split("\t")
            if len(f) < 2:
                continue
            try:
                w = int(f[1])
            except ValueError:
                continue
            if w > 0:
                docs.append((cat, f[0], w))
    return docs


def load_cases(path):
    docs = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) == 3:
            docs.append((f[0], f[2]))
    return docs


def lexicon_only(lexdir):
    """A copy of the lexicon directory without model.tsv, so that the dry
    runs show what the lexicon alone decides (the rule is about when to
    overrule it, and training must not see a model's own decisions)."""
    tmp = tempfile.mkdtemp(prefix="train_model.")
    atexit.register(shutil.rmtree, tmp, True)
    for name in os.listdir(lexdir):
        if name.endswith(".tsv") and name != "model.tsv":
            shutil.copy(os.path.join(lexdir, name), tmp)
    return tmp


def registry_names(reg_path):
    doc = json.load(open(reg_path, encoding="utf-8"))
    return {u["code"]: [u["name"]] + list(u.get("aliases", [])) for u in doc["units"]}


def load_set(path, router, lexdir):
    """[(set name, category, prepared text, lexicon explain)] for one set."""
    reg_path, lines = eval_sets.read_set(path, FIXTURES)
    names = registry_names(reg_path)
    inp = "".join(json.dumps({k: v for k, v in d.items() if k != "expect"},
                             ensure_ascii=False) + "\n" for d in lines)
    env = dict(os.environ, LIANDONG_LEXICON=lexdir)
    out = subprocess.run([router, "--dry-run", "--registry", os.path.abspath(reg_path)],
                         input=inp, cwd=ROOT, capture_output=True, text=True, check=True,
                         env=env).stdout.splitlines()
    texts = t2s([d["text"].replace("\n", " ") for d in lines])
    rows = []
    for d, o, t in zip(lines, out, texts):
        got = json.loads(o)
        t = fold(t)
        code = got.get("explain", {}).get("compound", {}).get("code")
        for n in sorted(names.get(code, []), key=len, reverse=True):
            t = t.replace(n, " ")
        why = got.get("explain", {}).get("classifier", {}).get("why", {})
        rows.append((os.path.basename(path), d["expect"]["category"], t, why,
                     got.get("category")))
    return rows


# ------------------------------------------------------------------- model
class NB:
    def __init__(self, docs, alpha=ALPHA, min_count=MIN_COUNT):
        """docs: [(category, [features], weight)]"""
        self.count = {c: {} for c in CATEGORIES}
        self.total = {c: 0.0 for c in CATEGORIES}
        self.ndocs = {c: 0.0 for c in CATEGORIES}
        vocab = set()
        for cat, feats, w in docs:
            cnt = self.count[cat]
            for f in feats:
                cnt[f] = cnt.get(f, 0.0) + w
                self.total[cat] += w
                vocab.add(f)
            self.ndocs[cat] += 1
        self.vocab = vocab
        self.alpha = alpha
        v = len(vocab)
        self.base = {c: math.log(alpha / (self.total[c] + alpha * v)) for c in CATEGORIES}
        # a uniform prior: the training mix of categories says nothing about
        # the mix of demands
        self.delta = {}
        for c in CATEGORIES:
            for f, n in self.count[c].items():
                self.delta.setdefault(f, {})[c] = math.log1p(n / alpha)
        total = {}
        for c in CATEGORIES:
            for f, n in self.count[c].items():
                total[f] = total.get(f, 0.0) + n
        self.vocab = {f for f in vocab if total[f] >= min_count}
        self.delta = {f: d for f, d in self.delta.items() if f in self.vocab}

    def scores(self, feats):
        known = [f for f in feats if f in self.vocab]
        s = {c: len(known) * self.base[c] for c in CATEGORIES}
        for f in known:
            for c, d in self.delta[f].items():
                s[c] += d
        return s, known


def build_docs(lex, cases, rows, lex_scale):
    docs = []
    for cat, phrase, w in lex:
        docs.append((cat, features(phrase), w * lex_scale))
    for cat, text in cases:
        docs.append((cat, features(text), 1.0))
    for _, cat, text, _, _ in rows:
        docs.append((cat, features(text), 1.0))
    return docs


# ------------------------------------------------------------ fallback rule
def lexicon_view(why):
    """(best by score, its score, runner-up score, final category)."""
    sc = {k: v["score"] for k, v in why.get("scores", {}).items()}
    ranked = sorted(sc.values(), reverse=True)
    best = why.get("best_by_score", "unclassified")
    top = ranked[0] if ranked else 0
    second = ranked[1] if len(ranked) > 1 else 0
    return best, top, second, sc


def decide(why, final, nbs, rule):
    """The fallback rule as classify.c applies it. Returns (category, fired)."""
    best, top, second, sc = lexicon_view(why)
    if top >= rule["below"]:
        return final, False
    unc = sc.get("unclassified", 0)
    if best == "unclassified" and unc > 0 and unc >= top:
        return final, False
    ranked = sorted(nbs.items(), key=lambda kv: kv[1], reverse=True)
    nb_cat, margin = ranked[0][0], ranked[0][1] - ranked[1][1]
    if nb_cat in ("unclassified", best):
        return final, False
    if margin >= rule["margin"] + rule["per_point"] * max(0, top - max(second, 0)):
        return nb_cat, True
    return final, False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--router", default=os.path.join(ROOT, "build", "bin", "router"))
    ap.add_argument("--lexicon", default=os.path.join(ROOT, "deploy", "lexicon"))
    ap.add_argument("--sets", default=os.path.join(HERE, "set_*.jsonl"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--lex-scale", type=float, default=LEX_SCALE)
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--cases", default=os.path.join(HERE, "classify_cases.tsv"))
    ap.add_argument("--exclude", nargs="*", default=[],
                    help="more set file names to keep out of training")
    ap.add_argument("--eval", nargs="*", default=[])
    ap.add_argument("--tune", nargs="*", default=[],
                    help="score every candidate rule on these (unseen) sets")
    args = ap.parse_args()
    lexdir = lexicon_only(os.path.abspath(args.lexicon))
    lex = load_lexicon(lexdir)
    cases = load_cases(args.cases)
    skip = set(HELD_OUT) | set(args.exclude) | {os.path.basename(p) for p in args.tune}
    train_sets = [p for p in sorted(glob.glob(args.sets))
                  if os.path.basename(p) not in skip and "heldout_" not in p]
    rows = []
    for p in train_sets:
        rows += load_set(p, args.router, lexdir)
    print(f"training: {len(lex)} lexicon phrases, {len(cases)} corpus cases, "
          f"{len(rows)} demands from {len(train_sets)} sets", file=sys.stderr)
    if args.cv:
        cross_validate(lex, cases, rows, args)
        return
    model = NB(build_docs(lex, cases, rows, args.lex_scale))
    if args.tune:
        ev = []
        for p in args.tune:
            ev += load_set(p, args.router, lexdir)
        score_rules([(r, model.scores(features(r[2]))[0]) for r in ev])
        return
    for p in args.eval:
        ev = load_set(p, args.router, lexdir)
        report(p, model, ev)
    if args.out:
        write_model(model, args.out)


RULES = [dict(below=b, margin=m, per_point=k)
         for b in (5, 10, 12, 15, 20, 1000) for m in (1, 2, 3, 4, 8) for k in (0, 0.5, 1, 2, 4)]


def cross_validate(lex, cases, rows, args):
    """Leave one set out: the model is trained without the set, then the
    rule is scored on it. Prints model-only accuracy and the best rules."""
    sets = sorted({r[0] for r in rows})
    preds = []  # (row, nb scores)
    for s in sets:
        train = [r for r in rows if r[0] != s]
        model = NB(build_docs(lex, cases, train, args.lex_scale))
        for r in rows:
            if r[0] == s:
                preds.append((r, model.scores(features(r[2]))[0]))
    score_rules(preds)


def score_rules(preds):
    n = len(preds)
    nb_ok = sum(max(p, key=p.get) == r[1] for r, p in preds)
    lex_ok = sum(r[4] == r[1] for r, _ in preds)
    print(f"{n} unseen demands: lexicon {lex_ok} ({100 * lex_ok / n:.1f}%),"
          f" model alone {nb_ok} ({100 * nb_ok / n:.1f}%)")
    res = []
    for rule in RULES:
        ok = fired = gained = lost = 0
        for r, p in preds:
            cat, f = decide(r[3], r[4], p, rule)
            ok += cat == r[1]
            fired += f
            if f:
                gained += cat == r[1]
                lost += r[4] == r[1]
        res.append((ok, -fired, rule, fired, gained, lost))
    res.sort(key=lambda x: (x[0], x[1]), reverse=True)
    for ok, _, rule, fired, gained, lost in res[:25]:
        print(f"{ok}/{n} ({100 * ok / n:.1f}%) fired {fired} gained {gained} lost {lost} {rule}")


def report(path, model, ev):
    n = len(ev)
    lex_ok = sum(r[4] == r[1] for r in ev)
    nb_ok = 0
    for r in ev:
        s, _ = model.scores(features(r[2]))
        nb_ok += max(s, key=s.get) == r[1]
    print(f"{os.path.basename(path)}: {n} demands, lexicon {lex_ok}, model alone {nb_ok}")


def write_model(model, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# model.tsv - written by tests/router/train_model.py; do not edit.\n")
        f.write("# See deploy/lexicon/README.md (section model.tsv).\n")
        f.write("version\t1\n")
        f.write(f"fallback_below\t{FALLBACK_BELOW}\n")
        f.write(f"fallback_margin\t{round(FALLBACK_MARGIN * SCALE)}\n")
        f.write(f"fallback_per_point\t{round(FALLBACK_PER_POINT * SCALE)}\n")
        for c in CATEGORIES:
            f.write(f"base\t{c}\t{round(model.base[c] * SCALE)}\n")
        for feat in sorted(model.delta):
            d = model.delta[feat]
            # class index = position of the category among the base lines
            items = " ".join(f"{CATEGORIES.index(c)}:{round(v * SCALE)}"
                             for c, v in sorted(d.items(), key=lambda kv: CATEGORIES.index(kv[0]))
                             if round(v * SCALE) > 0)
            if items:
                f.write(f"ngram\t{feat}\t{items}\n")


if __name__ == "__main__":
    main()
