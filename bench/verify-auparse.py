#!/usr/bin/python3
# Check a generated log with the reference parser (python3-audit's auparse).
# Use the Debian system interpreter: /usr/bin/python3 bench/verify-auparse.py FILE
# Prints records, events, record types and auparse parse errors as JSON.
# Compare with `node bench/generate.mjs ... --stats` -> auparseExpected
# (auparse 3.0.9 eats an EOE that follows PROCTITLE and ends an event at LOGIN).
import json
import sys

import auparse

path = sys.argv[1]
au = auparse.AuParser(auparse.AUSOURCE_FILE, path)
records = events = errors = 0
types = {}
multi = 0
while True:
    try:
        if not au.parse_next_event():
            break
    except Exception as e:  # noqa: BLE001 - count and continue
        errors += 1
        continue
    events += 1
    n = au.get_num_records()
    if n > 1:
        multi += 1
    au.first_record()
    for _ in range(n):
        records += 1
        t = au.get_type_name() or str(au.get_type())
        types[t] = types.get(t, 0) + 1
        # touch every field so malformed values surface
        au.first_field()
        while True:
            try:
                au.get_field_name()
                au.get_field_str()
            except Exception:  # noqa: BLE001
                errors += 1
            if not au.next_field():
                break
        au.next_record()
print(json.dumps({"file": path, "records": records, "events": events, "multi_record_events": multi,
                  "errors": errors, "types": dict(sorted(types.items(), key=lambda kv: -kv[1]))}, indent=1))
