from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models, tools
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
        return tickets

    def write(self, vals):
        solved_before = self._survey_get_solved_before(vals)
        res = super().write(vals)
        self._survey_on_stage_change(solved_before)
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
    # ---- SATISFACTION SURVEY ----
    # ------------------------------------------------------------

    closure_count = fields.Integer(
        "Closures", copy=False, readonly=True,
        help="How many times the ticket was solved. Each closure may send its own survey.")
    survey_response_ids = fields.One2many(
        'cskh.survey.response', 'ticket_id', string="Survey Responses", copy=False)
    survey_csat = fields.Integer(
        "CSAT", compute='_compute_survey_scores', store=True, aggregator='avg',
        help="Satisfaction (1-5) of the latest survey answer.")
    survey_nps = fields.Integer(
        "NPS Rating", compute='_compute_survey_scores', store=True, aggregator='avg',
        help="Likelihood to recommend (0-10) of the latest survey answer.")
    survey_ces = fields.Integer(
        "CES", compute='_compute_survey_scores', store=True, aggregator='avg',
        help="Customer effort (1-7) of the latest survey answer.")
    survey_comment = fields.Text("Survey Comment", compute='_compute_survey_scores', store=True)
    survey_state = fields.Selection(
        [('sent', "Survey Sent"), ('answered', "Answered")], string="Survey",
        compute='_compute_survey_scores', store=True)

    @api.depends('survey_response_ids.state', 'survey_response_ids.csat',
                 'survey_response_ids.nps', 'survey_response_ids.ces', 'survey_response_ids.comment')
    def _compute_survey_scores(self):
        """Scores of the latest answered survey (else the latest sent one), in one query."""
        groups = self.env['cskh.survey.response'].sudo()._read_group(
            [('ticket_id', 'in', self.ids), ('state', 'in', ('sent', 'answered'))],
            ['ticket_id', 'state'], ['id:max'])
        latest = defaultdict(dict)
        for ticket, state, response_id in groups:
            latest[ticket.id][state] = response_id
        Response = self.env['cskh.survey.response'].sudo()
        for ticket in self:
            ids = latest.get(ticket.id, {})
            response = Response.browse(ids.get('answered') or ids.get('sent'))
            ticket.survey_state = response.state
            answered = response.state == 'answered'
            ticket.survey_csat = answered and response.csat
            ticket.survey_nps = answered and response.has_nps and response.nps
            ticket.survey_ces = answered and response.ces
            ticket.survey_comment = answered and response.comment

    def _survey_is_solved(self):
        """Solved = in a closing stage that is not a cancellation stage."""
        self.ensure_one()
        return self.stage_id.is_closed and not self.stage_id.is_cancel

    def _survey_get_solved_before(self, vals):
        """Ids of the tickets solved before a write that may change their stage."""
        if 'stage_id' not in vals and 'team_id' not in vals:
            return None
        return {ticket.id for ticket in self if ticket._survey_is_solved()}

    def _survey_on_stage_change(self, solved_before):
        """After a stage change: a new closure schedules the survey and the follow-up;
        leaving the solved state cancels surveys not sent yet."""
        if solved_before is None:
            return
        closing = self.filtered(lambda t: t.id not in solved_before and t._survey_is_solved())
        leaving = self.filtered(lambda t: t.id in solved_before and not t._survey_is_solved())
        if leaving:
            self.env['cskh.survey.response'].sudo().search(
                [('ticket_id', 'in', leaving.ids), ('state', '=', 'scheduled')]).state = 'cancelled'
        if closing:
            closing._survey_on_closure()

    def _survey_on_closure(self):
        for ticket in self:
            ticket.closure_count += 1
        self._survey_schedule()
        self._survey_schedule_followup()

    def _survey_schedule(self):
        """Create one survey for the current closure of each ticket whose team asks for
        it; send it now or wake the sending cron up when it is due."""
        Response = self.env['cskh.survey.response'].sudo()
        tickets = self.filtered(lambda t: t.team_id.use_survey and t.partner_id)
        already = set()
        if tickets.filtered(lambda t: not t.team_id.survey_resend_on_reclose):
            already = {ticket.id for [ticket] in Response._read_group(
                [('ticket_id', 'in', tickets.ids), ('state', '!=', 'cancelled')], ['ticket_id'])}
        tickets = tickets.filtered(lambda t: t.team_id.survey_resend_on_reclose or t.id not in already)
        if not tickets:
            return Response
        now = fields.Datetime.now()
        responses = Response.create([{
            'ticket_id': ticket.id,
            'closure_key': ticket.closure_count,
            'partner_id': ticket.partner_id.id,
            'date_scheduled': now + timedelta(hours=ticket.team_id.survey_delay_hours),
        } for ticket in tickets])
        responses.filtered(lambda r: r.date_scheduled <= now)._send_survey()
        later = responses.filtered(lambda r: r.state == 'scheduled')
        if later:
            self.env.ref('cskh_helpdesk.cskh_ticket_cron_send_survey')._trigger(
                at=set(later.mapped('date_scheduled')))
        return responses

    def _survey_schedule_followup(self):
        """Post-resolution care: an activity for the assignee N days after closing."""
        for ticket in self.filtered(lambda t: t.team_id.use_followup):
            team = ticket.team_id
            user = ticket.user_id or team.leader_id
            activity_type = team.followup_activity_type_id \
                or self.env.ref('mail.mail_activity_data_call', raise_if_not_found=False)
            ticket.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=fields.Date.to_date(ticket.date_closed) + timedelta(days=team.followup_days),
                user_id=user.id or self.env.uid,
                summary=self.env._("Follow up with the customer after resolution"),
            )

    def _survey_get_response_to_send(self):
        """The survey the mail template is rendering (set in context by the sender)."""
        self.ensure_one()
        response_id = self.env.context.get('cskh_survey_response_id')
        Response = self.env['cskh.survey.response'].sudo()
        if response_id:
            return Response.browse(response_id)
        return Response.search([('ticket_id', '=', self.id), ('state', '=', 'sent')], limit=1, order='id desc')

    @api.model
    def _cron_send_survey(self, batch_size=100):
        """Send the surveys whose delay is over, in batches. Rows are locked with SKIP
        LOCKED so several workers never send the same survey twice."""
        Response = self.env['cskh.survey.response'].sudo()
        domain = [('state', '=', 'scheduled'), ('date_scheduled', '<=', fields.Datetime.now())]
        self.env['ir.cron']._commit_progress(remaining=Response.search_count(domain))
        while True:
            responses = Response.search(domain, limit=batch_size, order='date_scheduled, id')
            responses = responses.try_lock_for_update().filtered_domain(domain)
            if not responses:
                break
            responses._send_survey()
            if not self.env['ir.cron']._commit_progress(len(responses)):
                break

    def action_view_survey_responses(self):
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_survey_response_action')
        action['domain'] = [('ticket_id', 'in', self.ids)]
        action['context'] = {}
        return action
