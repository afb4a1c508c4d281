#!/usr/bin/python3
"""Dump what the reference parser (auparse, python3-audit 3.0.9 on Debian) makes of audit logs.

Usage: /usr/bin/python3 test/helpers/auparse_dump.py FILE [FILE...]

Prints one JSON object on stdout: {FILE: {"events": [EVENT...]} | {"error": "..."}}.

    EVENT  = {"node": str|None, "sec": int, "milli": int, "serial": int, "records": [RECORD...]}
             (sec/milli/serial are null when auparse has no timestamp for the event)
    RECORD = {"type": "SYSCALL", "typeNum": 1300, "nfields": 25, "line": 3,
              "fields": [[name, raw], ...],      # every field, get_field_str(), in order
              "interp": {name: value, ...},      # interpret_field() of the decoded fields below
              "text": "type=SYSCALL msg=..."}    # get_record_text()

Interpreted fields (the ones auditship decodes too): EXECVE a0, a1, ... and the chunks
aN[i]; PROCTITLE proctitle; PATH name; CWD cwd; SYSCALL exe, comm. When a name occurs twice
in one record only the first is kept in "interp" (no corpus record repeats one of these).
"fields" starts with auparse's pseudo-field `type`. interpret_field() of PATH name is the
decoded name only (not joined with CWD; that is interpret_realpath()), which we checked.

Values are strings when they are valid UTF-8, else {"hex": "..."} with the exact bytes: the
python binding decodes with strict UTF-8 and raises UnicodeDecodeError otherwise; the
exception carries the bytes (e.object), which is what we report.

Escaping: auparse applies an escape mode to interpreted values. The default (3.0.9) is
AUPARSE_ESC_TTY, which rewrites control bytes < 0x20 as backslash + 3 octal digits
("a\\tb" -> "a\\011b") but does not escape the backslash itself, so the result is ambiguous.
AUPARSE_ESC_SHELL / _SHELL_QUOTE additionally escape space, backslash, quotes etc. We select
AUPARSE_ESC_RAW (0): no escaping, so the interpreted value is the decoded bytes as they
are (hex-decoded untrusted strings; PROCTITLE with NUL replaced by a space, as auparse's
print_proctitle does). Checked with a PATH name=612062090A0D7F5C2522C3A9FF: RAW gives the
bytes 'a b\\t\\n\\r\\x7f\\\\%"\\xc3\\xa9\\xff' unchanged; TTY gives 'a b\\011\\012\\015...'.

The end-of-event timeout is auparse's default, 2 s of log time (set explicitly).
"""
import json
import sys

import auparse

INTERPRETED = {
    'EXECVE': None,  # a0, a1, ... and aN[i], see wanted()
    'PROCTITLE': {'proctitle'},
    'PATH': {'name'},
    'CWD': {'cwd'},
    'SYSCALL': {'exe', 'comm'},
}


def wanted(rtype, name):
    if rtype not in INTERPRETED:
        return False
    names = INTERPRETED[rtype]
    if names is None:
        # EXECVE arguments: aN or aN[i]; not argc, not aN_len
        if not name.startswith('a') or name == 'argc' or name.endswith('_len'):
            return False
        rest = name[1:]
        if '[' in rest:
            rest = rest[:rest.index('[')]
        return rest.isdigit()
    return name in names


def value(fn, missing=None):
    """Call a binding getter; map undecodable bytes to {"hex": ...}.

    The binding raises LookupError("Not found") / RuntimeError / OSError when the C function
    returns NULL or 0 (e.g. auparse_get_type_name for a type number its table lacks, or every
    getter of the bogus record auparse makes of a comment line): `missing` then.
    """
    try:
        return fn()
    except UnicodeDecodeError as e:
        return {'hex': bytes(e.object).hex()}
    except (LookupError, RuntimeError, OSError):
        return missing


def dump(path):
    au = auparse.AuParser(auparse.AUSOURCE_FILE, path)
    au.set_eoe_timeout(2)
    au.set_escape_mode(auparse.AUPARSE_ESC_RAW)
    events = []
    while au.parse_next_event():
        ts = value(au.get_timestamp)
        if ts is None:
            # auparse accepted a line whose "timestamp" it could not read (e.g. the comment
            # line `#   execve("/bin/true", NULL, NULL);` of laurel's fork-sleep-exec.txt)
            ev = {'node': None, 'sec': None, 'milli': None, 'serial': None, 'records': []}
        else:
            ev = {'node': ts.host, 'sec': ts.sec, 'milli': ts.milli, 'serial': ts.serial, 'records': []}
        if not au.first_record():
            events.append(ev)
            continue
        while True:
            # auparse_get_type_name has no name for numbers missing from libaudit's table
            # (e.g. 1420): report them the way auditd writes them, UNKNOWN[n]. A record with
            # no type at all (a comment line auparse accepted) gets type null.
            tnum = value(au.get_type)
            rtype = value(au.get_type_name, None if tnum is None else 'UNKNOWN[%d]' % tnum)
            rec = {
                'type': rtype,
                'typeNum': tnum,
                'nfields': value(au.get_num_fields),
                'line': value(au.get_line_number),
                'fields': [],
                'interp': {},
                'text': value(au.get_record_text),
            }
            if au.first_field():
                while True:
                    name = value(au.get_field_name)
                    rec['fields'].append([name, value(au.get_field_str)])
                    if isinstance(name, str) and isinstance(rtype, str) and wanted(rtype, name) and name not in rec['interp']:
                        rec['interp'][name] = value(au.interpret_field)
                    if not au.next_field():
                        break
            ev['records'].append(rec)
            if not au.next_record():
                break
        events.append(ev)
    return events


def main(argv):
    out = {}
    for path in argv:
        try:
            out[path] = {'events': dump(path)}
        except Exception as e:  # report, keep going with the other files
            out[path] = {'error': '%s: %s' % (type(e).__name__, e)}
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
