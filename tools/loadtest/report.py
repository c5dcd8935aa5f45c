"""Figures and integrity check of one `make loadtest` run (tools/loadtest.sh).

    report.py run --out DIR --label L --workers N [--faults] [--catchup S] -- PSQL_DSN
        per request type: count, failures (those during the injected faults apart),
        median/p95/p99 ms, req/s; then the integrity check on the database:
          - every mail the mail server queued is on exactly one message, once (Message-Id),
            on a ticket; a reply on the ticket of the mail it answers; none lost (a mail
            Odoo accepted is there), none doubled (double deliveries included);
          - no ticket made during the run without its first message (an email ticket
            without its email);
          - SLA lines consistent: no duplicate policy on a ticket, the ticket's team, the
            dates of their status, every new ticket of an SLA team has its lines;
          - crons caught up (no due survey, no overdue SLA line left after ``--catchup``
            seconds) and no error in the Odoo log outside the injected faults.
        Writes DIR/summary.json; exit status 1 when the check fails.
    report.py table SUMMARY.json...    the scaling table (Markdown)
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import psycopg2

FAULT_GRACE = 20  # seconds after a fault during which failures are counted as its own
LOG_LINE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ \d+ (ERROR|CRITICAL) (\S+) (\S+): (.*)')


def _read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _percentile(values, q):
    if not values:
        return 0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def _in_fault(t, faults):
    return any(f['start'] - 2 <= t <= f['end'] + FAULT_GRACE for f in faults)


def request_table(requests, faults):
    if not requests:
        return [], 0
    duration = max(r['t'] for r in requests) - min(r['t'] for r in requests) or 1
    rows = []
    for name in sorted({r['name'] for r in requests}):
        rs = [r for r in requests if r['name'] == name]
        ms = [r['ms'] for r in rs if r['ok']]
        failed = [r for r in rs if not r['ok']]
        during = [r for r in failed if _in_fault(r['t'], faults)]
        rows.append({
            'name': name, 'count': len(rs), 'failures': len(failed) - len(during), 'fault_failures': len(during),
            'median': _percentile(ms, 50), 'p95': _percentile(ms, 95), 'p99': _percentile(ms, 99),
            'rps': len(rs) / duration,
        })
    return rows, duration


def print_requests(rows, duration):
    print(f"\n{'request':32} {'count':>7} {'fail':>5} {'fault':>6} {'median':>7} {'p95':>7} {'p99':>7} {'req/s':>7}")
    for row in rows:
        print(f"{row['name']:32} {row['count']:7d} {row['failures']:5d} {row['fault_failures']:6d} "
              f"{row['median']:7.0f} {row['p95']:7.0f} {row['p99']:7.0f} {row['rps']:7.2f}")
    total = sum(r['count'] for r in rows)
    print(f"{'total':32} {total:7d} {sum(r['failures'] for r in rows):5d} "
          f"{sum(r['fault_failures'] for r in rows):6d} {'':7} {'':7} {'':7} {total / duration:7.2f}")
    print("(ms; 'fail': failed requests outside the injected faults, 'fault': during them;"
          " a mail delivery that failed is retried by the mail server)")


class Check:
    def __init__(self):
        self.problems = []

    def expect(self, ok, message):
        print(f"  {'ok  ' if ok else 'FAIL'} {message}")
        if not ok:
            self.problems.append(message)


def check_mails(cr, mails, check):
    queued = {m['id']: m['kind'] for m in mails if m['status'] == 'queued'}
    delivered = {m['id'] for m in mails if m['status'] == 'delivered'}
    gave_up = {m['id'] for m in mails if m['status'] == 'gave_up'} - delivered
    # still being delivered when the load stopped: Odoo may have processed them or not
    in_flight = set(queued) - delivered - gave_up
    parents = {m['id']: m['parent'] for m in mails if m['status'] == 'parent'}
    twice = {i for i, kind in queued.items() if kind == 'new (twice)'}
    cr.execute("""
        SELECT m.message_id, m.model, m.res_id, t.id IS NOT NULL
          FROM mail_message m LEFT JOIN cskh_ticket t ON m.model = 'cskh.ticket' AND t.id = m.res_id
         WHERE m.message_id = ANY(%s)""", (list(queued),))
    found = {}
    for message_id, model, res_id, on_ticket in cr.fetchall():
        found.setdefault(message_id, []).append((model, res_id, on_ticket))
    lost = [i for i in delivered if not found.get(i)]
    doubled = [i for i, rows in found.items() if len(rows) > 1]
    off_ticket = [i for i, rows in found.items() if not all(on for _m, _r, on in rows)]
    wrong_thread = [i for i, parent in parents.items()
                    if found.get(i) and found.get(parent) and found[i][0][1] != found[parent][0][1]]
    print(f"  mails queued by the mail server: {len(queued)} ({len(twice)} delivered twice at once, "
          f"{len(parents)} replies), accepted by Odoo: {len(delivered)}, undelivered: {len(gave_up)}, "
          f"in flight when the load stopped: {len(in_flight)} ({sum(1 for i in in_flight if found.get(i))} processed)")
    check.expect(not lost, f"no mail lost ({len(lost)} accepted but not found{': ' + ', '.join(lost[:3]) if lost else ''})")
    check.expect(not doubled, f"no mail doubled ({len(doubled)} on several messages)")
    check.expect(not off_ticket, f"every mail on a ticket ({len(off_ticket)} elsewhere)")
    check.expect(not wrong_thread, f"every reply on the ticket it answers ({len(wrong_thread)} elsewhere)")
    check.expect(not gave_up, f"the mail server delivered every mail in the end ({len(gave_up)} still queued)")
    return {'mails': len(queued), 'twice': len(twice), 'lost': len(lost), 'doubled': len(doubled)}


def check_tickets(cr, state, check):
    cr.execute("""
        SELECT COUNT(*), COUNT(*) FILTER (WHERE channel = 'email'), COUNT(*) FILTER (WHERE channel = 'web')
          FROM cskh_ticket WHERE id > %s""", (state['max_ticket_id'],))
    total, email, web = cr.fetchone()
    print(f"  tickets made during the run: {total} ({email} by email, {web} by the web form)")
    cr.execute("""
        SELECT t.id FROM cskh_ticket t
         WHERE t.id > %s AND NOT EXISTS (
               SELECT 1 FROM mail_message m WHERE m.model = 'cskh.ticket' AND m.res_id = t.id
                  AND (t.channel <> 'email' OR m.message_type = 'email'))""", (state['max_ticket_id'],))
    orphans = [r[0] for r in cr.fetchall()]
    check.expect(not orphans, f"no ticket without its first message ({len(orphans)})")
    return {'tickets': total}


def check_sla(cr, state, check):
    cr.execute("SELECT COUNT(*) FROM (SELECT 1 FROM cskh_ticket_sla GROUP BY ticket_id, sla_id HAVING COUNT(*) > 1) d")
    check.expect(not cr.fetchone()[0], "SLA lines: one per policy and ticket")
    cr.execute("""SELECT COUNT(*) FROM cskh_ticket_sla l JOIN cskh_ticket t ON t.id = l.ticket_id
                   WHERE l.team_id IS DISTINCT FROM t.team_id""")
    check.expect(not cr.fetchone()[0], "SLA lines: on their ticket's team")
    cr.execute("""SELECT COUNT(*) FROM cskh_ticket_sla
                   WHERE (status = 'reached' AND reached_date IS NULL) OR (status = 'failed' AND date_failed IS NULL)""")
    check.expect(not cr.fetchone()[0], "SLA lines: a reached or failed line has its date")
    cr.execute("""
        SELECT COUNT(*) FROM cskh_ticket t JOIN cskh_team team ON team.id = t.team_id
         WHERE t.id > %s AND team.use_sla AND t.active
           AND NOT EXISTS (SELECT 1 FROM cskh_ticket_sla l WHERE l.ticket_id = t.id)""", (state['max_ticket_id'],))
    check.expect(not cr.fetchone()[0], "SLA lines: every new ticket of an SLA team has its lines")


BACKLOG = """
    SELECT (SELECT COUNT(*) FROM cskh_survey_response
             WHERE state = 'scheduled' AND date_scheduled < (now() AT TIME ZONE 'UTC') - interval '2 minutes'),
           (SELECT COUNT(*) FROM cskh_ticket_sla l JOIN cskh_ticket t ON t.id = l.ticket_id
              JOIN cskh_stage s ON s.id = t.stage_id
             WHERE l.status = 'ongoing' AND NOT s.sla_pause
               AND l.deadline < (now() AT TIME ZONE 'UTC') - interval '2 minutes')"""


def check_crons(cr, catchup, check):
    deadline = time.time() + catchup
    while True:
        cr.execute(BACKLOG)
        surveys, sla = cr.fetchone()
        if not (surveys or sla) or time.time() > deadline:
            break
        time.sleep(5)
    check.expect(not surveys and not sla,
                 f"crons caught up: {surveys} due surveys, {sla} overdue SLA lines left")
    cr.execute("SELECT state, COUNT(*) FROM mail_mail GROUP BY state ORDER BY state")
    print(f"  outgoing mails (no SMTP server in the test: 'exception' once tried): {dict(cr.fetchall())}")


RETRIED = ('ERROR:  could not serialize access', 'ERROR: could not serialize access', 'ERROR:  deadlock detected',
           'ERROR: deadlock detected')


def check_log(path, faults, check):
    """ERROR and CRITICAL lines of the Odoo log, those during the faults apart. A query that
    failed on a serialization failure or a deadlock is logged as an error too, but Odoo
    rolls the request back and runs it again (up to 5 times): counted apart as well."""
    errors, during, crons, retried = [], [], [], 0
    with open(path, encoding='utf-8', errors='replace') as log:
        lines = log.readlines()
    for index, line in enumerate(lines):
        match = LOG_LINE.match(line)
        if not match:
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ''
        if 'bad query' in line and following.startswith(RETRIED):
            retried += 1
            continue
        t = time.mktime(time.strptime(match.group(1), '%Y-%m-%d %H:%M:%S'))  # Odoo logs local time
        (during if _in_fault(t, faults) else errors).append(line.strip())
        if 'cron' in line.lower():
            crons.append(line.strip())
    print(f"  Odoo log: {len(errors) + len(during)} errors, {len(during)} during the injected faults, "
          f"{len(crons)} about crons; {retried} queries met a serialization failure or a deadlock "
          f"(the request was retried by Odoo)")
    for line in during:
        if 'cron' in line.lower() or 'Worker' in line:
            print(f"    (fault) {line[:200]}")
    check.expect(not errors, f"no error in the Odoo log outside the injected faults ({len(errors)})")
    for line in errors[:10]:
        print(f"    {line[:300]}")
    return {'log_errors': len(errors), 'fault_log_errors': len(during), 'retried_queries': retried}


def run(args):
    out = args.out
    with open(os.path.join(out, 'state.json'), encoding='utf-8') as state_file:
        state = json.load(state_file)
    faults = _read_jsonl(os.path.join(out, 'faults.jsonl'))
    requests = _read_jsonl(os.path.join(out, 'requests.jsonl'))
    rows, duration = request_table(requests, faults)
    print(f"\n== {args.label}: {args.workers} worker(s), {duration:.0f}s")
    print_requests(rows, duration)
    for fault in faults:
        print(f"  fault: {fault['name']} at +{fault['start'] - state['started']:.0f}s, "
              f"{fault['end'] - fault['start']:.0f}s {fault.get('detail', '')}")
    agent_ms = [r['ms'] for r in requests if r['name'].startswith('agent:') and r['name'] != 'agent: login' and r['ok']]
    summary = {
        'label': args.label, 'workers': args.workers, 'duration': duration,
        'rps': sum(r['count'] for r in rows) / (duration or 1),
        'agents_p95': _percentile(agent_ms, 95), 'agents_median': _percentile(agent_ms, 50),
        'failures': sum(r['failures'] for r in rows), 'fault_failures': sum(r['fault_failures'] for r in rows),
    }
    print("\nintegrity check:")
    check = Check()
    check.expect(not summary['failures'], f"no failed request outside the injected faults ({summary['failures']})")
    with psycopg2.connect(args.dsn) as cnx, cnx.cursor() as cr:
        cnx.autocommit = True
        summary.update(check_mails(cr, _read_jsonl(os.path.join(out, 'mails.jsonl')), check))
        summary.update(check_tickets(cr, state, check))
        check_sla(cr, state, check)
        check_crons(cr, args.catchup, check)
    summary.update(check_log(os.path.join(out, 'odoo.log'), faults, check))
    summary['integrity'] = not check.problems
    with open(os.path.join(out, 'summary.json'), 'w', encoding='utf-8') as summary_file:
        json.dump(summary, summary_file)
    print(f"integrity: {'PASSED' if not check.problems else 'FAILED: ' + '; '.join(check.problems)}")
    return 0 if not check.problems else 1


def table(paths):
    summaries = []
    for path in paths:
        with open(path, encoding='utf-8') as summary_file:
            summaries.append(json.load(summary_file))
    alone = next((s for s in summaries if s['label'] == 'agents alone'), None)
    print("\n| load | workers | req/s | agents p95 (ms) | p95 / agents alone | failed requests | mails (twice) | integrity |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for s in summaries:
        ratio = f"{s['agents_p95'] / alone['agents_p95']:.1f}" if alone and alone['agents_p95'] else '-'
        print(f"| {s['label']} | {s['workers']} | {s['rps']:.1f} | {s['agents_p95']:.0f} | {ratio} | "
              f"{s['failures']} | {s.get('mails', 0)} ({s.get('twice', 0)}) | {'ok' if s['integrity'] else 'FAILED'} |")
    return 0 if all(s['integrity'] for s in summaries) else 1


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='command', required=True)
    run_parser = sub.add_parser('run')
    run_parser.add_argument('--out', required=True)
    run_parser.add_argument('--label', default='full load')
    run_parser.add_argument('--workers', type=int, default=2)
    run_parser.add_argument('--catchup', type=int, default=90)
    run_parser.add_argument('dsn')
    table_parser = sub.add_parser('table')
    table_parser.add_argument('summaries', nargs='+')
    args = parser.parse_args()
    return run(args) if args.command == 'run' else table(args.summaries)


if __name__ == '__main__':
    sys.exit(main())
