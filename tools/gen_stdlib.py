#!/usr/bin/env python3
"""Generate the standard library entity declarations (stdlib/*.seq).

Why this exists: the language spec (LANGUAGE.md §3) says the standard library ships
lead, opportunity, contact, account, systemuser and team with the field names, types
and option values/labels of the standard CRM schema. Those facts come from the
Microsoft Common Data Model (CC-BY-4.0), extracted to JSON in shared/schemas/cdm/.
This script turns that JSON into .seq source, so the stdlib is derived, reproducible
and never edited by hand. It patches the known gaps of the data (schemas/README.md)
and prints a note on stderr for every case it had to decide.

Usage: tools/gen_stdlib.py [CDM_DIR]   (default: ../shared/schemas/cdm from the repo root)
Writes stdlib/<entity>.seq. Standard library only; output is deterministic.
"""
import json
import os
import sys

ENTITIES = ["lead", "opportunity", "contact", "account", "systemuser", "team"]
# TeamMembership (CDM applicationCommon/TeamMembership.cdm.json, same commit) is not in
# the JSON extract; its four attributes, as CDM defines them, are written here. The
# workspace reads memberships as records (CALENDARS.md §6).
EXTRA = {"teammembership": {"displayName": "Team Membership", "fields": [
    {"name": "teammembershipid", "type": "guid", "displayName": "Team Membership", "primaryKey": True},
    {"name": "systemuserid", "type": "guid", "displayName": "User"},
    {"name": "teamid", "type": "guid", "displayName": "Team"},
    {"name": "versionnumber", "type": "bigint", "displayName": "Version number"},
]}}
SIMPLE_TYPES = {"integer": "int", "bigint": "int", "decimal": "decimal", "double": "decimal",
                "money": "money", "boolean": "bool", "datetime": "datetime", "guid": "id"}
STRING_TYPES = {"string", "entityname"}
SYSTEM_SET = {"createdon", "createdby", "modifiedon", "modifiedby", "versionnumber"}
# Option sets that are empty in opportunity.json but filled in lead.json (schemas/README.md).
BORROW_FROM_LEAD = {"budgetstatus", "need", "purchaseprocess", "purchasetimeframe",
                    "initialcommunication"}


def note(entity, field, msg):
    print(f"gen_stdlib: note: {entity}.{field}: {msg}", file=sys.stderr)


def quote(s):
    """A .seq string literal (LANGUAGE.md §1): escape \\ and ", never a raw control char."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or ch in "\u2028\u2029":
            out.append("\\u{%X}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def choice_type(entity, f, lead_fields):
    opts = f.get("options") or []
    if not opts and entity == "opportunity" and f["name"] in BORROW_FROM_LEAD:
        opts = (lead_fields.get(f["name"]) or {}).get("options") or []
        note(entity, f["name"], f"options empty in CDM, borrowed {len(opts)} from lead")
    seen_values, seen_labels, parts = set(), set(), []
    for o in opts:
        value, label = o.get("value"), o.get("label")
        if type(value) is not int or not isinstance(label, str):
            sys.exit(f"gen_stdlib: error: {entity}.{f['name']}: bad option {o!r}")
        if label != label.strip():
            note(entity, f["name"], f"trimmed option label {label!r}")
            label = label.strip()
        if value in seen_values or label in seen_labels:
            note(entity, f["name"], f"dropped duplicate option {value} {label!r}")
            continue
        seen_values.add(value)
        seen_labels.add(label)
        parts.append(f"{value} {quote(label)}")  # a negative value prints as -1
    if not parts:
        note(entity, f["name"], "option set is empty, declared as string")
        return "string"
    return "choice { " + ", ".join(parts) + " }"


def lookup_type(entity, f):
    targets = f.get("targets") or []
    if not targets and f.get("targetHintFromName"):
        targets = [f["targetHintFromName"]]
        note(entity, f["name"], f"no lookup target in CDM, used name hint {targets[0]!r}")
    if not targets:
        note(entity, f["name"], "no lookup target in CDM and no hint, declared as id")
        return "id"
    return "lookup " + " | ".join(targets)


def field_line(entity, f, lead_fields):
    t, name = f["type"], f["name"]
    if t in SIMPLE_TYPES:
        ty = SIMPLE_TYPES[t]
    elif t in STRING_TYPES:
        ty = f"string({f['maxLength']})" if f.get("maxLength") else "string"
    elif t == "optionset":
        ty = choice_type(entity, f, lead_fields)
    elif t == "lookup":
        ty = lookup_type(entity, f)
    else:
        sys.exit(f"gen_stdlib: error: {entity}.{name}: unknown CDM type {t!r}")
    readonly = (f.get("primaryKey") or f.get("readOnly") is True
                or name in SYSTEM_SET or name.endswith("_base"))
    line = f"  {name}: {ty}" + (" readonly" if readonly else "")
    display = (f.get("displayName") or "").strip()
    if display != (f.get("displayName") or ""):
        note(entity, name, f"trimmed display name {f['displayName']!r}")
    return line + (f" {quote(display)}" if display else "")


def generate(entity, doc, lead_fields):
    lines = []
    for f in doc["fields"]:
        if f["type"] == "partylist":
            note(entity, f["name"], "partylist has no counterpart in the language, left out")
            continue
        lines.append(field_line(entity, f, lead_fields))
    title = doc.get("displayName") or entity
    head = (f"// Standard library: the {title} entity. Generated by tools/gen_stdlib.py from the\n"
            f"// Microsoft Common Data Model (CC-BY-4.0), see NOTICE. Do not edit by hand.\n"
            f"entity {entity} {quote(title)} {{\n")
    return head + "\n".join(lines) + "\n}\n", len(lines)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cdm = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "schemas", "cdm")
    docs = {}
    for e in ENTITIES:
        with open(os.path.join(cdm, e + ".json"), encoding="utf-8") as fh:
            docs[e] = json.load(fh)
    docs.update(EXTRA)
    lead_fields = {f["name"]: f for f in docs["lead"]["fields"]}
    out_dir = os.path.join(root, "stdlib")
    os.makedirs(out_dir, exist_ok=True)
    for e in ENTITIES + list(EXTRA):
        text, count = generate(e, docs[e], lead_fields)
        with open(os.path.join(out_dir, e + ".seq"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        print(f"gen_stdlib: wrote stdlib/{e}.seq ({count} fields)", file=sys.stderr)


if __name__ == "__main__":
    main()
