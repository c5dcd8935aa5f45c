import ast
import base64
import hashlib
import re
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL, LazyTranslate
from odoo.tools.mail import email_split_and_format, generate_tracking_message_id, unfold_references

from .utils import lock_next_batch, prefetch_empty_many2many, run_cron_batches

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

# where a ticket comes from (also a condition of the SLA policies and of the process templates' ones)
TICKET_CHANNELS = [
    ('email', "Email"),
    ('phone', "Phone"),
    ('web', "Web Form / Portal"),
    ('chat', "Live Chat"),
    ('social', "Social Network"),
    ('zalo', "Zalo"),
    ('facebook', "Facebook Messenger"),
    ('store', "In Store"),
    ('other', "Other"),
]

MAX_ESCALATION_LEVEL = 3
# words of a ticket's description searched in the knowledge base for the agent
TICKET_FAQ_QUERY_WORDS = 20

# first key of the web form's advisory locks ("cskh" in ASCII), apart from other apps' locks
WEB_FORM_LOCK_SPACE = 0x63736B68
# ticket fields the SLA policies' conditions look at (customer_tier follows partner_id)
SLA_CONDITION_FIELDS = {'team_id', 'priority', 'type_id', 'tag_ids', 'customer_tier', 'partner_id', 'channel'}

# What a portal user may read of a ticket through the ORM or RPC (the portal pages render
# tickets in sudo): the request, its customer, the dates, the conversation, the portal
# link. Internal fields (tier, handling script, tags, lead, SLA, escalation, KPIs, survey
# scores) raise AccessError, and so does any field added later that is not listed here.
TICKET_PORTAL_READABLE_FIELDS = frozenset({
    'id', 'display_name', 'active', 'company_id',
    # the request
    'number', 'name', 'description', 'priority', 'type_id', 'channel', 'team_id', 'user_id',
    'stage_id', 'is_closed',
    # the customer
    'partner_id', 'commercial_partner_id', 'partner_name', 'partner_email', 'partner_phone',
    'email_normalized', 'email_cc',
    # dates
    'create_date', 'write_date', 'date_last_stage_update', 'date_closed',
    # conversation (mail.message filters out internal notes for portal users) and portal link
    'message_ids', 'website_message_ids', 'message_is_follower', 'has_message',
    'message_needaction', 'message_needaction_counter',
    'access_url', 'access_token', 'access_warning',
})

# Measures the helpdesk records itself when their event happens (answers, stage changes,
# SLA outcomes, surveys): the system (sudo) and helpdesk managers write them, agents cannot
# forge them through RPC. Code changing them on an agent's action writes them in sudo.
TICKET_SYSTEM_FIELDS = frozenset({
    'date_first_response', 'date_closed', 'agent_reply_count', 'reopen_count', 'closure_count',
    'escalation_level', 'sla_pause_date', 'sla_paused_hours', 'sla_deadline', 'sla_failed',
    'sla_success', 'frt_hours', 'frt_calendar_hours', 'resolution_hours', 'resolution_calendar_hours',
    'fcr', 'survey_csat', 'survey_nps', 'survey_ces', 'survey_comment', 'survey_state',
    'date_last_customer_message', 'date_auto_close_reminder',
})


class ClosureState(NamedTuple):
    """Where a ticket stood before a write that may change its stage."""
    is_closed: bool
    is_solved: bool  # see CskhTicket._is_solved


class CskhTicket(models.Model):
    _name = 'cskh.ticket'
    _description = "Helpdesk Ticket"
    _inherit = [
        'portal.mixin',
        'mail.thread.cc',
        'mail.thread.blacklist',
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

    # Description
    active = fields.Boolean(default=True)
    number = fields.Char(
        "Ticket Number", readonly=True, copy=False, index='trigram',
        help="Unique reference of the ticket, given at creation by the company's sequence.")
    name = fields.Char("Subject", required=True, index='trigram', tracking=True)
    description = fields.Html()
    # computed before the INSERT: a new ticket has no rating (one query less per ticket)
    rating_last_value = fields.Float(compute='_compute_rating_last_value', store=True, precompute=True)
    priority = fields.Selection(
        TICKET_PRIORITIES, default='0', required=True, index=True, tracking=True)
    type_id = fields.Many2one('cskh.ticket.type', index='btree_not_null', tracking=True)
    type_script = fields.Html(related='type_id.script', string="Handling Script")
    channel = fields.Selection(TICKET_CHANNELS, default='other', required=True, index=True)
    tag_ids = fields.Many2many('cskh.tag', string="Tags")
    color = fields.Integer()
    kanban_state = fields.Selection([
        ('normal', "In Progress"),
        ('done', "Ready"),
        ('blocked', "Blocked"),
    ], string="Status", default='normal', required=True, copy=False)
    # Assignment
    team_id = fields.Many2one(
        'cskh.team', index=True, tracking=True, check_company=True,
        default=lambda self: self._default_team_id())
    stage_id = fields.Many2one(
        'cskh.stage', compute='_compute_stage_id', store=True, readonly=False,
        ondelete='restrict', tracking=True, index=True, copy=False,
        group_expand='_read_group_stage_ids',
        domain="[('team_ids', 'in', team_id)]")
    is_closed = fields.Boolean(related='stage_id.is_closed', store=True, index=True, string="Closed")
    user_id = fields.Many2one(
        'res.users', string="Assigned to", index=True, tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        falsy_value_label=_lt("Unassigned"))  # pylint: disable=translation-field
    date_assigned = fields.Datetime(
        "Assigned on", compute='_compute_date_assigned', store=True, copy=False)
    company_id = fields.Many2one(
        'res.company', compute='_compute_company_id', store=True,
        readonly=False, required=True, index=True, precompute=True)
    # the tickets a helpdesk agent sees, defined once: record rules of the ticket and of
    # the records that follow its visibility (SLA lines, survey answers, ratings, analysis)
    # filter on it, directly or through their ticket_id.
    is_agent_visible = fields.Boolean(
        "Visible to the Agent", compute='_compute_is_agent_visible', search='_search_is_agent_visible',
        export_string_translation=False)
    # Customer
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
    # normalized partner_email (mail.thread.blacklist): the gateway's loop detection, the
    # automatic answers' hourly limit and bounce counters look tickets up by it
    email_normalized = fields.Char(index='btree_not_null')
    partner_phone = fields.Char(
        "Customer Phone", compute='_compute_partner_contact', store=True, readonly=False)
    customer_tier = fields.Selection(
        CUSTOMER_TIERS, compute='_compute_customer_tier',
        store=True, readonly=False, index='btree_not_null')
    partner_ticket_count = fields.Integer(
        "Customer Tickets", compute='_compute_partner_ticket_count')
    # Dates
    date_first_response = fields.Datetime(
        "First Response on", copy=False, readonly=True, index='btree_not_null',
        help="When an agent first sent a public answer to the customer.")
    date_closed = fields.Datetime(
        "Closed on", compute='_compute_date_closed', store=True, copy=False, index=True)
    date_last_stage_update = fields.Datetime(
        "Last Stage Update", compute='_compute_date_last_stage_update', store=True,
        copy=False, index=True)
    date_last_customer_message = fields.Datetime(
        "Last Customer Message on", readonly=True, copy=False,
        help="When the customer last wrote (email, portal or chat app): restarts the auto-close delays.")
    # Merge: a duplicate closed into the ticket that now holds its conversation
    merged_into_id = fields.Many2one(
        'cskh.ticket', string="Merged into", readonly=True, copy=False, index='btree_not_null',
        help="The ticket this one was merged into: its messages, attachments and followers are there.")
    # Auto-close
    date_auto_close_reminder = fields.Datetime(
        "Auto-close Reminder Sent on", readonly=True, copy=False,
        help="When the customer was reminded that the ticket waits for an answer; "
             "cleared when the customer writes or the stage changes.")
    # SLA
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
        readonly=True, copy=False, default=0,
        help="Goes up by one (at most 3) each time an SLA target is missed or the ticket is escalated by hand.")
    # Survey
    closure_count = fields.Integer(
        "Closures", copy=False, readonly=True,
        help="How many times the ticket was solved. Each closure may send its own survey.")
    survey_response_ids = fields.One2many(
        'cskh.survey.response', 'ticket_id', string="Survey Responses", copy=False)
    survey_csat = fields.Integer(
        "CSAT", compute='_compute_survey_scores', store=True, precompute=True, aggregator='avg',
        help="Satisfaction (1-5) of the latest survey answer.")
    survey_nps = fields.Integer(
        "NPS Rating", compute='_compute_survey_scores', store=True, precompute=True, aggregator='avg',
        help="Likelihood to recommend (0-10) of the latest survey answer.")
    survey_ces = fields.Integer(
        "CES", compute='_compute_survey_scores', store=True, precompute=True, aggregator='avg',
        help="Customer effort (1-7) of the latest survey answer.")
    survey_comment = fields.Text(compute='_compute_survey_scores', store=True, precompute=True)
    survey_state = fields.Selection(
        [('sent', "Survey Sent"), ('answered', "Answered")], string="Survey",
        compute='_compute_survey_scores', store=True, precompute=True)
    # KPIs: measures stored once, when their event happens (first answer, closure,
    # reopening, SLA outcome), so that reports aggregate plain columns
    frt_hours = fields.Float(
        "First Response Time (Working Hours)", compute='_compute_frt_hours', store=True,
        compute_sudo=True, aggregator='avg', digits=(16, 2), copy=False,
        help="Working hours of the team's calendar between the creation and the first answer of an agent.")
    frt_calendar_hours = fields.Float(
        "First Response Time (Hours)", compute='_compute_frt_hours', store=True,
        compute_sudo=True, aggregator='avg', digits=(16, 2), copy=False,
        help="Calendar hours between the creation and the first answer of an agent.")
    resolution_hours = fields.Float(
        "Resolution Time (Working Hours)", compute='_compute_resolution_hours', store=True,
        compute_sudo=True, aggregator='avg', digits=(16, 2), copy=False,
        help="Working hours of the team's calendar between the creation and the (last) closure.")
    resolution_calendar_hours = fields.Float(
        "Resolution Time (Hours)", compute='_compute_resolution_hours', store=True,
        compute_sudo=True, aggregator='avg', digits=(16, 2), copy=False,
        help="Calendar hours between the creation and the (last) closure.")
    agent_reply_count = fields.Integer(
        "Agent Replies", readonly=True, copy=False, aggregator='avg',
        help="Number of public answers written by agents.")
    reopen_count = fields.Integer(
        "Reopened", readonly=True, copy=False,
        help="How many times the ticket went back from a closed stage to an open one.")
    fcr = fields.Boolean(
        "First Contact Resolution", compute='_compute_fcr', store=True, compute_sudo=True, copy=False,
        help="Solved with at most one answer of an agent and never reopened.")
    sla_success = fields.Boolean(
        "SLA Success", compute='_compute_sla_success', store=True, compute_sudo=True, copy=False,
        help="Every SLA target of the ticket was met in time.")
    # CRM
    # No groups on lead_id: agents without sales rights still see the link's name (many2one
    # names are read as superuser); the view hides the buttons that would open or create leads.
    lead_id = fields.Many2one(
        'crm.lead', string="Lead/Opportunity", index='btree_not_null', tracking=True, copy=False,
        check_company=True, ondelete='set null',
        help="Lead or opportunity this request belongs to, e.g. a pre-sales question.")
    lead_type = fields.Selection(related='lead_id.type', string="Lead Type")
    type_suggest_opportunity = fields.Boolean(related='type_id.suggest_opportunity')
    # Portal
    web_form_ip = fields.Char(
        "Submitted from IP", readonly=True, copy=False,
        groups='cskh_helpdesk.cskh_helpdesk_group_manager',
        help="Address the web form was sent from; used to limit abusive submissions.")

    # Channels: Zalo and Facebook conversations (messages in by webhook, answers out by the provider)
    channel_account_id = fields.Many2one(
        'cskh.channel.account', readonly=True, copy=False, index='btree_not_null',
        help="Zalo OA or Facebook Page of the conversation: answers are sent back through it.")
    channel_user_id = fields.Char(
        "Channel User ID", readonly=True, copy=False, groups='cskh_helpdesk.cskh_helpdesk_group_agent',
        help="The customer's id on the platform, recipient of the answers.")
    channel_last_inbound_date = fields.Datetime(
        "Last Customer Message", readonly=True, copy=False,
        help="When the customer last wrote on the channel (Messenger's answer windows count from it).")
    channel_delivery_ids = fields.One2many(
        'cskh.channel.delivery', 'ticket_id', string="Channel Deliveries", copy=False)
    channel_delivery_failed_count = fields.Integer(
        "Failed Deliveries", compute='_compute_channel_delivery_failed_count')
    # Knowledge base: published articles matching the subject and description, for the agent
    faq_suggestion_ids = fields.Many2many(
        'cskh.faq', string="Suggested Articles", compute='_compute_faq_suggestion_ids',
        help="Published articles of the team matching the subject and the description of the ticket.")

    _number_company_uniq = models.Constraint(
        'unique (company_id, number)', "The ticket number must be unique per company.")
    # the default order of every list and kanban page (as crm.lead's): the first page of
    # 100k tickets is read from the index instead of sorting the table
    _default_order_idx = models.Index('(priority DESC, id DESC) WHERE active IS TRUE')
    # open tickets per team and agent: balanced assignment of every new ticket (its load
    # weighted by priority, counted from the index alone), team overview
    _open_team_user_priority_idx = models.Index(
        '(team_id, user_id, priority) WHERE active IS TRUE AND is_closed IS NOT TRUE')
    _web_form_recent_idx = models.Index("(create_date) WHERE channel = 'web'")
    # the conversation's last ticket, looked up for every incoming message
    _channel_conversation_idx = models.Index(
        '(channel_account_id, channel_user_id, id) WHERE channel_account_id IS NOT NULL')

    @api.depends('number', 'name')
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"[{ticket.number}] {ticket.name}" if ticket.number else ticket.name

    @api.depends('team_id')
    def _compute_stage_id(self):
        for ticket in self:
            team = ticket.team_id
            # a new ticket has no stage: its team's stages are not read twice
            if team and (not ticket.stage_id or ticket.stage_id not in team.stage_ids):
                ticket.stage_id = team._get_first_stage()
            elif not ticket.stage_id and not team:
                ticket.stage_id = False

    @api.depends('user_id')
    def _compute_date_assigned(self):
        for ticket in self:
            ticket.date_assigned = ticket.user_id and fields.Datetime.now()

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

    @api.depends('commercial_partner_id')
    def _compute_partner_ticket_count(self):
        partners = self.commercial_partner_id
        counts = dict(self.env['cskh.ticket']._read_group(
            [('commercial_partner_id', 'in', partners.ids)], ['commercial_partner_id'], ['__count']))
        for ticket in self:
            ticket.partner_ticket_count = counts.get(ticket.commercial_partner_id, 0)

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

    def _get_rotting_domain(self):
        return super()._get_rotting_domain() & Domain('is_closed', '=', False)

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
                    limits[key] = key[0]._cskh_plan_hours(key[1], now) if key[1] > 0 else now
                ticket.sla_state = 'due_soon' if deadline <= limits[key] and not ticket.sla_pause_date else 'on_time'

    @api.depends('survey_response_ids.state', 'survey_response_ids.csat',
                 'survey_response_ids.nps', 'survey_response_ids.ces', 'survey_response_ids.comment')
    def _compute_survey_scores(self):
        """Scores of the latest answered survey (else the latest sent one), in one query;
        none for tickets being created (precomputed: they have no survey yet)."""
        saved_ids = [id_ for id_ in self.ids if isinstance(id_, int)]
        groups = saved_ids and self.env['cskh.survey.response'].sudo()._read_group(
            [('ticket_id', 'in', saved_ids), ('state', 'in', ('sent', 'answered'))],
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

    @api.depends('date_first_response')
    def _compute_frt_hours(self):
        for ticket in self:
            start, end = ticket.create_date, ticket.date_first_response
            ticket.frt_hours = ticket._report_work_hours(start, end)
            ticket.frt_calendar_hours = ticket._report_calendar_hours(start, end)

    @api.depends('date_closed')
    def _compute_resolution_hours(self):
        for ticket in self:
            start, end = ticket.create_date, ticket.date_closed
            ticket.resolution_hours = ticket._report_work_hours(start, end)
            ticket.resolution_calendar_hours = ticket._report_calendar_hours(start, end)

    @api.depends('is_closed', 'stage_id.is_cancel', 'agent_reply_count', 'reopen_count')
    def _compute_fcr(self):
        for ticket in self:
            ticket.fcr = ticket.is_closed and not ticket.stage_id.is_cancel \
                and ticket.agent_reply_count <= 1 and not ticket.reopen_count

    @api.depends('sla_status_ids.status')
    def _compute_sla_success(self):
        for ticket in self:
            statuses = ticket.sla_status_ids.mapped('status')
            ticket.sla_success = bool(statuses) and all(status == 'reached' for status in statuses)

    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for ticket in self:
            ticket.access_url = f'/my/cskh-tickets/{ticket.id}'

    @api.depends('channel_delivery_ids.state')
    def _compute_channel_delivery_failed_count(self):
        failed = dict(self.env['cskh.channel.delivery']._read_group(
            [('ticket_id', 'in', self.ids), ('state', '=', 'failed')], ['ticket_id'], ['__count']))
        for ticket in self:
            ticket.channel_delivery_failed_count = failed.get(ticket, 0)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._check_system_fields_write({fname for vals in vals_list for fname in vals} | {
            key[8:] for key in self.env.context if key.startswith('default_')})
        self._match_partners_by_email(vals_list)
        self._check_lead_access(vals_list)
        unrouted = self._prepare_assignees(vals_list)
        self._prefetch_notified_partners(vals_list)
        for vals in vals_list:
            # the portal link of the first notification would write it right after
            vals.setdefault('access_token', str(uuid.uuid4()))
        tickets = super().create(vals_list)
        tickets._assign_numbers()
        tickets._sla_on_create()
        tickets._schedule_creation_emails()
        if unrouted:
            tickets.browse(tickets[index].id for index in unrouted)._notify_unrouted()
        return tickets

    def write(self, vals):
        self._check_system_fields_write(vals)
        self._check_lead_access([vals])
        closure_before = self._get_closure_before_write(vals)
        res = super().write(vals)
        self._update_reporting_on_write(closure_before)
        self._sla_on_write(vals)
        self._survey_on_stage_change(closure_before)
        self._auto_close_on_write(vals)
        return res

    def unlink(self):
        pending = self.env.cr.precommit.data.get('cskh.ticket.creation_emails')
        if pending:
            deleted = set(self.ids)
            pending[:] = [id_ for id_ in pending if id_ not in deleted]
        return super().unlink()

    def _get_closure_before_write(self, vals):
        """State of each ticket before a write that may change its stage, for the effects
        of a stage change (reopen count, survey): ticket id -> ``ClosureState``; None
        when the stage cannot change."""
        if 'stage_id' not in vals and 'team_id' not in vals:
            return None
        return {ticket.id: ClosureState(ticket.is_closed, ticket._is_solved()) for ticket in self}

    def _is_solved(self):
        """Whether the ticket is solved: in a closing stage that is not a cancellation
        stage. ``write`` compares it before and after a stage change (survey, follow-up);
        survey responses are sent for solved tickets only."""
        self.ensure_one()
        return self.stage_id.is_closed and not self.stage_id.is_cancel

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
        """Fill ``user_id`` of new tickets by their team's routing (``cskh.team._route_tickets``),
        team by team, in a number of queries independent of the batch and of the team size.

        :return: the indexes in ``vals_list`` of the tickets routed to nobody, whose team
            leader gets an activity once they exist (``_notify_unrouted``)
        """
        pending = defaultdict(list)
        for index, vals in enumerate(vals_list):
            if 'user_id' in vals:
                continue
            team_id = vals.get('team_id') or self._default_team_id().id
            if team_id:
                pending[team_id].append(index)
        unrouted = []
        for team_id, indexes in pending.items():
            team = self.env['cskh.team'].sudo().browse(team_id)
            if team.assign_method == 'manual':
                continue
            infos = self._get_routing_infos_from_vals([vals_list[index] for index in indexes])
            for index, (user_id, routed) in zip(indexes, team._route_tickets(infos)):
                if user_id:
                    vals_list[index]['user_id'] = user_id
                elif not routed:
                    unrouted.append(index)
        return unrouted

    @api.model
    def _get_routing_infos_from_vals(self, vals_list):
        """What the routing looks at (``_get_routing_infos``) for tickets about to be
        created from ``vals_list``; the customers are read in one batch."""
        context = self.env.context
        partner_ids = {vals.get('partner_id') for vals in vals_list} - {None, False}
        partners = {partner.id: partner for partner in self.env['res.partner'].sudo().browse(partner_ids)}
        infos = []
        for vals in vals_list:
            partner = partners.get(vals.get('partner_id')) or self.env['res.partner']
            infos.append({
                'priority': vals.get('priority') or context.get('default_priority') or '0',
                'type_id': vals.get('type_id', context.get('default_type_id')) or False,
                'tag_ids': self._get_command_ids(vals.get('tag_ids', context.get('default_tag_ids')) or []),
                'lang': partner.lang or False,
                'customer_tier': vals.get('customer_tier') or partner.cskh_customer_tier
                or partner.commercial_partner_id.cskh_customer_tier or False,
            })
        return infos

    def _get_routing_infos(self):
        """What the routing looks at, per ticket: priority (load weight), type, tags,
        customer language and tier (skills). Override with ``_get_routing_infos_from_vals``
        and ``cskh.team.member._accepts`` to route on more criteria."""
        return [{
            'priority': ticket.priority,
            'type_id': ticket.type_id.id,
            'tag_ids': ticket.tag_ids.ids,
            'lang': ticket.partner_id.lang or False,
            'customer_tier': ticket.customer_tier or False,
        } for ticket in self.sudo()]

    @api.model
    def _get_command_ids(self, commands):
        """Ids of the existing records an x2many value of ``create`` links (ids, or
        SET / LINK commands); records it creates are new to every skill."""
        ids = []
        for command in commands:
            if isinstance(command, int):
                ids.append(command)
            elif command[0] == Command.SET:
                ids.extend(command[2])
            elif command[0] == Command.LINK:
                ids.append(command[1])
        return ids

    def _notify_unrouted(self):
        """Tickets no available member could take and whose leader is away: a to-do for
        the team leader, in his language, to assign them by hand."""
        for ticket in self.filtered(lambda t: t.team_id.leader_id):
            leader = ticket.team_id.leader_id
            ticket = ticket._with_user_lang(leader)
            ticket.activity_schedule(
                'mail.mail_activity_data_todo', user_id=leader.id,
                summary=ticket.env._("Assign this ticket"),
                note=ticket.env._("No available member of the team has the skills and the capacity "
                                  "for this ticket."))

    @api.model
    def _prefetch_notified_partners(self, vals_list):
        """Read at once the contacts that the creation's messages and emails read one by
        one: the assignees (notified), the user who assigns them (author of the notice),
        the companies (their address in every email), and on an incoming email OdooBot,
        who posts it. One query instead of one per contact, for every new ticket."""
        users = self.env['res.users'].sudo().browse({vals['user_id'] for vals in vals_list if vals.get('user_id')})
        teams = self.env['cskh.team'].sudo().browse({vals['team_id'] for vals in vals_list if vals.get('team_id')})
        partner_ids = {*users.partner_id.ids, *teams.company_id.partner_id.ids,
                       *self.env.user.partner_id.ids, *self.env.company.partner_id.ids}
        if self.env.context.get('cskh_message_new'):
            partner_ids.add(self.env['ir.model.data']._xmlid_to_res_id('base.partner_root'))
        self.env['res.partner'].sudo().browse(partner_ids).fetch()

    @api.model
    def _check_lead_access(self, vals_list):
        """Linking a lead requires reading it, so that helpdesk rights never open the CRM
        (a constraint would run as superuser)."""
        lead_ids = {vals['lead_id'] for vals in vals_list if vals.get('lead_id')}
        if lead_ids and not self.env['crm.lead'].browse(lead_ids).has_access('read'):
            raise AccessError(self.env._(
                "You cannot link a ticket to a lead or opportunity you do not have access to."))

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
        # fetch what next_by_id() reads along with the search: one query per ticket batch
        sequence = sequences.search_fetch(
            [('code', '=', 'cskh.ticket'), ('company_id', '=', company.id)],
            ['implementation', 'use_date_range', 'prefix', 'suffix', 'padding', 'number_increment'],
            limit=1)
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
    # FIELD ACCESS
    # ------------------------------------------------------------

    @api.model
    def _has_field_access(self, field, operation):
        """Portal users read the fields of ``TICKET_PORTAL_READABLE_FIELDS`` only and write
        none; only managers (and the system) write ``TICKET_SYSTEM_FIELDS``."""
        if not super()._has_field_access(field, operation):
            return False
        if self.env.su:
            return True
        # group checks are cached: no query on the many field accesses of a request
        if not self.env.user._is_internal():
            return operation == 'read' and field.name in TICKET_PORTAL_READABLE_FIELDS
        if operation == 'write' and field.name in TICKET_SYSTEM_FIELDS:
            return self.env.user.has_group('cskh_helpdesk.cskh_helpdesk_group_manager')
        return True

    @api.model
    def _check_system_fields_write(self, field_names):
        """Refuse a write of measures the helpdesk records itself, naming all of them
        (the ORM's own check would name the first technical name only)."""
        forbidden = [
            self._fields[fname] for fname in field_names
            if fname in TICKET_SYSTEM_FIELDS and not self._has_field_access(self._fields[fname], 'write')
        ]
        if forbidden:
            raise AccessError(self.env._(
                "The helpdesk records these values itself; only a helpdesk manager can correct them: %(fields)s.",
                fields=", ".join(field._description_string(self.env) for field in forbidden)))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_assign_to_me(self):
        self.user_id = self.env.user

    def action_open_partner_tickets(self):
        self.ensure_one()
        return self.partner_id.action_view_cskh_tickets()

    def action_escalate(self):
        """Escalate by hand: same effects as a missed SLA target. The user must be allowed
        to change the tickets; the escalation level is then written by the system."""
        self.check_access('write')
        tickets = self.filtered(lambda ticket: ticket.escalation_level < MAX_ESCALATION_LEVEL)
        if not tickets:
            raise UserError(self.env._("This ticket is already at the highest escalation level."))
        tickets._sla_escalate()

    def action_create_lead(self):
        """Open the wizard turning this ticket into a lead or opportunity."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(
            'cskh_helpdesk.cskh_ticket_create_lead_action')
        action['context'] = {'default_ticket_id': self.id}
        return action

    def action_open_lead(self):
        self.ensure_one()
        return self.lead_id.redirect_lead_opportunity_view()

    def action_view_survey_responses(self):
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_survey_response_action')
        action['domain'] = [('ticket_id', 'in', self.ids)]
        action['context'] = {}
        return action

    def action_cskh_create_faq(self):
        """"Create Article": a draft article prefilled from the ticket, the agent's last
        answer to the customer as the article's answer."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_faq_action')
        answer = self._get_last_agent_answer()
        action.update({
            'views': [(False, 'form')],
            'view_mode': 'form',
            'target': 'current',
            'context': {
                'default_title': self.name,
                'default_answer': answer.body if answer else self.description,
                'default_team_ids': self.team_id.ids,
                'default_ticket_id': self.id,
                'default_company_id': self.company_id.id,
            },
        })
        return action

    def action_portal_close(self, partner=None):
        """Close the ticket at the customer's request and log who did it.

        Called from the portal after the access check, usually in sudo.

        :param partner: the customer closing the ticket (defaults to the current user's)
        """
        for ticket in self.filtered(lambda t: t._portal_can_close()):
            author = partner or self.env.user.partner_id
            ticket.stage_id = ticket._get_portal_close_stage()
            ticket.message_post(
                body=ticket._with_chatter_lang().env._(
                    "%(name)s closed the ticket from the customer portal.", name=author.name),
                author_id=author.id,
                message_type='comment',
                subtype_xmlid='mail.mt_note',
            )

    # ------------------------------------------------------------
    # MAIL GATEWAY
    # ------------------------------------------------------------

    # a ticket number between brackets in a subject, e.g. "Re: [CSKH/2026/00042] ..."
    _SUBJECT_NUMBER_RE = re.compile(r'\[([^\[\]\s]{3,64})\]')
    # local parts of addresses that only ever send automatic mail
    _AUTOMATIC_LOCALPARTS = {'mailer-daemon', 'postmaster'}
    # at most this many people in copy of a mail become followers (``_add_cc_followers``)
    _CC_FOLLOWERS_MAX = 10

    def _creation_subtype(self):
        # not env.ref(): its existence check costs a query per incoming email (pinned by
        # TestMailPerformance); the cached xmlid lookup is what mail.thread itself uses
        return self.env['mail.message.subtype'].browse(
            self.env['ir.model.data']._xmlid_to_res_id('cskh_helpdesk.mt_ticket_new'))

    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'stage_id' in init_values:
            # cached xmlid lookup, as _creation_subtype: env.ref() would query once per ticket
            return self.env['mail.message.subtype'].browse(
                self.env['ir.model.data']._xmlid_to_res_id('cskh_helpdesk.mt_ticket_stage'))
        return super()._track_subtype(init_values)

    def _track_template(self, changes):
        """Stage emails: entering a stage with a template emails it to the customer, unless
        the auto-close cron moved the ticket (its closing email says it all)."""
        res = super()._track_template(changes)
        ticket = self[0]
        template = ticket.stage_id.mail_template_id
        auto_closed = self.env.cr.precommit.data.get('cskh.ticket.auto_closed', ())
        if 'stage_id' in changes and template and ticket.id not in auto_closed and ticket._may_send_auto_email():
            res['stage_id'] = (template, ticket._get_auto_email_post_values())
        return res

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """The customer follows the ticket (as in Project's portal or Odoo Helpdesk), so
        that answers reach them by email; subscribed with the assignee, in one go, with the
        default public subtypes and without any notification."""
        res = super()._message_auto_subscribe_followers(updated_values, default_subtype_ids)
        partner = self.env['res.partner'].browse(updated_values.get('partner_id')).sudo()
        if partner:
            internal_ids = self.env['mail.message.subtype']._get_auto_subscription_subtypes(self._name)[2]
            res.append((partner.id, [sid for sid in default_subtype_ids if sid not in internal_ids], False))
        return res

    def _get_reply_template(self):
        """The email template proposed in the full composer to answer this ticket: the
        reply template of its type. Override to pick another (per team, per channel)."""
        self.ensure_one()
        return self.type_id.reply_template_id

    def _notify_get_reply_to(self, default=None, author_id=False):
        """Customer replies go to the team's alias, so they thread back here."""
        aliases = self.sudo().team_id._notify_get_reply_to(default=default, author_id=author_id)
        res = {ticket.id: aliases.get(ticket.team_id.id) for ticket in self}
        leftover = self.filtered(lambda ticket: not ticket.team_id)
        if leftover:
            res.update(super(CskhTicket, leftover)._notify_get_reply_to(
                default=default, author_id=author_id))
        return res

    def _notify_by_email_get_base_mail_values(self, message, recipients_data, additional_values=None):
        """Mark our automatic answers as such (RFC 3834), as Odoo's out-of-office replies,
        so that well-behaved auto-responders do not answer them."""
        values = super()._notify_by_email_get_base_mail_values(
            message, recipients_data, additional_values=additional_values)
        if message.message_type == 'auto_comment':
            headers = ast.literal_eval(values.get('headers') or '{}')
            headers.update({'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All'})
            values['headers'] = repr(headers)
        return values

    def _rating_get_parent_field_name(self):
        return 'team_id'

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Prepare a ticket from the customer's first email: subject, body, customer and team.
        The effects after creation (acknowledgement, auto-replies) come from ``create``.
        A mail sent by a machine adds nobody in copy (see ``message_update``)."""
        values = dict(custom_values or {})
        team = self._get_gateway_team(values.get('team_id')) or self._get_team_from_recipients(msg_dict)
        if team:
            values.setdefault('team_id', team.id)
        name, email = tools.parse_contact_from_email(msg_dict.get('email_from') or '')
        partner = self._get_gateway_customer(msg_dict, team or self._default_team_id())
        defaults = {
            # one line: a subject may hold line breaks and tabs (encoded-words, folding)
            'name': ' '.join((msg_dict.get('subject') or '').split()) or self.env._("No Subject"),
            'description': msg_dict.get('body'),
            'channel': 'email',
        }
        if partner:
            msg_dict['author_id'] = defaults['partner_id'] = partner.id
        else:
            defaults['partner_name'] = name or email
        defaults.update(values)
        automatic = self.env.context.get('cskh_mail_automatic')
        # the generic gateway copies the raw From into the primary email: give it the address only
        new_dict = dict(msg_dict, email_from=email)
        if automatic:
            new_dict['cc'] = False  # not kept as the ticket's Cc (mail.thread.cc)
        ticket = super(CskhTicket, self.with_context(cskh_message_new=True)).message_new(
            new_dict, custom_values=defaults).with_env(self.env)
        if not automatic:
            ticket._add_cc_followers(msg_dict)
        return ticket

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """``mail.thread.message_new`` describes every field of the model (``fields_get()``:
        the translated labels, help and selections of the ticket's fields, some 9 ms for
        every incoming email) only to know whether the model has a name field, which our
        ``message_new`` always fills: there, the field names suffice."""
        if self.env.context.get('cskh_message_new') and allfields is None and attributes is None:
            return {fname: {} for fname in self._fields}
        return super().fields_get(allfields=allfields, attributes=attributes)

    def message_update(self, msg_dict, update_vals=None):
        """A reply from the customer reopens closed tickets and resumes waiting ones.

        A mail the ticket cannot trust adds nobody: sent by a machine (``cskh_mail_automatic``)
        or threaded only by the number in its subject (``cskh_mail_unverified_ids``, see
        ``_mail_gateway_context``), its To and Cc addresses are neither subscribed nor kept as
        the ticket's Cc, and for the latter nor proposed as recipients of the next answer
        (anyone can write a subject and a From: only a reply to our emails proves the thread).
        Such a mail does not reopen a closed ticket either (``_reopen_on_customer_reply``).
        """
        automatic = self.env.context.get('cskh_mail_automatic')
        unverified = not set(self.ids).isdisjoint(self.env.context.get('cskh_mail_unverified_ids', ()))
        update_dict = msg_dict
        if automatic or unverified:
            update_dict = dict(msg_dict, cc=False)
            if unverified:
                # the gateway posts the mail with them: "reply all" would propose them
                msg_dict.update(to_filtered=False, cc_filtered=False)
        else:
            self._add_cc_followers(msg_dict)
        if self._is_customer_message(msg_dict) and not automatic:
            self._reopen_on_customer_reply(proven=not unverified)
        return super().message_update(update_dict, update_vals=update_vals)

    def message_post(self, **kwargs):
        """The gateway posts a mail sent by a machine (auto-reply, bounce, mailing list) as a
        note: nobody is notified, so that two automatic senders cannot loop through us."""
        if self.env.context.get('cskh_mail_automatic') and kwargs.get('message_type') == 'email':
            kwargs.update(subtype_id=False, subtype_xmlid='mail.mt_note', is_internal=True, partner_ids=[])
        return super().message_post(**kwargs)

    def _message_create(self, values_list):
        """Each note of a batch log gets its own Message-Id. The mail module gives one to
        all the notes of ``_message_log_batch``; the SLA cron logs one per escalated
        ticket, and thousands of messages sharing a Message-Id mislead PostgreSQL about
        the gateway's duplicate check (``message_id = ...`` on every incoming mail), which
        then scans mail_message backwards by id: 40 ms per mail on 80,000 messages."""
        notes = [values for values in values_list if values.get('is_internal') and values.get('message_id')]
        if len({values['message_id'] for values in notes}) < len(notes):
            values_list = [
                dict(values, message_id=generate_tracking_message_id('message-notify'))
                if values.get('is_internal') and values.get('message_id') else values
                for values in values_list
            ]
        return super()._message_create(values_list)

    def _message_post_after_hook(self, message, msg_vals):
        """The first public answer of an agent stamps the first response date. On a Zalo or
        Facebook ticket, an agent's public answer or an automatic answer to its customer
        (acknowledgement, auto-reply, stage template) is queued for the provider."""
        self._stamp_first_response(message, msg_vals)
        self._stamp_customer_message(message, msg_vals)
        self._sync_description_inline_images(message, msg_vals)
        if self.channel_account_id and (
                self._is_agent_public_reply(message, msg_vals) or self._is_channel_auto_answer(message, msg_vals)):
            self._channel_queue_delivery(message)
        return super()._message_post_after_hook(message, msg_vals)

    def _sync_description_inline_images(self, message, msg_vals):
        """Inline images (pasted screenshots, signatures) of the email that created the ticket
        are ``cid:`` references in the description copied by ``message_new``; the posted
        message has them rewritten to its attachments: take its body so that they display.
        Only for that same email, i.e. while the description still has the message's text."""
        if (len(self) != 1 or msg_vals.get('message_type') != 'email' or not msg_vals.get('attachment_ids')
                or 'cid:' not in (self.description or '') or 'cid:' in (message.body or '')):
            return
        def text(html):
            return tools.html2plaintext(re.sub(r'<img\b[^>]*>', '', html)).strip()
        if text(self.description) == text(message.body):
            self.sudo().description = message.body

    def _stamp_first_response(self, message, msg_vals):
        """Each public answer of an agent is counted (FCR); the first one also stamps
        the first response date (FRT)."""
        if not self._is_agent_public_reply(message, msg_vals):
            return
        values = {'agent_reply_count': self.agent_reply_count + 1}
        if not self.date_first_response:
            values['date_first_response'] = fields.Datetime.now()
        self.sudo().write(values)

    def _stamp_customer_message(self, message, msg_vals):
        """A public message of the customer (email, portal or chat app; not an agent, not a
        machine) stamps the last customer message date and forgets the auto-close reminder:
        the auto-close delays start again."""
        if len(self) != 1 or not self._is_customer_public_message(message, msg_vals):
            return
        self.sudo().write({'date_last_customer_message': fields.Datetime.now(), 'date_auto_close_reminder': False})

    def _is_customer_public_message(self, message, msg_vals):
        """Whether a posted message is a public comment or email from outside the company:
        the customer or a contact in copy, not an internal user nor an automatic mail."""
        if msg_vals.get('message_type', message.message_type) not in ('comment', 'email'):
            return False
        if self.env.context.get('cskh_mail_automatic'):
            return False
        if self._is_internal_subtype(msg_vals.get('subtype_id', message.subtype_id.id)):
            return False
        author = self.env['res.partner'].browse(msg_vals.get('author_id', message.author_id.id)).sudo()
        # partner_share (stored): the author has no internal user
        return not author or author.partner_share

    def _is_internal_subtype(self, subtype_id):
        """Whether ``subtype_id`` is no subtype or an internal one. The generic and ticket
        subtypes are known from the mail module's cached subscription data: no query on
        each incoming email; others (a subtype of another model) are read."""
        if not subtype_id:
            return True
        child_ids, _default_ids, internal_ids, _parents, _relations = \
            self.env['mail.message.subtype']._get_auto_subscription_subtypes(self._name)
        if subtype_id in child_ids:
            return subtype_id in internal_ids
        return self.env['mail.message.subtype'].browse(subtype_id).internal

    def _is_agent_public_reply(self, message, msg_vals):
        """Whether a posted message is a public answer (comment or email, public subtype)
        written by an internal user. A mail threaded by the number in its subject only
        never is (its From proves nothing)."""
        if msg_vals.get('message_type', message.message_type) not in ('comment', 'email'):
            return False
        if self.id in self.env.context.get('cskh_mail_unverified_ids', ()):
            return False
        # partner_share (stored) tells whether the author has an internal user: customers'
        # mails are ruled out before reading the subtype or the author's users
        author = self.env['res.partner'].browse(msg_vals.get('author_id', message.author_id.id)).sudo()
        if not author or author.partner_share:
            return False
        if self._is_internal_subtype(msg_vals.get('subtype_id', message.subtype_id.id)):
            return False
        return bool(author.user_ids.filtered(lambda user: not user.share))

    @api.model
    def _routing_check_route(self, message, message_dict, route, raise_exception=True):
        """Thread a new mail to an alias on the ticket whose number is in its subject.

        Mail clients and forwards often drop the In-Reply-To/References headers, while the
        subject keeps "[CSKH/2026/00042]". The number is a hint, not a key: only the
        ticket's customer threads that way (``_get_ticket_from_subject``), and without
        the rights of a reply to the ticket's emails (see ``message_update``).
        """
        model, thread_id, custom_values, user_id, alias = route
        if model == self._name and not thread_id:
            ticket = self._get_ticket_from_subject(message_dict, custom_values)
            if ticket:
                route = (model, ticket.id, custom_values, user_id, alias)
        return super()._routing_check_route(message, message_dict, route, raise_exception=raise_exception)

    @api.model
    def _mail_gateway_context(self, message, message_dict, routes):
        """What the tickets an incoming mail is routed to must know about it, that only the
        gateway sees (the raw headers), passed on by ``mail.thread._message_route_process``
        through the context to ``message_new``/``message_update``/``message_post`` and to
        the emails they schedule:

        - ``cskh_mail_automatic``: the mail was sent by a machine (``_mail_is_automatic``);
        - ``cskh_mail_unverified_ids``: the tickets it threads into without replying to one of
          their emails (In-Reply-To/References), i.e. by the number in its subject only.
        """
        ticket_ids = {route[1] for route in routes if route[1]}
        tickets = self.browse(ticket_ids)
        return {
            'cskh_mail_automatic': self._mail_is_automatic(message, message_dict),
            'cskh_mail_unverified_ids': tuple(sorted(ticket_ids - tickets._mail_get_replied_ids(message_dict))),
        }

    def _mail_get_replied_ids(self, message_dict):
        """Ids of these tickets that an incoming mail replies to: one of their messages is its
        parent or in its In-Reply-To/References headers (as the gateway reads them)."""
        replied = set()
        parent = self.env['mail.message'].sudo().browse(message_dict.get('parent_id'))
        if parent.model == self._name and parent.res_id in self.ids:
            replied.add(parent.res_id)
        others = [ticket_id for ticket_id in self.ids if ticket_id not in replied]
        references = [ref.strip() for ref in unfold_references(message_dict.get('references') or '')
                      if 'reply_to' not in ref][-32:]
        if message_dict.get('in_reply_to'):
            references.append(message_dict['in_reply_to'].strip())
        if others and references:
            replied.update(self.env['mail.message'].sudo().search([
                ('model', '=', self._name), ('res_id', 'in', others), ('message_id', 'in', references),
            ]).mapped('res_id'))
        return replied

    @api.model
    def _get_ticket_from_subject(self, message_dict, custom_values=None):
        """The ticket named in the subject of ``message_dict``, when its sender is the
        ticket's customer (partner or customer email). Internal users and other followers
        reply from Odoo or to our emails. A subject naming several tickets names none."""
        numbers = list(dict.fromkeys(self._SUBJECT_NUMBER_RE.findall(message_dict.get('subject') or '')))
        sender = tools.email_normalize(message_dict.get('email_from') or '')
        if not numbers or not sender:
            return self.browse()
        domain = Domain('number', 'in', numbers)
        team = self.env['cskh.team'].sudo().browse((custom_values or {}).get('team_id')).exists()
        if team:
            domain &= Domain('company_id', '=', team.company_id.id)
        tickets = self.sudo().search(domain, limit=2)
        if len(tickets) != 1:
            return self.browse()
        customer_emails = {tools.email_normalize(tickets.partner_email or ''), tickets.partner_id.email_normalized}
        return tickets if sender in customer_emails else self.browse()

    @api.model
    def _get_gateway_team(self, team_id):
        """The team of the alias route, if it still exists: the gateway has read it already
        while routing (no query then); a deleted team reads nothing."""
        team = self.env['cskh.team'].browse(team_id)
        if team and not team.sudo().read(['active']):
            return self.env['cskh.team']
        return team

    @api.model
    def _get_team_from_recipients(self, msg_dict):
        """Team owning one of the aliases the mail was sent to; used when the route carries no
        team, e.g. a reply to a deleted ticket falls back on creating a new one."""
        emails = tools.email_split(','.join(filter(None, (
            msg_dict.get('to'), msg_dict.get('cc'), msg_dict.get('recipients')))))
        normalized = [tools.email_normalize(email) for email in emails]
        aliases = self.env['mail.alias'].sudo().search([
            ('alias_model_id.model', '=', self._name),
            ('alias_full_name', 'in', [email for email in normalized if email]),
        ])
        if not aliases:
            return self.env['cskh.team']
        return self.env['cskh.team'].sudo().search([('alias_id', 'in', aliases.ids)], limit=1)

    @api.model
    def _get_gateway_customer(self, msg_dict, team):
        """The contact of the sender: the one found by the gateway, else an existing or (per
        team setting) new contact with that email."""
        if msg_dict.get('author_id'):
            return self.env['res.partner'].browse(msg_dict['author_id'])
        email_from = msg_dict.get('email_from')
        name, email = tools.parse_contact_from_email(email_from or '')
        if not email:
            return self.env['res.partner']
        if 'author_id' not in msg_dict:
            # not through message_process: search as the gateway would have
            return self.env['mail.thread']._partner_find_from_emails_single(
                [email_from], no_create=not team.create_partner)
        # message_process already looked the sender up and found nobody: create, as the
        # gateway would, unless the sender is one of our own addresses
        if not team.create_partner or self._is_alias_address(tools.email_normalize(email)):
            return self.env['res.partner']
        partner = self.env['res.partner'].sudo().with_context(mail_create_nosubscribe=True).create({
            'name': name or email, 'email': email})
        # its computed columns (email_normalized, partner_share, complete_name...) in one
        # UPDATE now, instead of one per flush the ticket's creation would trigger
        partner.flush_recordset()
        return partner

    def _add_cc_followers(self, msg_dict):
        """Make the people in copy follow the ticket, when the team asks for it. A mail
        with more than ``_CC_FOLLOWERS_MAX`` addresses in copy adds nobody: a mailing list,
        or someone having the agents' answers sent to a crowd. Its Cc stays on the ticket
        (``email_cc``), for the agent to answer whom he chooses."""
        cc_emails = tools.email_split(msg_dict.get('cc') or '')
        if not cc_emails or len({tools.email_normalize(email) for email in cc_emails}) > self._CC_FOLLOWERS_MAX:
            return
        for ticket in self.filtered(lambda t: t.team_id.add_cc_followers):
            partners = ticket._partner_find_from_emails_single(
                cc_emails, no_create=not ticket.team_id.create_partner)
            ticket.message_subscribe(partners.filtered(lambda p: p.active).ids)

    def _is_customer_message(self, msg_dict):
        """Whether the incoming mail comes from outside the company (not an internal user)."""
        author = self.env['res.partner'].browse(msg_dict.get('author_id')).sudo()
        return not author.user_ids.filtered(lambda user: not user.share)

    def _reopen_on_customer_reply(self, proven=True):
        """Move closed tickets back to their team's first open stage and waiting tickets back
        to work, as configured on the team. A closed ticket is reopened by a reply to its
        emails only (``proven``): for a mail that names it in its subject only, which anyone
        can forge, the assignee decides (``_ask_reopen_decision``)."""
        for ticket in self:
            team = ticket.team_id
            if ticket.is_closed and team.reopen_on_reply:
                if not proven:
                    ticket._ask_reopen_decision()
                    continue
                ticket.stage_id = team._get_first_stage()
                ticket._message_log(body=ticket._with_chatter_lang().env._("Reopened: the customer replied to this closed ticket."))
            elif ticket.stage_id.sla_pause and team.resume_on_reply:
                ticket.stage_id = team._get_resume_stage(ticket.stage_id)

    def _ask_reopen_decision(self):
        """A mail naming this closed ticket in its subject only: a note, and an activity for the
        assignee (the team leader when unassigned) to reopen the ticket or not, in their
        language; one open such activity per ticket."""
        self.ensure_one()
        responsible = self.user_id or self.team_id.leader_id
        ticket = self.with_context(lang=responsible.lang) if responsible.lang else self
        ticket._message_log(body=ticket.env._(
            "The customer wrote about this closed ticket, naming it in the subject without replying "
            "to one of its emails: the ticket stays closed; reopen it if needed."))
        activity_type = self.env.ref('cskh_helpdesk.mail_act_ticket_closed_reply')
        if responsible and not self.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type):
            ticket.activity_schedule(
                activity_type_id=activity_type.id, user_id=responsible.id,
                summary=ticket.env._("Customer wrote about a closed ticket: reopen it?"))

    @api.model
    def _mail_is_automatic(self, message, message_dict):
        """Whether an incoming mail was sent by a machine (bounce, auto-responder, mailing list,
        or one of our own aliases): such mails never get an automatic answer, and do not
        reopen tickets. Override to recognise more senders."""
        if message_dict.get('is_bounce'):
            return True

        def header(name):
            try:
                return str(message.get(name) or '').strip().lower()
            # the email package decodes headers lazily and raises all kinds of errors on
            # malformed ones: a malformed header must not stop the gateway
            except Exception:  # noqa: BLE001
                return 'malformed'
        auto_submitted = header('Auto-Submitted')
        if auto_submitted and auto_submitted != 'no':
            return True
        if header('Precedence') in ('bulk', 'junk', 'list'):
            return True
        if any(header(name) for name in ('List-Id', 'X-Autoreply', 'X-Autorespond')):
            return True
        return self._is_automatic_address(message_dict.get('email_from'))

    @api.model
    def _is_automatic_address(self, email):
        """Addresses we never answer automatically: mailer daemons and our own aliases."""
        email = tools.email_normalize(email or '')
        if not email:
            return True
        if email.split('@', 1)[0] in self._AUTOMATIC_LOCALPARTS:
            return True
        return self._is_alias_address(email)

    @api.model
    def _is_alias_address(self, email):
        """Whether the normalized ``email`` is one of our bounce, catchall, default sender
        or alias addresses (the gateway's own lookup, answered from a cached index)."""
        return bool(self.env['mail.alias.domain'].sudo()._find_aliases([email]))

    # Zalo and Facebook tickets: answers go back through the provider, never by email

    def _is_channel_auto_answer(self, message, msg_vals):
        if msg_vals.get('message_type', message.message_type) != 'auto_comment':
            return False
        return self.partner_id.id in msg_vals.get('partner_ids', message.partner_ids.ids)

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """The customer of a channel ticket reads the answers in the app: no email."""
        recipients = super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        if len(self) != 1 or not self.channel_account_id or not self.partner_id:
            return recipients
        return [data for data in recipients if not (data['id'] == self.partner_id.id and data['notif'] == 'email')]

    def _message_get_suggested_recipients_batch(self, reply_discussion=False, reply_message=None,
                                                no_create=True, primary_email=False, additional_partners=None):
        """The customer of a channel ticket is answered on the channel: not proposed as an
        email recipient (the composer would refuse to send for lack of an address)."""
        suggested = super()._message_get_suggested_recipients_batch(
            reply_discussion=reply_discussion, reply_message=reply_message, no_create=no_create,
            primary_email=primary_email, additional_partners=additional_partners)
        for ticket in self.filtered(lambda ticket: ticket.channel_account_id and ticket.partner_id):
            suggested[ticket.id] = [
                recipient for recipient in suggested.get(ticket.id, [])
                if recipient.get('partner_id') != ticket.partner_id.id
            ]
        return suggested

    def _channel_queue_delivery(self, message):
        """Queue ``message`` for the conversation's platform and wake the sending cron up
        (it sends after this transaction is committed, never an answer rolled back)."""
        self.ensure_one()
        ticket = self.sudo()
        if not (ticket.channel_account_id.active and ticket.channel_user_id):
            return
        self.env['cskh.channel.delivery'].sudo().create({
            'ticket_id': ticket.id,
            'account_id': ticket.channel_account_id.id,
            'message_id': message.id,
            'recipient_id': ticket.channel_user_id,
        })
        self.env['cskh.channel.delivery']._get_send_cron()._trigger()

    # ------------------------------------------------------------
    # KNOWLEDGE BASE
    # ------------------------------------------------------------

    # articles suggested to the agent on the ticket form
    FAQ_SUGGESTION_LIMIT = 5

    @api.depends('name', 'description', 'team_id', 'company_id')
    def _compute_faq_suggestion_ids(self):
        """Search the subject, then the start of the description: one query per team of
        the tickets (one for a form), not one per ticket."""
        Faq = self.env['cskh.faq']
        for (company, team), tickets in self.grouped(lambda t: (t.company_id, t.team_id)).items():
            texts = []
            for ticket in tickets:
                body = ' '.join(tools.html2plaintext(ticket.description or '').split()[:TICKET_FAQ_QUERY_WORDS])
                texts += [ticket.name or '', body]
            results = Faq._cskh_search_many(
                texts, domain=Faq._cskh_get_public_domain(company or self.env.company, team or None),
                limit=self.FAQ_SUGGESTION_LIMIT)
            for index, ticket in enumerate(tickets):
                faqs = results[2 * index] | results[2 * index + 1]
                ticket.faq_suggestion_ids = faqs[:self.FAQ_SUGGESTION_LIMIT]

    def _get_last_agent_answer(self):
        """The last message the staff sent to the customer (not a note, not automatic)."""
        self.ensure_one()
        return self.env['mail.message'].search([
            ('model', '=', self._name), ('res_id', '=', self.id),
            ('message_type', 'in', ('comment', 'email')),
            ('subtype_id', '=', self.env.ref('mail.mt_comment').id),
            ('author_id.user_ids.share', '=', False),
        ], order='id desc', limit=1)

    def _send_faq_auto_email(self, faq):
        """Answer the customer with ``faq`` (its text and link) in the customer's language,
        as an automatic answer (same limits, headers and layout as the template answers)."""
        self.ensure_one()
        if not self._may_send_auto_email():
            return self.env['mail.message']
        lang = self.partner_id.lang or self._with_chatter_lang().env.lang
        faq_lang = faq.with_context(lang=lang)
        values = {
            'body': faq_lang._get_reply_body(),
            'subject': f"Re: {self.name}",
            'force_email_lang': lang,
        }
        if self.partner_id:
            values['partner_ids'] = self.partner_id.ids
        elif self.partner_email:
            values['outgoing_email_to'] = self.partner_email
        return self.with_context(mail_post_autofollow=False).message_post(
            **values, **self._get_auto_email_post_values())

    # ------------------------------------------------------------
    # AUTOMATIC EMAILS
    # ------------------------------------------------------------

    def _schedule_creation_emails(self):
        """Send the acknowledgement and keyword auto-reply of new tickets just before commit,
        i.e. after the customer's own email is posted, so that they thread as answers."""
        if self.env.context.get('cskh_mail_automatic') or not self:
            return
        self.env.cr.precommit.data.setdefault('cskh.ticket.creation_emails', []).extend(self.ids)
        self.env.cr.precommit.add(self.browse()._send_creation_emails)

    def _send_creation_emails(self):
        """Precommit hook: acknowledgement, then the first matching auto-reply rule."""
        ids = self.env.cr.precommit.data.pop('cskh.ticket.creation_emails', [])
        # tickets deleted meanwhile left the list in unlink()
        for ticket in self.browse(ids).sudo():
            if ticket.team_id.ack_template_id:
                ticket._send_auto_email(ticket.team_id.ack_template_id)
            rule = self.env['cskh.auto.reply'].sudo()._find_rule(ticket)
            if rule:
                ticket._apply_auto_reply(rule)
        self.env.flush_all()

    def _apply_auto_reply(self, rule):
        """Answer with the rule's template, tag the ticket and move it to the rule's stage."""
        self.ensure_one()
        if rule.faq_id.is_published:
            self._send_faq_auto_email(rule.faq_id)
        elif rule.template_id:
            self._send_auto_email(rule.template_id)
        values = {}
        if rule.tag_ids:
            values['tag_ids'] = [fields.Command.link(tag.id) for tag in rule.tag_ids]
        if rule.stage_id and rule.stage_id in self.team_id.stage_ids:
            values['stage_id'] = rule.stage_id.id
        if values:
            self.write(values)
        ticket = self._with_chatter_lang()
        self._message_log(body=ticket.env._(
            "Auto-reply rule %(rule)s applied.", rule=rule.with_context(lang=ticket.env.lang).name))

    def _send_auto_email(self, template):
        """Post ``template`` to the customer as an automatic answer, when allowed."""
        self.ensure_one()
        if not self._may_send_auto_email():
            return self.env['mail.message']
        # the customer follows since the ticket was created (_message_auto_subscribe_followers)
        return self.with_context(mail_post_autofollow=False).message_post(
            **self._render_auto_email(template), **self._get_auto_email_post_values())

    def _render_auto_email(self, template):
        """``message_post`` values of ``template`` rendered for this ticket, in the
        customer's language: what the mail composer would post, without a composer
        record (this runs for every incoming ticket). Recipients that are plain
        addresses become contacts only when the team creates customers from emails."""
        self.ensure_one()
        create_partners = self.team_id.create_partner
        # templates rarely have attachments or reports: one query instead of two
        prefetch_empty_many2many(template, ['attachment_ids', 'report_template_ids'])
        values = template.with_context(cskh_auto_email=True)._generate_template(
            self.ids,
            ('attachment_ids', 'body_html', 'email_cc', 'email_from', 'email_to', 'partner_to',
             'reply_to', 'report_template_ids', 'subject'),
            find_or_create_partners=create_partners,
        )[self.id]
        post_values = {
            'body': values.get('body_html') or '',
            'subject': values.get('subject') or False,
            'partner_ids': values.get('partner_ids') or [],
            'attachments': [(name, base64.b64decode(data)) for name, data in values.get('attachments') or []],
            'attachment_ids': [
                attachment.copy({'res_model': self._name, 'res_id': self.id}).id
                for attachment in self.env['ir.attachment'].sudo().browse(values.get('attachment_ids') or [])
            ],
            'force_email_lang': template._render_lang(self.ids)[self.id],
        }
        if values.get('email_from'):
            post_values['email_from'] = values['email_from']
            if values['email_from'] == self.company_id.email_formatted:
                # sent from the company's address: its contact is the author (the
                # gateway would look it up by address, a query for every ticket)
                post_values['author_id'] = self.company_id.partner_id.id
        if values.get('reply_to'):
            post_values['reply_to'] = values['reply_to']
        if not create_partners:
            emails = email_split_and_format(','.join(filter(None, (values.get('email_to'), values.get('email_cc')))))
            if emails:
                post_values['outgoing_email_to'] = ','.join(emails)
        return post_values

    def _get_auto_email_post_values(self):
        """Like the stage emails of Project: a note notifying only the template's recipients,
        in the light layout; ``_notify_by_email_get_base_mail_values`` adds auto-reply headers."""
        return {
            'message_type': 'auto_comment',
            'subtype_xmlid': 'mail.mt_note',
            'email_layout_xmlid': 'mail.mail_notification_light',
        }

    def _may_send_auto_email(self):
        """Whether an automatic email may go to the customer now: there is an address, it is
        not a machine's, and the team's hourly limit for that address is not reached.
        Automatic answers of a Zalo or Facebook ticket go back on the channel, whether the
        customer has an email or not (see ``_notify_get_recipients``)."""
        self.ensure_one()
        if self.channel_account_id and self.partner_id:
            return not self.env.context.get('cskh_mail_automatic') and self.channel_account_id.active
        email = tools.email_normalize(self.partner_email or self.partner_id.email or '')
        if self.env.context.get('cskh_mail_automatic') or not email or self._is_automatic_address(email):
            return False
        limit = self.team_id.auto_reply_limit
        if not limit:
            return True
        self.env['mail.message'].flush_model(['model', 'res_id', 'message_type', 'date'])
        self.flush_model(['email_normalized'])
        self.env.cr.execute(self._sent_auto_emails_query(email, fields.Datetime.now() - timedelta(hours=1), limit))
        return self.env.cr.fetchone()[0] < limit

    @api.model
    def _sent_auto_emails_query(self, email, since, limit):
        """SQL counting, up to ``limit``, the automatic answers (``auto_comment``) posted
        since ``since`` on the tickets of ``email``, archived ones included.

        The customer's tickets come first, from the email index, then their messages, from
        the (model, res_id) index: ``ANY(ARRAY(...))`` keeps PostgreSQL from turning the
        tickets into a join. As a join, when some addresses have thousands of tickets (a
        shop's own mailbox, an imported history), its plan for a new address can read every
        ticket by id (tens of ms on 100,000 tickets, for every new ticket)."""
        return SQL("""
            SELECT COUNT(*) FROM (
                SELECT FROM mail_message
                 WHERE model = %(model)s
                   AND res_id = ANY(ARRAY(SELECT id FROM cskh_ticket WHERE email_normalized = %(email)s))
                   AND message_type = 'auto_comment'
                   AND date >= %(since)s
                 LIMIT %(limit)s
            ) AS sent""", model=self._name, email=email, since=since, limit=limit)

    # ------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------

    def _sla_get_calendar(self):
        """Working time of SLA deadlines and of the KPIs in working hours: the team's
        calendar, else the company's (its ``_cskh_*`` methods do the arithmetic)."""
        self.ensure_one()
        return self.team_id.resource_calendar_id or self.company_id.resource_calendar_id

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
        # fetch the fields the conditions read along with the search (one query less per ticket batch)
        policies = self.env['cskh.sla'].sudo().search_fetch(
            [('team_id', 'in', self.team_id.filtered('use_sla').ids)],
            ['team_id', 'priority', 'customer_tier', 'channel', 'target', 'time', 'stage_id', 'raise_priority'])
        # most policies have no type nor tag condition: one query instead of two
        prefetch_empty_many2many(policies, ['type_ids', 'tag_ids'])
        return {
            ticket: policies.filtered(lambda sla: sla._match_ticket(ticket))
            for ticket in self
        }

    def _sla_apply(self):
        """Apply the matching policies as SLA lines and remove the ongoing lines of
        policies that no longer match. Met and missed lines are history: kept."""
        matching = self._sla_find_policies()
        to_unlink = self.env['cskh.ticket.sla'].sudo()
        to_apply = defaultdict(list)  # calendar -> [(ticket, sla)]
        for ticket in self:
            lines = ticket.sudo().sla_status_ids
            to_unlink |= lines.filtered(lambda line: line.status == 'ongoing' and line.sla_id not in matching[ticket])
            if ticket.is_closed:
                continue
            for sla in matching[ticket] - lines.sla_id:
                to_apply[ticket._sla_get_calendar()].append((ticket, sla))
        vals_list = []
        # the deadlines of tickets created together share the calendar's work intervals
        for calendar, pairs in to_apply.items():
            deadlines = calendar._cskh_plan_hours_batch(
                [(ticket.create_date, sla.time + ticket.sla_paused_hours) for ticket, sla in pairs])
            vals_list += [ticket._sla_prepare_line_values(sla, deadline)
                          for (ticket, sla), deadline in zip(pairs, deadlines)]
        to_unlink.unlink()
        new_lines = self.env['cskh.ticket.sla'].sudo().create(vals_list)
        if new_lines:
            new_lines.ticket_id._sla_update_reached()
            new_lines._schedule_escalation()

    def _sla_prepare_line_values(self, sla, deadline):
        """Values of the line applying ``sla``, due at ``deadline``: the policy's working
        hours from the ticket's creation, plus the time already spent paused."""
        self.ensure_one()
        return {
            'ticket_id': self.id,
            'sla_id': sla.id,
            'deadline': deadline,
            'paused_hours': self.sla_paused_hours,
        }

    def _sla_update_pause(self):
        """Start the pause in a ``sla_pause`` stage; when the ticket leaves it, move the
        ongoing deadlines by the working time spent paused."""
        now = fields.Datetime.now()
        to_pause = self.filtered(lambda t: t.stage_id.sla_pause and not t.sla_pause_date)
        if to_pause:
            to_pause.sudo().write({'sla_pause_date': now})
        resuming = self.filtered(lambda t: not t.stage_id.sla_pause and t.sla_pause_date)
        paused_hours = resuming._sla_work_hours_since_pause(now)
        resuming._sla_extend_deadlines(paused_hours)
        for ticket in resuming:
            ticket.sudo().write({'sla_pause_date': False, 'sla_paused_hours': ticket.sla_paused_hours + paused_hours[ticket]})

    def _sla_work_hours_since_pause(self, end):
        """Working hours between each ticket's pause date and ``end``, as a dict ticket ->
        hours, in one walk of the work intervals per calendar."""
        result = {}
        for calendar, tickets in self.grouped(lambda t: t._sla_get_calendar()).items():
            hours = calendar._cskh_work_hours_batch([(ticket.sla_pause_date, end) for ticket in tickets])
            result.update(zip(tickets, hours))
        return result

    def _sla_extend_deadlines(self, paused_hours):
        """Move the ongoing deadlines of each ticket by its ``paused_hours`` (dict ticket
        -> working hours), planned in one walk per calendar for all the tickets."""
        lines_by_calendar = defaultdict(list)  # calendar -> [(line, hours)]
        for ticket in self.filtered(lambda t: paused_hours.get(t)):
            for line in ticket.sudo().sla_status_ids.filtered(lambda line: line.status == 'ongoing'):
                lines_by_calendar[ticket._sla_get_calendar()].append((line, paused_hours[ticket]))
        moved = self.env['cskh.ticket.sla'].sudo()
        for calendar, pairs in lines_by_calendar.items():
            deadlines = calendar._cskh_plan_hours_batch([(line.deadline, hours) for line, hours in pairs])
            for (line, hours), deadline in zip(pairs, deadlines):
                line.write({'deadline': deadline, 'paused_hours': line.paused_hours + hours})
                moved |= line
        moved._schedule_escalation()

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
            tickets.sudo().write({'escalation_level': level})
        self._sla_schedule_escalation_activities(quiet=bool(failed_lines))
        bodies = {}
        # the notes of a batch are rendered language by language, logged together
        for lang, tickets in self.grouped(lambda t: t._get_chatter_lang()).items():
            for ticket in tickets.with_context(lang=lang):
                bodies[ticket.id] = ticket._sla_escalation_note(failed_by_ticket.get(ticket), ticket in raised)
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
            # in the leader's language; from the cron, leaders find the activities in
            # their list, without one email each
            tickets = tickets._with_user_lang(leader).with_context(mail_activity_quick_update=quiet)
            tickets.activity_schedule(
                'cskh_helpdesk.mail_act_ticket_escalation', user_id=leader.id,
                summary=tickets.env._("Escalated ticket: check the SLA"))

    def _sla_escalation_note(self, failed_lines, priority_raised):
        """Chatter note of an escalation, in the language of ``self.env``."""
        self.ensure_one()
        if failed_lines:
            text = self.env._(
                "SLA missed (%(policies)s): ticket escalated to level %(level)s.",
                policies=", ".join(failed_lines.sla_id.with_context(lang=self.env.lang).mapped('name')),
                level=self.escalation_level)
        else:
            text = self.env._(
                "Ticket escalated to level %(level)s by %(user)s.",
                level=self.escalation_level, user=self.env.user.name)
        if priority_raised:
            text += " " + self.env._("Priority raised to %(priority)s.", priority=dict(
                self._fields['priority']._description_selection(self.env))[self.priority])
        return Markup("<p>%s</p>") % text

    # ------------------------------------------------------------
    # SATISFACTION SURVEY
    # ------------------------------------------------------------

    def _survey_on_stage_change(self, closure_before):
        """After a stage change: a new closure schedules the survey and the follow-up;
        leaving the solved state cancels surveys not sent yet."""
        if closure_before is None:
            return
        solved_before = {ticket_id for ticket_id, state in closure_before.items() if state.is_solved}
        closing = self.filtered(lambda t: t.id not in solved_before and t._is_solved())
        leaving = self.filtered(lambda t: t.id in solved_before and not t._is_solved())
        if leaving:
            self.env['cskh.survey.response'].sudo().search(
                [('ticket_id', 'in', leaving.ids), ('state', '=', 'scheduled')]).state = 'cancelled'
        if closing:
            closing._survey_on_closure()

    def _survey_on_closure(self):
        for ticket in self.sudo():
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
            user = ticket.user_id or team.leader_id or self.env.user
            activity_type = team.followup_activity_type_id \
                or self.env.ref('mail.mail_activity_data_call', raise_if_not_found=False)
            ticket = ticket._with_user_lang(user)
            ticket.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=fields.Date.to_date(ticket.date_closed) + timedelta(days=team.followup_days),
                user_id=user.id,
                summary=ticket.env._("Follow up with the customer after resolution"),
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
        """Send the surveys whose delay is over, in batches committed through the cron
        progress API. Each batch locks its surveys and their tickets in one statement
        (the sending updates the ticket's survey state), skipping those another
        transaction holds: several workers share the work and never send the same
        survey twice, and an agent writing a ticket (which locks the ticket, then its
        surveys) cannot deadlock with the cron; that ticket's survey goes a minute
        later. A batch that hits a concurrency error anyway is retried alone
        (``run_batch``); a crash loses only the batch in progress, whose surveys are
        still scheduled for the next run."""
        Response = self.env['cskh.survey.response'].sudo()
        domain = [('state', '=', 'scheduled'), ('date_scheduled', '<=', fields.Datetime.now())]

        def send_batch():
            responses = lock_next_batch(Response, domain, 'date_scheduled, id', batch_size, lock_also=['ticket_id'])
            responses._send_survey()
            return len(responses)

        def when_idle(left):
            if left > 0:
                # held by other transactions: another worker commits them, or an agent
                # is writing their tickets
                self.env.ref('cskh_helpdesk.cskh_ticket_cron_send_survey')._trigger(
                    at=fields.Datetime.now() + timedelta(minutes=1))

        run_cron_batches(self.env, Response.search_count(domain), send_batch, when_idle)

    # ------------------------------------------------------------
    # AUTO-CLOSE
    # ------------------------------------------------------------

    def _auto_close_on_write(self, vals):
        """A ticket changing stage starts a new wait: a reminder sent for the previous one
        is forgotten (stamped by the system, hence as superuser)."""
        if 'stage_id' in vals:
            self.sudo().write({'date_auto_close_reminder': False})

    @api.model
    def _get_auto_close_domain(self, now):
        """Tickets the auto-close cron handles at ``now``: in a watched stage of a team
        using auto-close, without a customer message nor a stage change for the team's
        reminder delay (not reminded yet) or closing delay (reminded before ``now``)."""
        teams = self.env['cskh.team'].sudo().search([('use_auto_close', '=', True)])
        domains = []
        for team in teams.filtered('auto_close_stage_ids'):
            remind_before, close_before = team._get_auto_close_cutoffs(now)
            watched = Domain('team_id', '=', team.id) & Domain('stage_id', 'in', team.auto_close_stage_ids.ids)
            domains.append(watched & self._get_silent_since_domain(remind_before)
                           & Domain('date_auto_close_reminder', '=', False))
            domains.append(watched & self._get_silent_since_domain(close_before)
                           & Domain('date_auto_close_reminder', '<', now))
        return Domain.OR(domains)

    @api.model
    def _get_silent_since_domain(self, cutoff):
        """Tickets that entered their stage before ``cutoff`` and had no customer message since."""
        return Domain('date_last_stage_update', '<', cutoff) & (
            Domain('date_last_customer_message', '=', False) | Domain('date_last_customer_message', '<', cutoff))

    @api.model
    def _cron_auto_close(self, batch_size=100):
        """Remind, then close, the tickets waiting for a customer who does not answer
        (teams using auto-close, see ``_get_auto_close_domain``).

        Batches locked with ``SKIP LOCKED`` (``lock_next_batch``) and committed through
        the cron progress API (``run_cron_batches``): several workers share the tickets
        and never remind or close the same one twice; a ticket an agent is writing is
        taken by the next run. Idempotent: a reminded ticket is not reminded again, and
        is closed by a later run only (reminded before the run started). A customer
        message or a stage change clears the reminder: the delays start again."""
        now = fields.Datetime.now()
        Ticket = self.sudo()
        domain = Ticket._get_auto_close_domain(now)

        def process_batch():
            tickets = lock_next_batch(Ticket, domain, 'id', batch_size)
            to_close = tickets.filtered('date_auto_close_reminder')
            to_close._auto_close()
            (tickets - to_close)._auto_close_remind()
            return len(tickets)

        run_cron_batches(self.env, Ticket.search_count(domain), process_batch)

    def _auto_close_remind(self):
        """Email the customers the polite "are you still there?" reminder and note it in
        the chatter; the reminder date keeps the cron from sending it twice."""
        if not self:
            return
        template = self.env.ref('cskh_helpdesk.mail_template_ticket_auto_close_reminder', raise_if_not_found=False)
        self.write({'date_auto_close_reminder': fields.Datetime.now()})
        sent = self.browse([ticket.id for ticket in self if template and ticket._send_auto_email(template)])
        self._auto_close_log(lambda ticket: ticket.env._(
            "Reminder sent to the customer: no answer for %(days)s working days.",
            days=ticket.team_id.auto_close_reminder_days) if ticket in sent else ticket.env._(
            "No answer from the customer for %(days)s working days; no reminder could be emailed.",
            days=ticket.team_id.auto_close_reminder_days))

    def _auto_close(self):
        """Close the tickets in their team's solved stage with the polite closing email,
        and note it in the chatter."""
        template = self.env.ref('cskh_helpdesk.mail_template_ticket_auto_close', raise_if_not_found=False)
        closed = self.browse()
        for team, tickets in self.grouped('team_id').items():
            stage = team._get_solved_stage()
            if stage:
                # no stage email on top of the closing one (see _track_template)
                self.env.cr.precommit.data.setdefault('cskh.ticket.auto_closed', set()).update(tickets.ids)
                tickets.write({'stage_id': stage.id})
                closed |= tickets
        for ticket in closed:
            if template:
                ticket._send_auto_email(template)
        closed._auto_close_log(lambda ticket: ticket.env._(
            "Closed automatically after %(days)s working days without an answer.",
            days=ticket.team_id.auto_close_days))

    def _auto_close_log(self, note):
        """Log ``note(ticket)`` on each ticket, in its chatter language, in one batch."""
        bodies = {}
        for lang, tickets in self.grouped(lambda t: t._get_chatter_lang()).items():
            for ticket in tickets.with_context(lang=lang):
                bodies[ticket.id] = Markup("<p>%s</p>") % note(ticket)
        self._message_log_batch(bodies=bodies)

    # ------------------------------------------------------------
    # PORTAL
    # ------------------------------------------------------------

    def _get_portal_close_stage(self):
        """Stage a customer's "Close this ticket" moves the ticket to: the first closing
        stage of its team that is not a cancellation. Override to use another one."""
        self.ensure_one()
        return self.team_id._get_solved_stage() if self.team_id else self.env['cskh.stage']

    def _portal_can_close(self):
        self.ensure_one()
        return not self.is_closed and bool(self._get_portal_close_stage())

    @api.model
    def _get_web_form_recent_count(self, ip=None, email=None, hours=1):
        """Web tickets sent in the last ``hours`` from ``ip`` or by ``email``:
        the basis of the web form's rate limit."""
        conditions = []
        if ip:
            conditions.append(Domain('web_form_ip', '=', ip))
        if email:
            conditions.append(Domain('email_normalized', '=', tools.email_normalize(email) or email))
        if not conditions:
            return 0
        since = fields.Datetime.subtract(fields.Datetime.now(), hours=hours)
        domain = Domain('channel', '=', 'web') & Domain('create_date', '>=', since) & Domain.OR(conditions)
        return self.sudo().with_context(active_test=False).search_count(domain)

    @api.model
    def _web_form_take_rate_slot(self, ip, email, limit, hours=1):
        """Whether a web submission from ``ip`` by ``email`` may create its ticket: fewer
        than ``limit`` web tickets came from that IP or that email in the last ``hours``.

        Atomic: a transaction-level advisory lock per key (IP, email), taken in one order
        and held until the submission's ticket is committed, queues the submissions that
        share a key, so two of them cannot both take the last slot. The count runs in a
        cursor of its own: the request's snapshot (REPEATABLE READ) is older than the lock
        and would miss a ticket committed while waiting for it."""
        email = tools.email_normalize(email) if email else False
        keys = sorted({
            int.from_bytes(hashlib.blake2b(f'{kind}:{value}'.encode(), digest_size=4).digest(), 'big', signed=True)
            for kind, value in (('ip', ip), ('email', email)) if value
        })
        for key in keys:
            self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", WEB_FORM_LOCK_SPACE, key))
        with self.env.registry.cursor() as cr:
            count = self.with_env(self.env(cr=cr))._get_web_form_recent_count(ip=ip, email=email, hours=hours)
        return count < limit

    # ------------------------------------------------------------
    # REPORTING
    # ------------------------------------------------------------

    def _update_reporting_on_write(self, closure_before):
        """Reporting side effects of ``write``: count each move from a closed stage back
        to an open one (``closure_before``: see ``_get_closure_before_write``)."""
        if not closure_before:
            return
        reopened = self.filtered(lambda t: closure_before[t.id].is_closed and not t.is_closed)
        for count, tickets in reopened.grouped('reopen_count').items():
            tickets.sudo().write({'reopen_count': count + 1})

    def _report_work_hours(self, start, end):
        """Working hours between two dates (0 when one is missing), counted with the
        same calendar as the SLA deadlines."""
        self.ensure_one()
        if not start or not end or end <= start:
            return 0.0
        return self._sla_get_calendar()._cskh_work_hours(start, end)

    @api.model
    def _report_calendar_hours(self, start, end):
        if not start or not end or end <= start:
            return 0.0
        return (end - start).total_seconds() / 3600

    # ------------------------------------------------------------
    # LANGUAGE OF AUTOMATIC MESSAGES
    # ------------------------------------------------------------

    def _get_chatter_lang(self):
        """Language of the notes the add-on writes by itself in the chatter of the
        ticket (SLA escalation, reopening, auto-reply rule, survey answer, closing from
        the portal). The whole team reads them, whoever or whatever triggered them
        (crons and the mail gateway run in English), so they follow the team: the
        language of the team leader, else of the ticket's company (its contact), else
        the current one. Activities are written in the language of the user they are
        assigned to (``_with_user_lang``), emails in the customer's (mail templates).
        The text is stored as written: change the leader's language, later notes follow."""
        self.ensure_one()
        ticket = self.sudo()
        return self._get_active_lang(
            ticket.team_id.leader_id.lang, (ticket.company_id or self.env.company).partner_id.lang)

    def _with_chatter_lang(self):
        """The ticket in the language of its automatic chatter notes (``self.env._``)."""
        return self.with_context(lang=self._get_chatter_lang())

    def _with_user_lang(self, user):
        """The tickets in ``user``'s language, for what is written for that user alone
        (activities assigned to them)."""
        return self.with_context(lang=self._get_active_lang(user.sudo().lang))

    @api.model
    def _get_active_lang(self, *langs):
        """The first of ``langs`` that is an active language, else the current one."""
        for lang in langs:
            code = lang and self.env['res.lang']._get_code(lang)
            if code:
                return code
        return self.env.lang

    # ------------------------------------------------------------
    # SECURITY
    # ------------------------------------------------------------

    @api.depends_context('uid')
    @api.depends('team_id.visibility', 'team_id.member_ids', 'team_id.leader_id', 'user_id')
    def _compute_is_agent_visible(self):
        visible = self.sudo().filtered_domain(self._search_is_agent_visible('in', [True]))
        for ticket in self:
            ticket.is_agent_visible = ticket in visible

    def _search_is_agent_visible(self, operator, value):
        """Tickets without team, of teams open to the whole company, of the user's teams
        (member or leader) and assigned to the user."""
        if operator != 'in':
            return NotImplemented
        uid = self.env.uid
        return Domain.OR([
            Domain('team_id', '=', False),
            Domain('team_id.visibility', '=', 'company'),
            Domain('team_id.member_ids', 'in', [uid]),
            Domain('team_id.leader_id', '=', uid),
            Domain('user_id', '=', uid),
        ])
