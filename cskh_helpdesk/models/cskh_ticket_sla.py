import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain

from .utils import lock_next_batch, run_cron_batches

_logger = logging.getLogger(__name__)


class CskhTicketSla(models.Model):
    """One SLA policy applied to one ticket: its deadline in working time and whether
    the target was met. Lines are owned by the ticket (see the SLA section of
    ``cskh.ticket``) and by the escalation cron; users only read them."""
    _name = 'cskh.ticket.sla'
    _description = "Ticket SLA Status"
    _order = 'deadline asc, id'
    _rec_name = 'sla_id'

    ticket_id = fields.Many2one('cskh.ticket', required=True, index=True, ondelete='cascade')
    sla_id = fields.Many2one('cskh.sla', string="SLA Policy", required=True, index=True, ondelete='cascade')
    target = fields.Selection(related='sla_id.target', store=True, precompute=True)
    deadline = fields.Datetime(readonly=True, index=True)
    reached_date = fields.Datetime("Reached on", readonly=True)
    status = fields.Selection([
        ('ongoing', "Ongoing"),
        ('reached', "Reached"),
        ('failed', "Failed"),
    ], required=True, default='ongoing', readonly=True, index=True)
    date_failed = fields.Datetime("Failed on", readonly=True)
    paused_hours = fields.Float(
        readonly=True, digits=(16, 2), aggregator='sum',
        help="Working hours spent in paused stages, added to the deadline.")
    exceeded_hours = fields.Float(
        "Delay (Working Hours)", compute='_compute_exceeded_hours', store=True, precompute=True, digits=(16, 2),
        aggregator='avg', help="Working hours between the deadline and the moment the target was met late.")
    success = fields.Float(
        "Success Rate (%)", compute='_compute_success', store=True, precompute=True, aggregator='avg', digits=(16, 1),
        help="100 for a met target, 0 for a missed one: its average is the success rate.")
    # analysis dimensions, stored to group by them
    team_id = fields.Many2one(related='ticket_id.team_id', store=True, precompute=True, index=True, string="Team")
    user_id = fields.Many2one(related='ticket_id.user_id', store=True, precompute=True, string="Assigned to")
    company_id = fields.Many2one(related='ticket_id.company_id', store=True, precompute=True, index=True, string="Company")
    priority = fields.Selection(related='ticket_id.priority', store=True, precompute=True, string="Priority")
    type_id = fields.Many2one(related='ticket_id.type_id', store=True, precompute=True, string="Type")
    ticket_create_date = fields.Datetime(related='ticket_id.create_date', store=True, precompute=True, string="Ticket Created on")

    _ticket_sla_uniq = models.Constraint('unique (ticket_id, sla_id)', "A policy applies once per ticket.")
    _ongoing_deadline_idx = models.Index('(deadline) WHERE status = \'ongoing\'')

    @api.depends('reached_date', 'deadline')
    def _compute_exceeded_hours(self):
        for line in self:
            if line.reached_date and line.deadline and line.reached_date > line.deadline:
                calendar = line.ticket_id._sla_get_calendar()
                line.exceeded_hours = calendar._cskh_work_hours(line.deadline, line.reached_date)
            else:
                line.exceeded_hours = 0.0

    @api.depends('status')
    def _compute_success(self):
        for line in self:
            line.success = 100.0 if line.status == 'reached' else 0.0

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _reach(self, date):
        """Mark the target met at ``date``: reached in time, failed when late."""
        for line in self.filtered(lambda line: not line.reached_date):
            values = {'reached_date': date}
            if line.status == 'ongoing':
                values['status'] = 'reached' if not line.deadline or date <= line.deadline else 'failed'
                if values['status'] == 'failed':
                    values['date_failed'] = date
            line.write(values)

    def _unreach(self):
        """A reopened ticket: resolution lines met in time are counted again."""
        self.filtered(lambda line: line.status == 'reached').write({
            'reached_date': False, 'status': 'ongoing'})

    def _fail(self):
        """Mark overdue lines failed and escalate their tickets once per failure."""
        lines = self.filtered(lambda line: line.status == 'ongoing')
        if not lines:
            return
        lines.write({'status': 'failed', 'date_failed': fields.Datetime.now()})
        lines.ticket_id._sla_escalate(failed_lines=lines)

    def _schedule_escalation(self):
        """Wake the escalation cron up when the earliest ongoing deadline passes, so
        that failures are caught on time whatever the cron's interval. A deadline after
        the cron's next run needs no wake-up: each run wakes the cron up for the
        deadlines due before the run after it (``_schedule_next_escalation``)."""
        deadlines = [line.deadline for line in self if line.status == 'ongoing' and line.deadline]
        cron = deadlines and self._get_escalation_cron()
        if cron and cron.active:
            self._wake_escalation_cron(cron, min(deadlines), cron.nextcall)

    @api.model
    def _get_escalation_cron(self):
        # not env.ref(): its existence check would cost a query per ticket batch (pinned by
        # TestSlaPerformance.test_resume_*); the xmlid lookup is cached
        cron_id = self.env['ir.model.data']._xmlid_to_res_id(
            'cskh_helpdesk.cskh_ticket_sla_cron_escalate', raise_if_not_found=False)
        return self.env['ir.cron'].sudo().browse(cron_id)

    @api.model
    def _schedule_next_escalation(self, retry_soon=False):
        """End of a cron run: wake the cron up right after the earliest deadline to come
        if it falls before the next regular run (one indexed query).

        :param retry_soon: overdue lines were left, held by other transactions: run
            again in a minute rather than at the next regular run
        """
        cron = self._get_escalation_cron()
        if not cron:
            return
        now = fields.Datetime.now()
        if retry_soon:
            cron._trigger(at=now + timedelta(minutes=1))
        next_line = self.search_fetch(
            [('status', '=', 'ongoing'), ('deadline', '>=', now)], ['deadline'], order='deadline', limit=1)
        if next_line:
            interval = relativedelta(**{cron.interval_type: cron.interval_number})
            self._wake_escalation_cron(cron, next_line.deadline, now + interval)

    @api.model
    def _wake_escalation_cron(self, cron, deadline, next_run):
        """Trigger ``cron`` a minute after ``deadline``, unless its run at ``next_run``
        comes first."""
        wake_up = deadline + timedelta(minutes=1)
        if wake_up < next_run:
            cron._trigger(at=wake_up)

    @api.model
    def _get_overdue_domain(self):
        return Domain([
            ('status', '=', 'ongoing'),
            ('deadline', '<', fields.Datetime.now()),
            ('ticket_id.sla_pause_date', '=', False),
        ])

    @api.model
    def _cron_escalate(self, batch_size=1000):
        """Fail the SLA lines past their deadline and escalate their tickets.

        Batches of ``batch_size`` lines, each committed through the cron progress API,
        until none is left or the cron's time is up (the cron then runs again at once).
        Each batch locks its lines and their tickets in one statement, skipping those
        another transaction holds (another worker, or an agent writing the ticket): the
        cron never waits for a row while holding another, so it cannot deadlock with
        an agent's write (which locks the ticket, then its lines). A batch that hits a
        concurrency error anyway is retried alone (``run_batch``); a crash loses only
        the batch in progress. Lines skipped because their ticket was busy are taken
        by a run a minute later. The overdue lines are counted once per run, for the
        progress report.
        """
        domain = self._get_overdue_domain()
        # lines left over are held by another worker, which commits them, or by an agent
        # writing their ticket: the next run takes them
        run_cron_batches(
            self.env, self.search_count(domain),
            lambda: self._escalate_overdue_batch(domain, batch_size),
            lambda left: self._schedule_next_escalation(retry_soon=left > 0))

    @api.model
    def _escalate_overdue_batch(self, domain, batch_size):
        """Fail and escalate up to ``batch_size`` overdue lines that no other transaction
        holds, nor their tickets; returns how many."""
        lines = lock_next_batch(self, domain, 'deadline, id', batch_size, lock_also=['ticket_id'])
        if lines:
            lines._fail()
            _logger.info("SLA escalation: %s overdue SLA lines failed", len(lines))
        return len(lines)
