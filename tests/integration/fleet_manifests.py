#!/usr/bin/env python3
"""Offline check of contrib/kubernetes/*.yaml (no cluster needed).

  fleet_manifests.py SCHEMA.json DIR

Every document is validated against the hand-written Kubernetes 1.29 schema
subset for its kind (tests/data/kubernetes-1.29/); then the smbwatch-specific
shape: an Indexed Job's pods take their slice with
`--shard env:JOB_COMPLETION_INDEX/N` where N equals completions and
parallelism, every scanning pod uses one and the same --seed and has a
--view, and --db comes from a Secret key defined in DIR. Prints one line per
problem and exits 1 if there is any; prints "ok: ..." lines otherwise.
"""
import glob
import json
import os
import sys

import jsonschema
import yaml


def opt(args, name):
    """The value after `name` (or of name=VALUE) in a container's args."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1:]
    return None


def containers_of(doc):
    spec = doc.get("spec", {})
    if doc.get("kind") == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec, spec.get("template", {}).get("spec", {}).get("containers", [])


def main():
    schema_path, directory = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    problems, oks = [], []
    docs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.basename(path), doc))
    secrets = {}
    for name, doc in docs:
        key = "%s %s" % (doc.get("apiVersion"), doc.get("kind"))
        kind_schema = schema["kinds"].get(key)
        if kind_schema is None:
            problems.append("%s: kind %r is not in the vendored schema" % (name, key))
            continue
        full = dict(kind_schema, **{"$defs": schema["$defs"]})
        errs = sorted(jsonschema.Draft202012Validator(full).iter_errors(doc), key=str)
        for e in errs:
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            problems.append("%s: %s: %s" % (name, where, e.message))
        if not errs:
            oks.append("%s: valid %s (Kubernetes 1.29 subset)" % (name, key))
        if doc.get("kind") == "Secret":
            keys = set(doc.get("stringData", {})) | set(doc.get("data", {}))
            secrets[doc["metadata"]["name"]] = keys

    seeds = {}
    for name, doc in docs:
        if doc.get("kind") not in ("Job", "CronJob"):
            continue
        spec, containers = containers_of(doc)
        for c in containers:
            args = c.get("args", [])
            cmd = (c.get("command") or []) + args
            sub = args[0] if args else None
            where = "%s: container %s" % (name, c.get("name"))
            if sub not in ("scan", "monitor"):
                problems.append("%s: runs %r, not smbwatch scan or monitor" % (where, sub))
                continue
            if sub == "monitor" and "--once" not in args:
                problems.append("%s: monitor without --once in a Job" % where)
            if opt(args, "--view") is None:
                problems.append("%s: no --view" % where)
            db = opt(args, "--db")
            env = {e["name"]: e for e in c.get("env", [])}
            if db is None or not (db.startswith("$(") and db.endswith(")")):
                problems.append("%s: --db is %r, not $(VAR) from a Secret" % (where, db))
            else:
                ref = env.get(db[2:-1], {}).get("valueFrom", {}).get("secretKeyRef")
                if not ref:
                    problems.append("%s: %s is not set from a secretKeyRef" % (where, db))
                elif ref.get("key") not in secrets.get(ref.get("name"), set()):
                    problems.append("%s: Secret %s has no key %s in %s" % (
                        where, ref.get("name"), ref.get("key"), directory))
            shard = opt(args, "--shard")
            if spec.get("completionMode") == "Indexed":
                n = spec.get("completions")
                want = "env:JOB_COMPLETION_INDEX/%s" % n
                if shard != want:
                    problems.append("%s: --shard is %r; an Indexed Job of %s completions needs %r"
                                    % (where, shard, n, want))
                if isinstance(n, int) and spec.get("parallelism", n) > n:
                    problems.append("%s: parallelism above completions" % where)
                if sub == "scan" and opt(args, "--seed") is None:
                    problems.append("%s: a sharded scan without --seed (each pod would "
                                    "shuffle differently: slices overlap and miss)" % where)
            elif shard is not None and shard.startswith("env:JOB_COMPLETION_INDEX"):
                problems.append("%s: JOB_COMPLETION_INDEX outside an Indexed Job" % where)
            if shard is not None and opt(args, "--seed") is not None:
                seeds.setdefault(opt(args, "--seed"), []).append(where)
            if "sh" in cmd[:1] or "-c" in cmd[:2]:
                problems.append("%s: wrapped in a shell; use --shard env:VAR/N" % where)
    if len(seeds) > 1:
        problems.append("sharded pods disagree on --seed: %s" % seeds)
    elif seeds:
        oks.append("one --seed %s for every sharded pod (%d)" % (
            next(iter(seeds)), len(next(iter(seeds.values())))))
    for line in oks:
        print("ok: " + line)
    for line in problems:
        print("problem: " + line)
    return 1 if problems or not docs else 0


if __name__ == "__main__":
    sys.exit(main())
