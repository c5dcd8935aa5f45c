#!/usr/bin/env python3
"""Verdict and count of Odoo test runs: Odoo's exit status, and no warning in the log.

Usage:
    check_log.py [--extra-failed N] LABEL:LOGFILE:EXITCODE [...]

A run (one Odoo process, its log file and its exit status) fails when
  * Odoo exited non-zero: `odoo --test-enable --stop-after-init` exits non-zero when a
    test failed or raised, or when the database could not be loaded;
  * its log holds a record at level WARNING, ERROR or CRITICAL, except the harmless
    ones of HARMLESS_WARNINGS (the add-on must install and run without warnings).
    Odoo logs its closing test summary at WARNING when no test ran: a run whose label
    ends with '?' may run no test, the others may not.

Counting: Odoo 19 ends such a run with one summary line per database, logged by the
'odoo.tests.result' logger (odoo/service/server.py, text of OdooTestResult.__str__):

    ... odoo.tests.result: 0 failed, 0 error(s) of 12 tests when loading database 'cskh_test'

Prints the offending lines of each failed run, then, as the very last line,

    N passed, M failed

N = tests run - failed - errors - skipped, M = failed + errors, summed over all runs;
a failed run without a summary line (stopped before its tests) counts as 1 failed,
and --extra-failed N adds N checks that failed outside these runs.
Exit status 0 only if every run is clean and N is 0.
"""
import argparse
import re
import sys

# An Odoo log record starts with: "2026-01-01 12:00:00,123 4242 LEVEL dbname logger: message"
RECORD_RE = re.compile(
    r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z_]+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<msg>.*)$')
SUMMARY_RE = re.compile(
    r'(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<total>\d+) tests when loading database')
# OdooTestResult.addSkip: "skipped <test description> : <reason>", at INFO on the test's logger
SKIP_RE = re.compile(r'^skipped .* : ')

# (logger, message regex) pairs of WARNING records known to be harmless.
HARMLESS_WARNINGS = [
    # Odoo 19 when no --http-interface is given (the Makefile always passes one)
    ('odoo.tools.config', re.compile(r'missing --http-interface/http_interface')),
]


def check_run(label, path, rc):
    optional_tests = label.endswith('?')
    problems = []
    summary = None
    skipped = 0
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            lines = f.read().splitlines()
    except OSError as e:
        return {'problems': [f'cannot read log {path}: {e}'], 'passed': 0, 'failed': 1, 'skipped': 0}

    for line in lines:
        m = RECORD_RE.match(line)
        if not m:
            continue
        level, logger, msg = m['level'], m['logger'], m['msg']
        if logger == 'odoo.tests.result' and (s := SUMMARY_RE.search(msg)):
            summary = {k: int(v) for k, v in s.groupdict().items()}
            if summary['total'] == 0:
                if not optional_tests:
                    problems.append(f'{line}  <- no test ran (check MODULE / TAGS)')
                continue
        if level == 'INFO' and SKIP_RE.match(msg):
            skipped += 1
        elif level in ('WARNING', 'ERROR', 'CRITICAL') and not (
                level == 'WARNING' and any(logger == lg and rx.search(msg) for lg, rx in HARMLESS_WARNINGS)):
            problems.append(line)

    if rc != 0:
        problems.append(f'odoo exited with status {rc}')
    if summary is None:
        problems.append("no test summary line ('... tests when loading database') in the log: "
                        "Odoo stopped before running the tests (see the errors above / the log)")
        return {'problems': problems, 'passed': 0, 'failed': 1, 'skipped': skipped}
    failed = summary['failed'] + summary['errors']
    return {'problems': problems, 'passed': max(summary['total'] - failed - skipped, 0), 'failed': failed,
            'skipped': skipped, 'total': summary['total']}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--extra-failed', type=int, default=0, metavar='N',
                        help='checks that failed outside these runs, added to the failed count')
    parser.add_argument('runs', nargs='+', metavar='LABEL:LOGFILE:EXITCODE')
    args = parser.parse_args(argv)
    runs = []
    for arg in args.runs:
        try:
            label, path, rc = arg.rsplit(':', 2)
            runs.append((label, path, int(rc)))
        except ValueError:
            parser.error(f'bad argument {arg!r}, expected LABEL:LOGFILE:EXITCODE')

    ok = not args.extra_failed
    passed, failed, skipped = 0, args.extra_failed, 0
    for label, path, rc in runs:
        res = check_run(label, path, rc)
        label = label.rstrip('?')
        if res['problems']:
            ok = False
            print(f'FAILED [{label}] (full log: {path}):')
            for p in res['problems'][:40]:
                print(f'  {p}')
            if len(res['problems']) > 40:
                print(f'  ... and {len(res["problems"]) - 40} more')
            # a run judged failed counts at least one failure, e.g. for a warning
            res['failed'] = max(res['failed'], 1)
        else:
            print(f"ok [{label}]: {res.get('total', 0)} tests, {res['skipped']} skipped (log: {path})")
        passed += res['passed']
        failed += res['failed']
        skipped += res['skipped']
    if skipped:
        print(f'({skipped} skipped, not counted as passed)')
    print(f'{passed} passed, {failed} failed')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
