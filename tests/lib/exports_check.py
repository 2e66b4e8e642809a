#!/usr/bin/python3
"""Check smbwatch's DefectDojo and ECS exports against their schemas.

  exports_check.py defectdojo SCHEMA.json RUN1.json [RUN2.json]
      RUN1 is valid against the JSON Schema (written from DefectDojo's
      Generic Findings Import documentation), every finding has the fields
      docs/exports.md promises, unique_id_from_tool is unique in the run;
      with RUN2 (a second run of the same scan) the ids are the same set.
  exports_check.py ecs FIELDS.txt EVENTS.jsonl [scan|monitor|sensor]
      every line is a JSON object whose keys are all ECS fields in FIELDS.txt
      (pinned ECS version) or under smbwatch.*, each value of the field's ECS
      type, the required fields present, allowed values as ECS 8.11 lists;
      event.dataset is smbwatch.WHAT (default scan) and the kinds are the
      ones that source writes: scan state + alert, monitor event + alert
      (finding_opened), sensor alert (source.ip; destination only when the
      alert is about one server).
Prints "ok"/"not ok" lines (TAP body, no plan); exit 1 on any failure."""
import ipaddress
import json
import re
import sys

failures = 0


def check(cond, what, detail=""):
    global failures
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures += 1
        if detail:
            print(f"#   {str(detail)[:600]}")


PROMISED = ["title", "severity", "description", "mitigation", "references",
            "unique_id_from_tool", "vuln_id_from_tool", "date", "endpoints", "active",
            "verified", "static_finding", "dynamic_finding"]


def defectdojo(schema_path, run1, run2=None):
    import jsonschema
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.load(open(run1))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    check(not errors, f"{run1}: valid against the Generic Findings schema",
          "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))
    fs = doc.get("findings", [])
    check(len(fs) > 0, "the run has findings")
    missing = [(f.get("unique_id_from_tool"), k) for f in fs for k in PROMISED if k not in f]
    check(not missing, "every finding has the promised fields", missing[:5])
    check(all(f["static_finding"] is False and f["dynamic_finding"] is True for f in fs),
          "every finding is dynamic, not static")
    uids = [f["unique_id_from_tool"] for f in fs]
    check(len(uids) == len(set(uids)), "unique_id_from_tool is unique within the run")
    bad = [u for u, f in zip(uids, fs)
           if u != f"{f['vuln_id_from_tool']}/{f['endpoints'][0]['host']}/{f['endpoints'][0]['port']}"]
    check(not bad, "unique_id_from_tool is finding id/address/port", bad[:5])
    if run2:
        uids2 = {f["unique_id_from_tool"] for f in json.load(open(run2))["findings"]}
        check(set(uids) == uids2, "the same ids on a second run of the same scan",
              set(uids) ^ uids2)


# allowed values, ECS 8.11 reference (event.kind / category / type)
ALLOWED = {
    "event.kind": {"alert", "asset", "enrichment", "event", "metric", "state",
                   "pipeline_error", "signal"},
    "event.category": {"api", "authentication", "configuration", "database", "driver",
                       "email", "file", "host", "iam", "intrusion_detection", "library",
                       "malware", "network", "package", "process", "registry", "session",
                       "threat", "vulnerability", "web"},
    "event.type": {"access", "admin", "allowed", "change", "connection", "creation",
                   "deletion", "denied", "end", "error", "group", "indicator", "info",
                   "installation", "protocol", "start", "user"},
}
REQUIRED = ["@timestamp", "ecs.version", "event.kind", "event.category", "event.type",
            "event.dataset", "destination.ip", "destination.port", "observer.name"]
# what each source writes besides: required fields, event kinds
BY_SOURCE = {
    "scan": (REQUIRED, {"state", "alert"}),
    "monitor": (REQUIRED + ["event.action", "event.id"], {"event", "alert"}),
    "sensor": ([k for k in REQUIRED if not k.startswith("destination.")] +
               ["source.ip", "event.action", "rule.name"], {"alert"}),
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def flatten(obj, prefix=""):
    for k, v in obj.items():
        key = prefix + k
        if isinstance(v, dict) and not key.startswith("smbwatch"):
            yield from flatten(v, key + ".")
        else:
            yield key, v


def type_ok(t, v):
    vals = v if isinstance(v, list) else [v]
    for x in vals:
        if t in ("keyword", "match_only_text", "text"):
            if not isinstance(x, str):
                return False
        elif t == "long":
            if not isinstance(x, int) or isinstance(x, bool):
                return False
        elif t == "ip":
            try:
                ipaddress.ip_address(x)
            except (ValueError, TypeError):
                return False
        elif t == "date":
            if not isinstance(x, str) or not RFC3339.match(x):
                return False
        else:
            return False
    return True


def ecs(fields_path, events_path, source="scan"):
    required, want_kinds = BY_SOURCE[source]
    fields, version = {}, None
    for line in open(fields_path):
        m = re.search(r"version (\d+\.\d+)", line)
        if line.startswith("#"):
            version = version or (m and m.group(1))
            continue
        if line.strip():
            name, typ = line.split()
            fields[name] = typ
    check(version is not None, f"the field list names its ECS version ({version})")
    events = [json.loads(line) for line in open(events_path) if line.strip()]
    check(len(events) > 0, "the run has events")
    kinds = set()
    for i, e in enumerate(events):
        flat = dict(flatten(e))
        stray = [k for k in flat if k not in fields and k != "smbwatch"
                 and not k.startswith("smbwatch.")]
        check(not stray, f"event {i}: no key outside the ECS list and smbwatch.*", stray)
        wrong = [(k, flat[k], fields[k]) for k in flat if k in fields and not type_ok(fields[k], flat[k])]
        check(not wrong, f"event {i}: every value has its ECS type", wrong)
        absent = [k for k in required if k not in flat]
        check(not absent, f"event {i}: the required fields are there", absent)
        check(flat.get("ecs.version", "").startswith(version + "."),
              f"event {i}: ecs.version is {version}.x", flat.get("ecs.version"))
        bad = [(k, flat[k]) for k in ALLOWED if k in flat and
               not set(flat[k] if isinstance(flat[k], list) else [flat[k]]) <= ALLOWED[k]]
        check(not bad, f"event {i}: event.kind/category/type are ECS allowed values", bad)
        check(flat.get("event.dataset") == "smbwatch." + source,
              f"event {i}: event.dataset is smbwatch.{source}", flat.get("event.dataset"))
        kinds.add(flat.get("event.kind"))
        if "vulnerability.id" in flat or (source != "sensor" and flat.get("event.kind") == "alert"):
            check(all(k in flat for k in ("vulnerability.id", "vulnerability.severity",
                                          "vulnerability.description", "rule.name")),
                  f"event {i}: a finding has vulnerability.* and rule.name")
    check(kinds == want_kinds, f"the {source}'s event kinds are {sorted(want_kinds)}", kinds)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "defectdojo":
        defectdojo(*sys.argv[2:5])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "ecs" and sys.argv[4:] in ([], ["scan"], ["monitor"], ["sensor"]):
        ecs(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
    sys.exit(1 if failures else 0)
