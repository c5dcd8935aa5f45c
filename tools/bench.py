#!/usr/bin/env python3
"""Benchmark cskh_helpdesk against Odoo's own project.task and crm.lead, in one run on one database.

    python3 tools/bench.py -d cskh_bench [--emails 30] [--size 100000] [odoo options...]

The database must exist with cskh_helpdesk and project installed (``make bench``
creates it; project is installed in the bench database only, the add-on does not
depend on it). Measured:

1. a record created from an incoming email through an alias, median milliseconds and
   SQL queries per email, on the fresh database and again once it holds ``--size``
   records of each model, for
   - a cskh.ticket: team alias with acknowledgement, keyword rule, two SLA policies
     and balanced assignment;
   - Odoo's own equivalent work, a project.task: project alias whose first stage
     sends Odoo's "Request Acknowledgment" template (``project.mail_template_data_project_task``
     as the stage's email template) and whose alias gives the task an assignee, who is
     notified. Both make 3 messages (the email, the acknowledgement, the assignment
     notice) and 2 outgoing mails per email: counted and printed, so that the
     comparison is of the same work (target: the ticket at most 0.75x the task);
   - a crm.lead, the floor: a sales team alias, no automatic mail;
2. after duplicating the three models up to ``--size`` records with Odoo's populate
   (SQL-level duplication, the same code as ``odoo populate``): the kanban load
   (``web_read_group`` by stage + ``web_search_read`` of 80 cards with the
   kanban view's fields), the list load (80 rows with the list view's fields),
   one batch of the SLA escalation cron, the whole overdue backlog, a usual cron
   run (nothing overdue) and the ticket report's ``read_group`` when the report
   model is installed.
3. a knowledge base search (accent-folded, trigram-ranked) on 10,000 published
   articles added by SQL: milliseconds and queries (constant whatever the size).

Outgoing SMTP is replaced by a no-op so that no mail leaves the machine (the mails
are still built and handed to it, after commit as usual; that part is not timed, for
any model). Everything runs as the administrator. Prints tables; exits non-zero on error.
"""
import argparse
import contextlib
import logging
import math
import statistics
import sys
import time
from email.message import EmailMessage

import psycopg2

import odoo.service.server
import odoo.sql_db
from odoo import api
from odoo.cli.populate import Populate
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tools import SQL, config, mute_logger

_logger = logging.getLogger('cskh.bench')

# SLA lines per cron batch (the cron's default)
BATCH = 1000
# the most a ticket from an email may cost, in queries and in time, relative to a
# project.task doing the same work (README, "Scale")
TARGET = 0.75


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--emails', type=int, default=30, help="emails per model (default 30)")
    parser.add_argument('--size', type=int, default=100_000, help="records per model after populate")
    args, odoo_args = parser.parse_known_args()
    config.parse_config(odoo_args + ['--no-http'], setup_logging=True)
    return args


# mails handed to the no-op SMTP server (see no_smtp)
SENT = []


@contextlib.contextmanager
def no_smtp():
    """Mail servers accept everything and send nothing; the messages handed to them are
    kept in ``SENT``, to count them."""
    from odoo.addons.base.models.ir_mail_server import IrMail_Server

    class FakeSmtp:
        def quit(self):
            pass

    def send_email(self, message, *args, **kwargs):
        SENT.append(message)
        return message['Message-Id']

    original = IrMail_Server._connect__, IrMail_Server.send_email
    IrMail_Server._connect__ = lambda self, *a, **kw: FakeSmtp()
    IrMail_Server.send_email = send_email
    try:
        yield
    finally:
        IrMail_Server._connect__, IrMail_Server.send_email = original


class Bench:
    def __init__(self, registry, args):
        self.registry = registry
        self.args = args
        self.rows = []
        # every bench email gets its own sender and Message-Id
        self.email_counter = iter(range(10 ** 6))

    @contextlib.contextmanager
    def env(self):
        """The administrator (a record of res.users) in a new committed transaction."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self._admin_id(cr), {})
            yield env.user

    @staticmethod
    def _admin_id(cr):
        cr.execute("SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'user_admin'")
        return cr.fetchone()[0]

    def measure(self, func, repeat=7, work=None):
        """Median ms and queries of ``func(env)``, each run in its own committed transaction.

        ``work``: a list to append, per run, the messages and mails (``mail.mail``) the run
        created and the mails handed to the SMTP server at its commit; counted outside the
        measured span."""
        times, queries = [], []
        for _i in range(repeat):
            sent_before = len(SENT)
            with self.env() as user:
                env = user.env
                if work is not None:
                    env.cr.execute("SELECT (SELECT COALESCE(MAX(id), 0) FROM mail_message),"
                                   " (SELECT COALESCE(MAX(id), 0) FROM mail_mail)")
                    last_message, last_mail = env.cr.fetchone()
                env.invalidate_all()
                start_count, start = env.cr.sql_log_count, time.perf_counter()
                func(env)
                env.cr.flush()
                times.append((time.perf_counter() - start) * 1000)
                queries.append(env.cr.sql_log_count - start_count)
                if work is not None:
                    env.cr.execute("SELECT (SELECT COUNT(*) FROM mail_message WHERE id > %s),"
                                   " (SELECT COUNT(*) FROM mail_mail WHERE id > %s)", [last_message, last_mail])
                    created = env.cr.fetchone()
            if work is not None:
                work.append((*created, len(SENT) - sent_before))
        return statistics.median(times), int(statistics.median(queries))

    # ---- setup ----

    def setup(self):
        with self.env() as user:
            env = user.env
            # a fresh database has no mail domain nor sender address: give it both
            domain = env['mail.alias.domain'].search([], limit=1) \
                or env['mail.alias.domain'].create({'name': 'bench.example'})
            env.company.write({'alias_domain_id': domain.id, 'email': 'company@bench.example'})
            env.user.email = env.user.email or 'admin@bench.example'
            self.domain = domain.name
            agents = env['res.users'].create([{
                'name': f'Bench Agent {i}', 'login': f'bench_agent_{i}', 'email': f'agent{i}@bench.example',
                'group_ids': [Command.link(env.ref('cskh_helpdesk.cskh_helpdesk_group_agent').id)],
            } for i in range(3)])
            stages = env.ref('cskh_helpdesk.team_default').stage_ids
            ack = env.ref('cskh_helpdesk.mail_template_ticket_ack')
            variants = {'bench-support': {}} | {
                alias: values for alias, (_label, values) in self.FEATURE_VARIANTS.items()}
            # nobody follows the teams (their creator would by default, and get every new
            # ticket by email: a third mail that the project's tasks do not send)
            teams = env['cskh.team'].with_context(mail_create_nosubscribe=True).create([{
                'name': f'Bench {alias}', 'alias_name': alias,
                'member_ids': [Command.set(agents.ids)],
                'stage_ids': [Command.set(stages.ids)],
                'assign_method': 'balanced', 'use_sla': True, 'ack_template_id': ack.id,
                **values,
            } for alias, values in variants.items()])
            env['cskh.sla'].create([{
                'name': 'Bench first response', 'team_id': team.id, 'target': 'first_response', 'time': 2,
            } for team in teams] + [{
                'name': 'Bench resolution', 'team_id': team.id, 'target': 'resolution', 'time': 16,
                'stage_id': env.ref('cskh_helpdesk.stage_solved').id,
            } for team in teams])
            env['cskh.auto.reply'].create({'name': 'Bench password', 'keywords': 'mat khau'})
            sales = env['crm.team'].create({'name': 'Bench Sales', 'alias_name': 'bench-sales'})
            self.team_id, self.sales_id = teams[0].id, sales.id
            self.setup_project(env)

    def setup_project(self, env):
        """Odoo's own equivalent of the team: a project whose alias creates tasks in a first
        stage that sends Odoo's "Request Acknowledgment" template to the customer, and whose
        alias defaults give every task an assignee (an internal project user), notified by
        email as Odoo notifies any task assignee."""
        member = env['res.users'].create({
            'name': 'Bench Project Member', 'login': 'bench_project_member', 'email': 'member@bench.example',
            'group_ids': [Command.link(env.ref('project.group_project_user').id)],
        })
        ack = env.ref('project.mail_template_data_project_task')
        stages = env['project.task.type'].create([
            {'name': 'Bench New', 'sequence': 1, 'mail_template_id': ack.id},
            {'name': 'Bench In Progress', 'sequence': 2},
            {'name': 'Bench Done', 'sequence': 3, 'fold': True},
        ])
        project = env['project.project'].with_context(mail_create_nosubscribe=True).create({
            'name': 'Bench Project', 'alias_name': 'bench-project', 'alias_contact': 'everyone',
            'type_ids': [Command.set(stages.ids)], 'privacy_visibility': 'portal',
        })
        project.alias_id.alias_defaults = repr({'project_id': project.id, 'user_ids': [member.id]})
        self.project_member = member.name

    # ---- 1. email ----

    def _raw(self, to, index):
        message = EmailMessage()
        message['Subject'] = f'Yêu cầu hỗ trợ số {index}'
        message['From'] = f'Khách {index} <bench{index}.{to}@customer.example>'
        message['To'] = f'{to}@{self.domain}'
        message['Message-Id'] = f'<bench-{to}-{index}-{time.time()}@customer.example>'
        message.set_content('Xin chào, tôi cần hỗ trợ về đơn hàng. Cảm ơn.')
        return message.as_bytes()

    # the measured team, then the same team with one feature turned off: what each costs
    FEATURE_VARIANTS = {
        'bench-no-ack': ("no acknowledgement", {'ack_template_id': False}),
        'bench-no-sla': ("no SLA policy", {'use_sla': False}),
        'bench-manual': ("manual assignment", {'assign_method': 'manual'}),
        'bench-bare': ("none of the three", {'ack_template_id': False, 'use_sla': False, 'assign_method': 'manual'}),
    }

    # the three models an email creates a record of: the ticket, Odoo's own same work
    # (project.task) and the floor (crm.lead, no automatic mail)
    EMAIL_MODELS = {'bench-support': 'cskh.ticket', 'bench-project': 'project.task', 'bench-sales': 'crm.lead'}

    def bench_emails(self, label="record from an email", variants=True):
        """Emails to the measured team, to the project, to the sales team and
        (``variants``) to the teams with a feature off, sent in turn, so that a slower
        spell of the machine weighs on every row alike."""
        counter = self.email_counter
        aliases = list(self.EMAIL_MODELS) + (list(self.FEATURE_VARIANTS) if variants else [])

        def sender(alias):
            return lambda env: env['mail.thread'].message_process(False, self._raw(alias, next(counter)))

        for alias in aliases:  # warm the caches once
            self.measure(sender(alias), 2)
        runs = {alias: [] for alias in aliases}
        work = {alias: [] for alias in aliases}
        for _i in range(self.args.emails):
            for alias in aliases:
                runs[alias].append(self.measure(sender(alias), 1, work=work[alias]))

        def median(alias):
            return (statistics.median(ms for ms, _q in runs[alias]),
                    int(statistics.median(q for _ms, q in runs[alias])))

        def per_email(alias):
            # (messages, mail.mail, sent): the same for every email, else "min-max"
            return tuple(
                f"{min(values)}" if min(values) == max(values) else f"{min(values)}-{max(values)}"
                for values in zip(*work[alias]))

        self.email_rows.append((f"{label} (median of {self.args.emails})", {
            alias: (*median(alias), *per_email(alias)) for alias in self.EMAIL_MODELS}))
        for alias in aliases[len(self.EMAIL_MODELS):]:
            self.email_variant_rows.append((f"  same, {self.FEATURE_VARIANTS[alias][0]}", median(alias)))

    # ---- 2. populate ----

    def populate(self):
        with self.env() as user:
            env = user.env(su=True)
            for model in self.EMAIL_MODELS.values():
                existing = env[model].with_context(active_test=False).search_count([])
                factor = max(1, math.ceil(self.args.size / existing) - 1)
                models = {model: factor}
                if model == 'cskh.ticket':
                    models['cskh.ticket.sla'] = factor
                start = time.perf_counter()
                # populate warns that it copies the many2one columns of unique constraints as is
                with mute_logger('odoo.tools.populate'):
                    Populate.populate(env(context={'active_test': False}), models, ord('_'))
                count = env[model].with_context(active_test=False).search_count([])
                self.notes.append(f"populate {model}: {count} records in {time.perf_counter() - start:.1f} s")
        # what autovacuum does a while after a bulk insert, and a database in service has:
        # planner statistics of every table populate filled (SLA lines, relations...) and the
        # visibility map that makes index-only scans possible (the balanced assignment counts
        # a team's open tickets from an index); else the first emails pay for the fresh rows
        start = time.perf_counter()
        connection = psycopg2.connect(**odoo.sql_db.connection_info_for(self.registry.db_name)[1])
        try:
            connection.autocommit = True  # VACUUM cannot run in a transaction
            with connection.cursor() as cr:
                cr.execute("VACUUM ANALYZE")
        finally:
            connection.close()
        self.notes.append(f"VACUUM ANALYZE after populate: {time.perf_counter() - start:.1f} s")

    # ---- 3. screens ----

    @staticmethod
    def specification(model, view_type):
        fields = model.get_views([(False, view_type)])['models'][model._name]['fields']
        return {
            name: {'fields': {'display_name': {}}} if model._fields[name].relational else {}
            for name in fields if model._fields[name].type != 'one2many'
        }

    def bench_screens(self):
        def kanban(model, domain):
            def run(env):
                Model = env[model]
                Model.web_read_group(domain, ['stage_id'], ['__count'])
                Model.web_search_read(domain, self.specification(Model, 'kanban'), limit=80)
            return run

        def list_(model, domain):
            def run(env):
                Model = env[model]
                Model.web_search_read(domain, self.specification(Model, 'list'), limit=80)
            return run

        ticket_domain, lead_domain = [('is_closed', '=', False)], [('type', '=', 'opportunity')]
        for label, make in (("kanban load (80 cards + stages)", kanban), ("list load (80 rows)", list_)):
            self.measure(make('cskh.ticket', ticket_domain), 1), self.measure(make('crm.lead', lead_domain), 1)
            self.add_row(label, self.measure(make('cskh.ticket', ticket_domain)),
                         self.measure(make('crm.lead', lead_domain)))

    def bench_cron(self):
        with self.env() as user:
            env = user.env
            overdue = env['cskh.ticket.sla'].search_count(env['cskh.ticket.sla']._get_overdue_domain())
            open_lines = env['cskh.ticket.sla'].search_count([('status', '=', 'ongoing')])
        self.notes.append(f"SLA cron: {open_lines} ongoing SLA lines, {overdue} overdue")

        def batch(env):
            Line = env['cskh.ticket.sla']
            Line._escalate_overdue_batch(Line._get_overdue_domain(), BATCH)
        self.add_row(f"SLA cron, one batch ({BATCH} lines)", self.measure(batch, 3), None)

        # then the whole backlog, as the scheduler runs it: batches committed one by one
        with self.env() as user:
            env = user.env
            start, start_count = time.perf_counter(), env.cr.sql_log_count
            env['cskh.ticket.sla'].with_context(cron_id=False)._cron_escalate(batch_size=BATCH)
            elapsed = time.perf_counter() - start
            queries = env.cr.sql_log_count - start_count
            left = env['cskh.ticket.sla'].search_count(env['cskh.ticket.sla']._get_overdue_domain())
        self.add_row(f"SLA cron, all {overdue - 3 * BATCH} lines left", (elapsed * 1000, queries), None)
        self.notes.append(f"SLA cron: whole backlog in {elapsed:.1f} s, {left} overdue lines left")

        # the usual run: every 15 minutes (or at a deadline), on 100k open tickets, with
        # nothing or a few lines overdue since the last run
        def usual_run(env):
            env['cskh.ticket.sla'].with_context(cron_id=False)._cron_escalate(batch_size=BATCH)
        self.add_row("SLA cron, run with no line overdue", self.measure(usual_run, 3), None)

    def bench_report(self):
        with self.env() as user:
            report = next((name for name in ('cskh.ticket.report', 'cskh.report.ticket', 'cskh.ticket.analysis')
                           if name in user.env), None)
        if not report:
            self.notes.append("ticket report: model not installed, skipped")
            return

        def run(env):
            env[report].formatted_read_group([], ['team_id', 'stage_id'], ['__count'])
        self.add_row("ticket report read_group", self.measure(run, 3), None)

    def bench_faq(self, size=10000):
        """Knowledge base search (accent-folded, typo tolerant with pg_trgm) on ``size``
        published articles, as the help center and the ticket forms run it."""
        with self.env() as user:
            env = user.env
            if 'cskh.faq' not in env:
                self.notes.append("knowledge base: model not installed, skipped")
                return
            # folded Vietnamese phrases, two in each title and two more in each body
            env.cr.execute(SQL(
                """INSERT INTO cskh_faq (title, answer, search_title, search_text, is_published, active,
                                         company_id, sequence, view_count)
                   SELECT jsonb_build_object('en_US', 'Bench question ' || n),
                          jsonb_build_object('en_US', '<p>Bench answer</p>'),
                          w[1 + n %% 20] || ' ' || w[1 + (n / 20) %% 20] || ' ' || n,
                          w[1 + n %% 20] || ' ' || w[1 + (n / 20) %% 20] || ' ' || n || ' | '
                              || w[1 + (n / 400) %% 20] || ' ' || w[1 + (n * 7) %% 20] || ' dich vu so ' || n,
                          true, true, %s, 10, n %% 13
                     FROM generate_series(1, %s) AS n,
                          (SELECT %s::text[] AS w) AS vocabulary""",
                env.company.id, size, [
                    'bao hanh', 'may giat', 'tu lanh', 'giao hang', 'doi tra', 'mat khau', 'hoa don',
                    'dieu hoa', 'lap dat', 'thanh toan', 'khuyen mai', 'tai khoan', 'van chuyen', 'sua chua',
                    'linh kien', 'dat lich', 'hoc phi', 'hop dong', 'bao gia', 'the thanh vien']))
            env.cr.execute("ANALYZE cskh_faq")
            trgm = env['cskh.faq']._cskh_has_trgm()

        def run(env):
            Faq = env['cskh.faq'].sudo()
            Faq._cskh_search('bao hanh may giat', domain=Faq._cskh_get_public_domain(env.company)).mapped('title')
        self.add_row(f"KB search, {size // 1000}k articles", self.measure(run, 5), None)
        if not trgm:
            self.notes.append("knowledge base: pg_trgm unavailable, word-matching fallback measured")

    # ---- output ----

    def add_row(self, label, ours, theirs):
        self.rows.append((label, ours, theirs))
        _logger.info("%s: cskh %s, crm %s", label, ours, theirs)

    def print_table(self):
        models = list(self.EMAIL_MODELS.values())
        # emails: the ticket against Odoo's same work (the target) and the floor
        head = (f"{'email -> record':<38} {'model':<13} {'ms':>8} {'queries':>8}"
                f" {'messages':>9} {'mail.mail':>10} {'sent':>5}")
        print(head)
        print('-' * len(head))
        for label, by_alias in self.email_rows:
            figures = {self.EMAIL_MODELS[alias]: values for alias, values in by_alias.items()}
            for index, model in enumerate(models):
                ms, q, messages, mails, sent = figures[model]
                floor = ' (floor)' if model == 'crm.lead' else ''
                print(f"{label if not index else '':<38} {model:<13} {ms:8.1f} {q:8d}"
                      f" {messages:>9} {mails:>10} {sent:>5}{floor}")
            (ms, q, *_work), (task_ms, task_q, *_task_work) = figures['cskh.ticket'], figures['project.task']
            print(f"{'':<38} {'ticket/task':<13} {ms / task_ms:7.2f}x {q / task_q:7.2f}x"
                  f"   target <= {TARGET:.2f}x: {'met' if max(ms / task_ms, q / task_q) <= TARGET else 'NOT met'}")
        for label, (ms, q) in self.email_variant_rows:
            print(f"{label:<38} {'cskh.ticket':<13} {ms:8.1f} {q:8d}")
        print(f"  messages, mail.mail: created per email; sent: mails handed to the SMTP server at commit"
              f" (project.task assignee: {self.project_member})")
        print()
        head = f"{'measure':<36} {'cskh ms':>9} {'queries':>8} {'crm ms':>9} {'queries':>8} {'ms ratio':>9} {'q ratio':>8}"
        print(head)
        print('-' * len(head))
        for label, (ms, q), theirs in self.rows:
            if theirs:
                cms, cq = theirs
                print(f"{label:<36} {ms:9.1f} {q:8d} {cms:9.1f} {cq:8d} {ms / cms:9.2f} {q / cq:8.2f}")
            else:
                print(f"{label:<36} {ms:9.1f} {q:8d} {'-':>9} {'-':>8} {'-':>9} {'-':>8}")
        for note in self.notes:
            print(f"  {note}")

    def run(self):
        self.notes, self.email_rows, self.email_variant_rows = [], [], []
        start = time.perf_counter()
        with no_smtp():
            self.setup()
            self.bench_emails()
            self.populate()
            self.bench_emails(f"same, on {self.args.size // 1000}k records", variants=False)
            self.bench_screens()
            self.bench_cron()
            self.bench_report()
            self.bench_faq()
        self.notes.append(f"total {time.perf_counter() - start:.0f} s")
        self.print_table()


def main():
    args = parse_args()
    dbname = config['db_name'][0] if isinstance(config['db_name'], list) else config['db_name']
    odoo.service.server.load_server_wide_modules()
    registry = Registry(dbname)
    Bench(registry, args).run()


if __name__ == '__main__':
    sys.exit(main())
