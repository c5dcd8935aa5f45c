from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)

TICKET_PRIORITIES = [
    ('0', "Low"),
    ('1', "Medium"),
    ('2', "High"),
    ('3', "Urgent"),
]

CUSTOMER_TIERS = [
    ('vip', "VIP"),
    ('loyal', "Loyal"),
    ('new', "New"),
    ('potential', "Potential"),
]

MAX_ESCALATION_LEVEL = 3
# ticket fields the SLA policies' conditions look at (customer_tier follows partner_id)
SLA_CONDITION_FIELDS = {'team_id', 'priority', 'type_id', 'tag_ids', 'customer_tier', 'partner_id'}


class CskhTicket(models.Model):
    _name = 'cskh.ticket'
    _description = "Helpdesk Ticket"
    _inherit = [
        'portal.mixin',
        'mail.thread.cc',
        'mail.activity.mixin',
        'rating.mixin',
        'mail.tracking.duration.mixin',
    ]
    _order = 'priority desc, id desc'
    _primary_email = 'partner_email'
    _mail_post_access = 'read'
    _mail_thread_customer = True
    _track_duration_field = 'stage_id'
    _check_company_auto = True
    _rec_names_search = ['number', 'name', 'partner_email']
    _systray_view = 'list'

    @api.model
    def _default_team_id(self):
        team_id = self.env.context.get('default_team_id')
        if team_id:
            return self.env['cskh.team'].browse(team_id)
        return self.env['cskh.team'].search(
            [('company_id', 'in', self.env.companies.ids)], limit=1)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Show every stage of the team being looked at, even empty ones."""
        team_id = self.env.context.get('default_team_id')
        search_domain = Domain('id', 'in', stages.ids)
        if team_id:
            search_domain |= Domain('team_ids', 'in', team_id)
        return stages.search(search_domain, order=stages._order)

    active = fields.Boolean(default=True)
    number = fields.Char(
        "Ticket Number", readonly=True, copy=False, index='trigram',
        help="Unique reference of the ticket, given at creation by the company's sequence.")
    name = fields.Char("Subject", required=True, index='trigram', tracking=True)
    description = fields.Html()
    team_id = fields.Many2one(
        'cskh.team', string="Team", index=True, tracking=True, check_company=True,
        default=_default_team_id)
    stage_id = fields.Many2one(
        'cskh.stage', string="Stage", compute='_compute_stage_id', store=True, readonly=False,
        ondelete='restrict', tracking=True, index=True, copy=False,
        group_expand='_read_group_stage_ids',
        domain="[('team_ids', 'in', team_id)]")
    is_closed = fields.Boolean(related='stage_id.is_closed', store=True, index=True, string="Closed")
    user_id = fields.Many2one(
        'res.users', string="Assigned to", index=True, tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        falsy_value_label=_lt("Unassigned"))
    company_id = fields.Many2one(
        'res.company', string="Company", compute='_compute_company_id', store=True,
        readonly=False, required=True, index=True, precompute=True)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", index='btree_not_null', tracking=True,
        domain="['|', ('company_id', '=?', company_id), ('company_id', '=', False)]")
    commercial_partner_id = fields.Many2one(
        related='partner_id.commercial_partner_id', store=True, index='btree_not_null',
        string="Customer Company")
    partner_name = fields.Char(
        "Customer Name", compute='_compute_partner_contact', store=True, readonly=False)
    partner_email = fields.Char(
        "Customer Email", compute='_compute_partner_contact', store=True, readonly=False)
    partner_phone = fields.Char(
        "Customer Phone", compute='_compute_partner_contact', store=True, readonly=False)
    priority = fields.Selection(
        TICKET_PRIORITIES, string="Priority", default='0', required=True, index=True, tracking=True)
    type_id = fields.Many2one('cskh.ticket.type', string="Type", index='btree_not_null', tracking=True)
    type_script = fields.Html(related='type_id.script', string="Handling Script")
    channel = fields.Selection([
        ('email', "Email"),
        ('phone', "Phone"),
        ('web', "Web Form / Portal"),
        ('chat', "Live Chat"),
        ('social', "Social Network"),
        ('store', "In Store"),
        ('other', "Other"),
    ], string="Channel", default='other', required=True, index=True)
    customer_tier = fields.Selection(
        CUSTOMER_TIERS, string="Customer Tier", compute='_compute_customer_tier',
        store=True, readonly=False, index='btree_not_null')
    tag_ids = fields.Many2many('cskh.tag', string="Tags")
    color = fields.Integer("Color")
    kanban_state = fields.Selection([
        ('normal', "In Progress"),
        ('done', "Ready"),
        ('blocked', "Blocked"),
    ], string="Status", default='normal', required=True, copy=False)
    date_assigned = fields.Datetime(
        "Assigned on", compute='_compute_date_assigned', store=True, copy=False)
    date_first_response = fields.Datetime(
        "First Response on", copy=False, readonly=True, index='btree_not_null',
        help="When an agent first sent a public answer to the customer.")
    date_closed = fields.Datetime(
        "Closed on", compute='_compute_date_closed', store=True, copy=False, index=True)
    date_last_stage_update = fields.Datetime(
        "Last Stage Update", compute='_compute_date_last_stage_update', store=True,
        copy=False, index=True)
    partner_ticket_count = fields.Integer(
        "Customer Tickets", compute='_compute_partner_ticket_count')
    # ---- SLA ----
    use_sla = fields.Boolean(related='team_id.use_sla', string="Use SLA Policies")
    sla_status_ids = fields.One2many('cskh.ticket.sla', 'ticket_id', string="SLA Status", copy=False)
    sla_deadline = fields.Datetime(
        "SLA Deadline", compute='_compute_sla_deadline', store=True, compute_sudo=True, index=True,
        help="Earliest deadline of the SLA targets not met yet.")
    sla_failed = fields.Boolean(
        "SLA Failed", compute='_compute_sla_deadline', store=True, compute_sudo=True,
        help="At least one SLA target of the ticket was missed.")
    sla_state = fields.Selection([
        ('on_time', "On Time"),
        ('due_soon', "Due Soon"),
        ('failed', "Failed"),
    ], string="SLA", compute='_compute_sla_state',
        help="On Time: the next SLA deadline is further than the team's warning delay.\n"
             "Due Soon: the next SLA deadline is within the warning delay (in working hours).\n"
             "Failed: an SLA target was missed.")
    sla_pause_date = fields.Datetime(
        "SLA Paused Since", readonly=True, copy=False,
        help="Set while the ticket is in a stage pausing the SLA.")
    sla_paused_hours = fields.Float(
        "SLA Paused Hours", readonly=True, copy=False, digits=(16, 2),
        help="Working hours spent in stages pausing the SLA, added to the deadlines.")
    escalation_level = fields.Integer(
        "Escalation Level", readonly=True, copy=False, default=0,
        help="Goes up by one (at most 3) each time an SLA target is missed or the ticket is escalated by hand.")

    _number_company_uniq = models.Constraint(
        'unique (company_id, number)', "The ticket number must be unique per company.")

    @api.depends('number', 'name')
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"[{ticket.number}] {ticket.name}" if ticket.number else ticket.name

    @api.depends('team_id')
    def _compute_stage_id(self):
        for ticket in self:
            team = ticket.team_id
            if team and ticket.stage_id not in team.stage_ids:
                ticket.stage_id = team._get_first_stage()
            elif not ticket.stage_id and not team:
                ticket.stage_id = False

    @api.depends('team_id')
    def _compute_company_id(self):
        for ticket in self:
            if ticket.team_id:
                ticket.company_id = ticket.team_id.company_id
            elif not ticket.company_id:
                ticket.company_id = self.env.company

    @api.depends('partner_id')
    def _compute_partner_contact(self):
        for ticket in self.filtered('partner_id'):
            partner = ticket.partner_id
            ticket.partner_name = partner.name
            ticket.partner_email = partner.email or ticket.partner_email
            ticket.partner_phone = partner.phone or ticket.partner_phone

    @api.depends('partner_id.cskh_customer_tier', 'partner_id.commercial_partner_id.cskh_customer_tier')
    def _compute_customer_tier(self):
        for ticket in self.filtered('partner_id'):
            partner = ticket.partner_id
            ticket.customer_tier = partner.cskh_customer_tier \
                or partner.commercial_partner_id.cskh_customer_tier or ticket.customer_tier

    @api.depends('user_id')
    def _compute_date_assigned(self):
        for ticket in self:
            ticket.date_assigned = ticket.user_id and fields.Datetime.now()

    @api.depends('stage_id.is_closed')
    def _compute_date_closed(self):
        for ticket in self:
            if not ticket.stage_id.is_closed:
                ticket.date_closed = False
            elif not ticket.date_closed:
                ticket.date_closed = fields.Datetime.now()

    @api.depends('stage_id')
    def _compute_date_last_stage_update(self):
        self.date_last_stage_update = fields.Datetime.now()

    @api.depends('commercial_partner_id')
    def _compute_partner_ticket_count(self):
        partners = self.commercial_partner_id
        counts = dict(self.env['cskh.ticket']._read_group(
            [('commercial_partner_id', 'in', partners.ids)], ['commercial_partner_id'], ['__count']))
        for ticket in self:
            ticket.partner_ticket_count = counts.get(ticket.commercial_partner_id, 0)

    @api.depends('sla_status_ids.deadline', 'sla_status_ids.status')
    def _compute_sla_deadline(self):
        for ticket in self:
            ongoing = ticket.sla_status_ids.filtered(lambda line: line.status == 'ongoing' and line.deadline)
            ticket.sla_deadline = min(ongoing.mapped('deadline'), default=False)
            ticket.sla_failed = any(line.status == 'failed' for line in ticket.sla_status_ids)

    @api.depends('sla_deadline', 'sla_failed', 'sla_pause_date', 'team_id.sla_due_soon_hours')
    def _compute_sla_state(self):
        """Badge of the next deadline. "Due soon" is measured in working hours: the limit
        is planned once per calendar and delay, never per ticket."""
        now = fields.Datetime.now()
        limits = {}
        for ticket in self:
            deadline = ticket.sla_deadline
            if ticket.sla_failed or (deadline and deadline < now and not ticket.sla_pause_date):
                ticket.sla_state = 'failed'
            elif not deadline:
                ticket.sla_state = False
            else:
                key = (ticket._sla_get_calendar(), ticket.team_id.sla_due_soon_hours)
                if key not in limits:
                    limits[key] = self._sla_plan_hours(key[0], key[1], now) if key[1] > 0 else now
                ticket.sla_state = 'due_soon' if deadline <= limits[key] and not ticket.sla_pause_date else 'on_time'

    def _compute_access_url(self):
        super()._compute_access_url()
        for ticket in self:
            ticket.access_url = f'/my/tickets/{ticket.id}'

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._match_partners_by_email(vals_list)
        self._prepare_assignees(vals_list)
        tickets = super().create(vals_list)
        tickets._assign_numbers()
        tickets._sla_on_create()
        return tickets

    def write(self, vals):
        res = super().write(vals)
        self._sla_on_write(vals)
        return res

    @api.model
    def _match_partners_by_email(self, vals_list):
        """Link tickets of known customers: an email without partner is matched to the
        existing contact with that address (first created wins, as the mail gateway does)."""
        emails = {
            tools.email_normalize(vals['partner_email'])
            for vals in vals_list if vals.get('partner_email') and not vals.get('partner_id')
        } - {False}
        if not emails:
            return
        partners = self.env['res.partner'].search(
            [('email_normalized', 'in', list(emails))], order='id')
        by_email = {}
        for partner in partners:
            by_email.setdefault(partner.email_normalized, partner.id)
        for vals in vals_list:
            if vals.get('partner_email') and not vals.get('partner_id'):
                partner_id = by_email.get(tools.email_normalize(vals['partner_email']))
                if partner_id:
                    vals['partner_id'] = partner_id

    @api.model
    def _prepare_assignees(self, vals_list):
        """Fill ``user_id`` of new tickets according to their team's assignment method."""
        pending = defaultdict(list)
        for vals in vals_list:
            if 'user_id' in vals:
                continue
            team_id = vals.get('team_id') or self._default_team_id().id
            if team_id:
                pending[team_id].append(vals)
        for team_id, team_vals in pending.items():
            team = self.env['cskh.team'].browse(team_id)
            for vals, user_id in zip(team_vals, team._assign_users(len(team_vals))):
                if user_id:
                    vals['user_id'] = user_id

    def _assign_numbers(self):
        """Give each new ticket the next number of its company's sequence."""
        for company, tickets in self.filtered(lambda t: not t.number).grouped('company_id').items():
            sequence = self._get_number_sequence(company)
            for ticket in tickets:
                ticket.number = sequence.next_by_id()

    @api.model
    def _get_number_sequence(self, company):
        """The ``ir.sequence`` numbering the tickets of ``company``, created on first use
        so that every company has its own counter."""
        sequences = self.env['ir.sequence'].sudo()
        sequence = sequences.search(
            [('code', '=', 'cskh.ticket'), ('company_id', '=', company.id)], limit=1)
        return sequence or sequences.create(self._prepare_sequence_values(company))

    @api.model
    def _prepare_sequence_values(self, company):
        return {
            'name': self.env._("Helpdesk Tickets (%(company)s)", company=company.name),
            'code': 'cskh.ticket',
            'company_id': company.id,
            'prefix': 'CSKH/%(year)s/',
            'padding': 5,
        }

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_assign_to_me(self):
        self.user_id = self.env.user

    def action_open_partner_tickets(self):
        self.ensure_one()
        return self.partner_id.action_view_cskh_tickets()

    def action_escalate(self):
        """Escalate by hand: same effects as a missed SLA target."""
        tickets = self.filtered(lambda ticket: ticket.escalation_level < MAX_ESCALATION_LEVEL)
        if not tickets:
            raise UserError(self.env._("This ticket is already at the highest escalation level."))
        tickets._sla_escalate()

    # ------------------------------------------------------------
    # MAIL THREAD
    # ------------------------------------------------------------

    def _creation_subtype(self):
        return self.env.ref('cskh_helpdesk.mt_ticket_new')

    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'stage_id' in init_values:
            return self.env.ref('cskh_helpdesk.mt_ticket_stage')
        return super()._track_subtype(init_values)

    def _notify_get_reply_to(self, default=None, author_id=False):
        """Customer replies go to the team's alias, so they thread back here."""
        aliases = self.sudo().team_id._notify_get_reply_to(default=default, author_id=author_id)
        res = {ticket.id: aliases.get(ticket.team_id.id) for ticket in self}
        leftover = self.filtered(lambda ticket: not ticket.team_id)
        if leftover:
            res.update(super(CskhTicket, leftover)._notify_get_reply_to(
                default=default, author_id=author_id))
        return res

    def _rating_get_parent_field_name(self):
        return 'team_id'

    def _get_rotting_domain(self):
        return super()._get_rotting_domain() & Domain('is_closed', '=', False)

    # ------------------------------------------------------------
    # ---- SLA ----
    # ------------------------------------------------------------

    def _sla_get_calendar(self):
        """Working time of SLA deadlines: the team's calendar, else the company's."""
        self.ensure_one()
        return self.team_id.resource_calendar_id or self.company_id.resource_calendar_id

    @api.model
    def _sla_plan_hours(self, calendar, hours, start):
        """``start`` + ``hours`` of working time of ``calendar`` (public holidays
        excluded); plain hours when there is no calendar or it has no working time."""
        deadline = calendar and calendar.plan_hours(hours, start, compute_leaves=True)
        return deadline or start + timedelta(hours=hours)

    def _sla_work_hours(self, start, end):
        """Working hours of the ticket's calendar between two naive UTC datetimes."""
        self.ensure_one()
        calendar = self._sla_get_calendar()
        if not calendar:
            return (end - start).total_seconds() / 3600
        return calendar.get_work_hours_count(start, end, compute_leaves=True)

    def _sla_on_create(self):
        self._sla_apply()
        self._sla_update_pause()
        self._sla_update_reached()

    def _sla_on_write(self, vals):
        """React to the changes the SLA depends on; called after each write."""
        if SLA_CONDITION_FIELDS & vals.keys():
            self._sla_apply()
        if {'stage_id', 'team_id'} & vals.keys():
            self._sla_update_pause()
        if {'stage_id', 'team_id', 'date_first_response'} & vals.keys():
            self._sla_update_reached()

    def _sla_find_policies(self):
        """Policies matching each ticket, as a dict ticket -> cskh.sla recordset."""
        policies = self.env['cskh.sla'].sudo().search(
            [('team_id', 'in', self.team_id.filtered('use_sla').ids)])
        return {
            ticket: policies.filtered(lambda sla: sla._match_ticket(ticket))
            for ticket in self
        }

    def _sla_apply(self):
        """Apply the matching policies as SLA lines and remove the ongoing lines of
        policies that no longer match. Met and missed lines are history: kept."""
        matching = self._sla_find_policies()
        to_unlink = self.env['cskh.ticket.sla'].sudo()
        vals_list = []
        for ticket in self:
            lines = ticket.sudo().sla_status_ids
            to_unlink |= lines.filtered(lambda line: line.status == 'ongoing' and line.sla_id not in matching[ticket])
            if ticket.is_closed:
                continue
            for sla in matching[ticket] - lines.sla_id:
                vals_list.append(ticket._sla_prepare_line_values(sla))
        to_unlink.unlink()
        new_lines = self.env['cskh.ticket.sla'].sudo().create(vals_list)
        if new_lines:
            new_lines.ticket_id._sla_update_reached()
            new_lines._schedule_escalation()

    def _sla_prepare_line_values(self, sla):
        """Values of the line applying ``sla``: the deadline counts the policy's working
        hours from the ticket's creation, plus the time already spent paused."""
        self.ensure_one()
        hours = sla.time + self.sla_paused_hours
        return {
            'ticket_id': self.id,
            'sla_id': sla.id,
            'deadline': self._sla_plan_hours(self._sla_get_calendar(), hours, self.create_date),
            'paused_hours': self.sla_paused_hours,
        }

    def _sla_update_pause(self):
        """Start the pause in a ``sla_pause`` stage; when the ticket leaves it, move the
        ongoing deadlines by the working time spent paused."""
        now = fields.Datetime.now()
        to_pause = self.filtered(lambda t: t.stage_id.sla_pause and not t.sla_pause_date)
        if to_pause:
            to_pause.write({'sla_pause_date': now})
        for ticket in self.filtered(lambda t: not t.stage_id.sla_pause and t.sla_pause_date):
            hours = ticket._sla_work_hours(ticket.sla_pause_date, now)
            ticket._sla_extend_deadlines(hours)
            ticket.write({'sla_pause_date': False, 'sla_paused_hours': ticket.sla_paused_hours + hours})

    def _sla_extend_deadlines(self, hours):
        self.ensure_one()
        if not hours:
            return
        calendar = self._sla_get_calendar()
        for line in self.sudo().sla_status_ids.filtered(lambda line: line.status == 'ongoing'):
            line.write({
                'deadline': self._sla_plan_hours(calendar, hours, line.deadline),
                'paused_hours': line.paused_hours + hours,
            })
        self.sudo().sla_status_ids._schedule_escalation()

    def _sla_update_reached(self):
        """Mark the targets met by the ticket's current state: first response sent,
        target stage (or a later or closing one) reached. Late targets (already failed)
        get their reached date too, which measures the delay. Reopening a ticket makes
        its resolution targets met in time ongoing again."""
        now = fields.Datetime.now()
        for ticket in self:
            lines = ticket.sudo().sla_status_ids
            if ticket.date_first_response:
                lines.filtered(lambda line: line.target == 'first_response')._reach(
                    ticket.date_first_response)
            resolution = lines.filtered(lambda line: line.target == 'resolution')
            reached = resolution.filtered(lambda line: line.sla_id._is_stage_reached(ticket.stage_id))
            reached._reach(now)
            (resolution - reached)._unreach()
            if ticket.is_closed:
                lines._reach(now)

    def _sla_escalate(self, failed_lines=None):
        """Escalate the tickets: level up (at most 3), an activity for the team leader
        (one open escalation activity per ticket), a note in the chatter and, when one
        of the policies asks for it, a higher priority. Runs in batch from the cron.

        :param failed_lines: the SLA lines whose failure causes the escalation; none
            for a manual escalation
        """
        failed_lines = failed_lines or self.env['cskh.ticket.sla']
        failed_by_ticket = failed_lines.sudo().grouped('ticket_id')
        raised = self._sla_raise_priority(failed_by_ticket)
        for level, tickets in self.grouped(lambda t: min(t.escalation_level + 1, MAX_ESCALATION_LEVEL)).items():
            tickets.write({'escalation_level': level})
        self._sla_schedule_escalation_activities(quiet=bool(failed_lines))
        bodies = {
            ticket.id: ticket._sla_escalation_note(failed_by_ticket.get(ticket), ticket in raised)
            for ticket in self
        }
        self._message_log_batch(bodies=bodies)

    def _sla_raise_priority(self, failed_by_ticket):
        """Raise by one the priority of tickets whose missed policies ask for it (by
        hand: any policy of the ticket). Returns the raised tickets."""
        def wants_raise(ticket):
            lines = failed_by_ticket.get(ticket) or ticket.sudo().sla_status_ids
            return ticket.priority != '3' and any(lines.sla_id.mapped('raise_priority'))
        to_raise = self.filtered(wants_raise)
        for priority, tickets in to_raise.grouped(lambda t: str(int(t.priority) + 1)).items():
            tickets.with_context(mail_notrack=True).write({'priority': priority})
        return to_raise

    def _sla_schedule_escalation_activities(self, quiet=False):
        activity_type = self.env.ref('cskh_helpdesk.mail_act_ticket_escalation')
        existing = self.env['mail.activity'].sudo().search([
            ('res_model', '=', self._name), ('res_id', 'in', self.ids),
            ('activity_type_id', '=', activity_type.id)])
        todo = self.filtered(lambda t: t.team_id.leader_id and t.id not in existing.mapped('res_id'))
        for leader, tickets in todo.grouped(lambda t: t.team_id.leader_id).items():
            # from the cron, leaders find the activities in their list, without one email each
            tickets.with_context(mail_activity_quick_update=quiet).activity_schedule(
                'cskh_helpdesk.mail_act_ticket_escalation', user_id=leader.id,
                summary=self.env._("Escalated ticket: check the SLA"))

    def _sla_escalation_note(self, failed_lines, priority_raised):
        self.ensure_one()
        if failed_lines:
            text = self.env._(
                "SLA missed (%(policies)s): ticket escalated to level %(level)s.",
                policies=", ".join(failed_lines.sla_id.mapped('name')), level=self.escalation_level)
        else:
            text = self.env._(
                "Ticket escalated to level %(level)s by %(user)s.",
                level=self.escalation_level, user=self.env.user.name)
        if priority_raised:
            text += " " + self.env._("Priority raised to %(priority)s.", priority=dict(
                self._fields['priority']._description_selection(self.env))[self.priority])
        return Markup("<p>%s</p>") % text
