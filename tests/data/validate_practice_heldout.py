import json, collections, sys
path = "/work/wt/practice/tests/data/practice_heldout.jsonl"
errs = []; rows = []
KINDS = {"missing","incomplete","incorrect","skepticism","major_concern"}
CH = ["align","asks","clarify","assure","no_pitfalls"]
for i, line in enumerate(open(path, encoding="utf-8"), 1):
    if "\\u" in line: errs.append(f"{i}: ascii-escaped")
    r = json.loads(line); rows.append(r)
    if set(r) != {"objection","kind","ambiguous","lang","reply","checks","evidence"}: errs.append(f"{i}: keys {set(r)}")
    if r["kind"] not in KINDS: errs.append(f"{i}: kind")
    if r["lang"] not in ("en","es"): errs.append(f"{i}: lang")
    if not isinstance(r["ambiguous"], bool): errs.append(f"{i}: ambiguous")
    if not (isinstance(r["objection"], str) and isinstance(r["reply"], str) and r["reply"].strip()): errs.append(f"{i}: strings")
    ch = r["checks"]
    if list(ch) != CH: errs.append(f"{i}: check keys")
    for k in ("align","clarify","no_pitfalls"):
        if not isinstance(ch[k], bool): errs.append(f"{i}: {k} must be bool")
    if (ch["asks"] is None) != (not r["ambiguous"]): errs.append(f"{i}: asks null iff not ambiguous")
    if ch["asks"] is not None and not isinstance(ch["asks"], bool): errs.append(f"{i}: asks type")
    if (ch["assure"] is None) != (r["kind"] in ("missing","incomplete")): errs.append(f"{i}: assure null rule")
    ev = r["evidence"]
    for k, v in ev.items():
        if k not in CH: errs.append(f"{i}: bad evidence key {k}")
        elif not (isinstance(v, str) and v and v in r["reply"]): errs.append(f"{i}: evidence[{k}] not substring: {v!r}")
    for k in ("align","asks","clarify","assure"):
        if ch[k] is True and k not in ev: errs.append(f"{i}: missing evidence for {k}")
        if ch[k] is not True and k in ev: errs.append(f"{i}: evidence for non-true {k}")
    if ch["no_pitfalls"] is False and "no_pitfalls" not in ev: errs.append(f"{i}: missing pitfall evidence")
    if ch["no_pitfalls"] is True and "no_pitfalls" in ev: errs.append(f"{i}: pitfall evidence on true")
    n = r["reply"].count(". ") + r["reply"].count("? ") + r["reply"].count("! ") + 1
    if n > 6: errs.append(f"{i}: maybe >6 sentences ({n})")
# duplicates
reps = collections.Counter(r["reply"] for r in rows)
errs += [f"dup reply: {k}" for k, v in reps.items() if v > 1]
print("rows", len(rows), collections.Counter(r["lang"] for r in rows))
print("kinds", dict(collections.Counter(r["kind"] for r in rows)))
print("ambiguous", sum(r["ambiguous"] for r in rows), f"({sum(r['ambiguous'] for r in rows)/len(rows):.0%})")
objs = collections.Counter(r["objection"] for r in rows)
print("objections", len(objs), "answers/objection min-max", min(objs.values()), max(objs.values()))
need = {"align":30,"clarify":30,"no_pitfalls":None,"asks":20,"assure":20}
for k in CH:
    c = collections.Counter(str(r["checks"][k]) for r in rows)
    print(f"{k:12s} true={c['True']:3d} false={c['False']:3d} null={c['None']:3d}")
    t, f_ = c["True"], c["False"]
    lim = need[k]
    if lim and (t < lim or f_ < lim): errs.append(f"{k} below {lim} each way")
    if k == "no_pitfalls" and f_ < 40: errs.append("no_pitfalls false < 40")
for lang in ("en","es"):
    sub = [r for r in rows if r["lang"]==lang]
    print(lang, {k: dict(collections.Counter(str(r["checks"][k]) for r in sub)) for k in CH})
print("ERRORS:", len(errs)); [print(" ", e) for e in errs]
sys.exit(1 if errs else 0)
