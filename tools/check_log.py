#!/usr/bin/env python3
"""Judge Odoo test runs from their logs (Odoo's exit code alone is not reliable).

Usage:
    check_log.py [--allow-no-tests] LABEL:LOGFILE:EXITCODE [...]

For each run (one Odoo process, its log file and its exit code), the run fails if
  * the process exited non-zero,
  * any log record is at level ERROR or CRITICAL,
  * any log record is at level WARNING, except the known harmless ones listed
    in HARMLESS_WARNINGS (found by installing `base` alone in Odoo 19),
  * Odoo's final test summary line is missing, reports failures or errors, or
    reports that no test ran (unless the run label ends with '?', meaning its
    tests are optional: zero tests is then fine).

Odoo 19 ends a --test-enable/--test-tags run with exactly one summary line per
database, logged by odoo.service.server.ThreadedServer.run() through the
'odoo.tests.result' logger (INFO if all passed, WARNING if no test ran, ERROR
otherwise):

    ... odoo.tests.result: 0 failed, 0 error(s) of 12 tests when loading database 'cskh_test'

(the text is OdooTestResult.__str__ in odoo/tests/result.py).

Prints the offending lines, then, as the very last line:

    N passed, M failed

N = tests run - failed - errors - skipped, M = failed + errors (summed over
all runs); a run that crashed before printing its summary counts as 1 failed.
Exit status 0 only if every run is clean.
"""
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

BAD_LEVELS = {'ERROR', 'CRITICAL'}


def check_run(label, path, rc):
    optional_tests = label.endswith('?')
    label = label.rstrip('?')
    problems = []
    summary = None
    skipped = 0
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            lines = f.read().splitlines()
    except OSError as e:
        return {'label': label, 'problems': [f'cannot read log {path}: {e}'],
                'passed': 0, 'failed': 1, 'skipped': 0}

    for line in lines:
        m = RECORD_RE.match(line)
        if not m:
            continue
        level, logger, msg = m['level'], m['logger'], m['msg']
        if logger == 'odoo.tests.result':
            s = SUMMARY_RE.search(msg)
            if s:
                summary = {k: int(v) for k, v in s.groupdict().items()}
                if level == 'WARNING' and summary['total'] == 0:
                    continue  # judged below, from the counts
        if level == 'INFO' and SKIP_RE.match(msg):
            skipped += 1
        if level in BAD_LEVELS:
            problems.append(line)
        elif level == 'WARNING':
            if not any(logger == lg and rx.search(msg) for lg, rx in HARMLESS_WARNINGS):
                problems.append(line)

    if rc != 0:
        problems.append(f'odoo exited with status {rc}')
    if summary is None:
        problems.append("no final test summary line ('... tests when loading database') in the log: "
                        "Odoo stopped before running the tests (see the errors above / the log)")
        return {'label': label, 'problems': problems, 'passed': 0, 'failed': 1, 'skipped': skipped}
    failed = summary['failed'] + summary['errors']
    if summary['total'] == 0 and not optional_tests:
        problems.append('no test ran (check MODULE / TAGS)')
    if failed:
        problems.append(f"{summary['failed']} test(s) failed and {summary['errors']} had errors")
    passed = max(summary['total'] - failed - skipped, 0)
    return {'label': label, 'problems': problems, 'passed': passed, 'failed': failed,
            'skipped': skipped, 'total': summary['total']}


def main(argv):
    runs = []
    for arg in argv:
        try:
            label, path, rc = arg.rsplit(':', 2)
            runs.append((label, path, int(rc)))
        except ValueError:
            sys.exit(f'check_log.py: bad argument {arg!r}, expected LABEL:LOGFILE:EXITCODE')
    if not runs:
        sys.exit(__doc__)

    results = [check_run(*run) for run in runs]
    ok = True
    for (label, path, _rc), res in zip(runs, results):
        label = label.rstrip('?')
        if res['problems']:
            ok = False
            print(f'FAILED [{label}] (full log: {path}):')
            shown = res['problems'][:40]
            for p in shown:
                print(f'  {p}')
            if len(res['problems']) > len(shown):
                print(f'  ... and {len(res["problems"]) - len(shown)} more')
        else:
            print(f"ok [{label}]: {res.get('total', 0)} tests, {res['skipped']} skipped (log: {path})")
    passed = sum(r['passed'] for r in results)
    failed = sum(r['failed'] for r in results)
    skipped = sum(r['skipped'] for r in results)
    if skipped:
        print(f'({skipped} skipped, not counted as passed)')
    print(f'{passed} passed, {failed} failed')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
