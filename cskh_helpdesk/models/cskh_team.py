import ast
import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the default pipeline of a new team (data/cskh_stage_data.xml)
DEFAULT_PIPELINE_XMLIDS = ('stage_new', 'stage_in_progress', 'stage_waiting', 'stage_solved', 'stage_cancelled')

# how new tickets without an assignee are dispatched among a team's members (see
# CskhTeam._route_tickets); process templates preset it
ASSIGN_METHODS = [
    ('manual', "Manual"),
    ('balanced', "Balanced (fewest open tickets)"),
    ('round_robin', "Round robin"),
]

# weight of an open ticket in an agent's load (cskh.team.member.max_open_tickets), by priority
PRIORITY_WEIGHTS = {'0': 1, '1': 1, '2': 2, '3': 3}


class CskhTeam(models.Model):
    _name = 'cskh.team'
    _description = "Helpdesk Team"
    _inherit = ['mail.alias.mixin', 'mail.thread', 'rating.parent.mixin']
    _order = 'sequence, name, id'
    _rating_satisfaction_days = 30
    _check_company_auto = True
    _survey_metrics_days = 30
    _dashboard_kpi_days = 7

    def _default_stage_ids(self):
        """A new team shares the default pipeline (New, In Progress, Waiting for Customer,
        Solved, Cancelled), as Odoo's Helpdesk gives a new team its shipped stages; the
        stages an admin archived are left out. Without any of them, the stages of no team."""
        stages = self.env['cskh.stage'].union(*(
            self.env.ref(f'cskh_helpdesk.{xmlid}', raise_if_not_found=False) or self.env['cskh.stage']
            for xmlid in DEFAULT_PIPELINE_XMLIDS)).filtered('active')
        return stages or self.env['cskh.stage'].search([('team_ids', '=', False)])

    # Description
    active = fields.Boolean(default=True)
    name = fields.Char(required=True, translate=True, tracking=True)
    description = fields.Html(translate=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    company_id = fields.Many2one(
        'res.company', required=True, index=True,
        default=lambda self: self.env.company)
    # Members and assignment
    member_ids = fields.Many2many(
        'res.users', 'cskh_team_member_rel', 'team_id', 'user_id', string="Members",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Agents of the team. Automatic assignment picks among them.")
    team_member_ids = fields.One2many(
        'cskh.team.member', 'team_id', string="Member Settings",
        help="Availability, capacity and skills of each member, used by the automatic assignment.")
    leader_id = fields.Many2one(
        'res.users', string="Team Leader", tracking=True, check_company=True,
        domain="[('share', '=', False)]",
        help="Receives escalations and low satisfaction scores.")
    assign_method = fields.Selection(
        ASSIGN_METHODS, string="Assignment", required=True, default='manual',
        help="How new tickets without an assignee are dispatched among the members.\n"
             "Manual: nobody is assigned.\n"
             "Balanced: the member with the lowest load (open tickets weighted by priority).\n"
             "Round robin: members one after the other.\n"
             "Both pick among the available members who have the skills and free capacity; "
             "without any, the team leader, else nobody (with an activity for the leader).")
    last_assigned_user_id = fields.Many2one(
        'res.users', readonly=True, copy=False, export_string_translation=False)
    visibility = fields.Selection([
        ('company', "All agents of the company"),
        ('members', "Team members only"),
    ], required=True, default='company',
        help="Who can see the tickets of this team. Managers always see every ticket.")
    # Pipeline
    stage_ids = fields.Many2many(
        'cskh.stage', 'cskh_stage_team_rel', 'team_id', 'stage_id', string="Stages",
        default=lambda self: self._default_stage_ids())
    ticket_ids = fields.One2many('cskh.ticket', 'team_id', string="Tickets")
    resource_calendar_id = fields.Many2one(
        'resource.calendar', string="Working Hours", check_company=True,
        compute='_compute_resource_calendar_id', store=True, readonly=False,
        help="Working time used to count SLA deadlines and response times. "
             "Public holidays of this calendar are excluded.")
    # SLA
    use_sla = fields.Boolean("SLA Policies", default=True)
    sla_ids = fields.One2many('cskh.sla', 'team_id', string="Policies")
    sla_count = fields.Integer("SLA Policy Count", compute='_compute_sla_count')
    sla_due_soon_hours = fields.Float(
        "SLA Warning Delay", default=2.0,
        help="Tickets whose next SLA deadline falls within this number of working hours "
             "are shown as due soon.")
    # Mail gateway
    ack_template_id = fields.Many2one(
        'mail.template', string="Acknowledgement Email",
        domain=[('model', '=', 'cskh.ticket')],
        help="Email sent to the customer when a ticket is created, with its number.")
    create_partner = fields.Boolean(
        "Create Customers from Emails", default=True,
        help="Create a contact for unknown senders (and for CC addresses added as followers). "
             "Otherwise the ticket only keeps the sender's name and email.")
    add_cc_followers = fields.Boolean(
        "Add CC as Followers", default=True,
        help="People in copy of the customer's emails follow the ticket and receive the answers. "
             "Only for replies to the ticket's emails and new tickets, never for automatic emails, "
             "and at most 10 people: a mail with more in copy adds nobody.")
    reopen_on_reply = fields.Boolean(
        "Reopen on Customer Reply", default=True,
        help="A customer's reply to the emails of a closed ticket moves it back to the first open stage. "
             "A mail that only names the ticket number in its subject leaves it closed, with an "
             "activity for the assignee (or the team leader) to decide.")
    resume_on_reply = fields.Boolean(
        "Resume on Customer Reply", default=True,
        help="A customer reply to a ticket waiting for the customer moves it back to the open "
             "stage before the waiting one (e.g. In Progress).")
    ack_response_hours = fields.Integer(
        "Promised Response Time (hours)", default=24,
        help="Response time announced in the acknowledgement email. 0 hides the promise.")
    auto_reply_limit = fields.Integer(
        "Automatic Emails per Hour", default=5,
        help="At most this many automatic emails (acknowledgements, auto-replies, stage emails) "
             "are sent to the same address in an hour, so that a misbehaving sender cannot make "
             "us flood it. 0 means no limit.")
    # Portal
    use_website_form = fields.Boolean(
        "Web Form",
        help="Customers can submit tickets to this team from the public web form and the portal.")
    website_form_url = fields.Char(
        "Web Form Link", compute='_compute_website_form_url',
        help="Public page where customers submit tickets to this team.")
    # Survey and follow-up
    use_survey = fields.Boolean("Satisfaction Survey")
    survey_delay_hours = fields.Integer(
        "Survey Delay (hours)", default=0,
        help="Hours to wait after a ticket is solved before emailing the survey. "
             "0 sends it as soon as the ticket is solved.")
    survey_resend_on_reclose = fields.Boolean(
        "New Survey at Each Closure", default=True,
        help="When a reopened ticket is solved again, send a new survey. "
             "Otherwise a ticket is surveyed only once.")
    survey_expiry_days = fields.Integer(
        "Answerable for (days)", default=30,
        help="How long the customer can give or change his answer. 0 means no limit.")
    survey_csat_threshold = fields.Integer(
        "Low CSAT at or below", default=2,
        help="A satisfaction score (1-5) at or below this value alerts the team leader.")
    survey_nps_threshold = fields.Integer(
        "Low NPS at or below", default=6,
        help="A recommendation score (0-10) at or below this value alerts the team leader.")
    survey_reopen_on_low_score = fields.Boolean(
        "Reopen on Low Score",
        help="Move a solved ticket back to the first open stage when its survey gets a low score.")
    use_followup = fields.Boolean(
        "Follow-up after Resolution",
        help="Schedule an activity for the assignee some days after a ticket is solved, "
             "e.g. a call to check that everything still works.")
    followup_days = fields.Integer("Follow-up after (days)", default=3)
    followup_activity_type_id = fields.Many2one(
        'mail.activity.type', string="Follow-up Activity",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'cskh.ticket')]",
        default=lambda self: self.env.ref('mail.mail_activity_data_call', raise_if_not_found=False))
    # Auto-close of tickets waiting for the customer
    use_auto_close = fields.Boolean(
        "Auto-close Unanswered Tickets",
        help="Tickets waiting for the customer without an answer get a polite reminder, "
             "then are closed with a closing email.")
    auto_close_stage_ids = fields.Many2many(
        'cskh.stage', 'cskh_team_auto_close_stage_rel', 'team_id', 'stage_id', string="Watched Stages",
        compute='_compute_auto_close_stage_ids', store=True, readonly=False,
        domain="[('id', 'in', stage_ids), ('is_closed', '=', False)]",
        help="Stages whose tickets are closed automatically when the customer does not answer "
             "(by default the stages pausing the SLA, e.g. Waiting for Customer).")
    auto_close_reminder_days = fields.Integer(
        "Reminder after (working days)", default=3,
        help="Working days without a customer message before the reminder email.")
    auto_close_days = fields.Integer(
        "Close after (working days)", default=7,
        help="Working days without a customer message before the ticket is closed. "
             "Working days follow the team's working hours.")
    # KPIs
    # satisfaction of the tickets' ratings (rating.parent.mixin): computed with the reader's
    # rights, not as superuser, so that an agent does not see the scores of tickets he cannot read
    rating_percentage_satisfaction = fields.Integer(compute_sudo=False, depends_context=('uid',))
    rating_count = fields.Integer(compute_sudo=False, depends_context=('uid',))
    rating_avg = fields.Float(compute_sudo=False, depends_context=('uid',))
    rating_avg_percentage = fields.Float(compute_sudo=False, depends_context=('uid',))
    open_ticket_count = fields.Integer("Open Tickets", compute='_compute_ticket_counts')
    unassigned_ticket_count = fields.Integer("Unassigned Tickets", compute='_compute_ticket_counts')
    urgent_ticket_count = fields.Integer("Urgent Tickets", compute='_compute_ticket_counts')
    my_ticket_count = fields.Integer("My Tickets", compute='_compute_ticket_counts')
    survey_csat_avg = fields.Float(
        "Average CSAT", compute='_compute_survey_metrics',
        help="Average satisfaction (1-5) of the surveys sent over the last 30 days.")
    survey_csat_pct = fields.Float(
        "CSAT %", compute='_compute_survey_metrics',
        help="Share of satisfied answers (4 or 5) over the last 30 days.")
    survey_nps = fields.Float(
        "NPS", compute='_compute_survey_metrics',
        help="Net Promoter Score over the last 30 days: % promoters (9-10) minus % detractors (0-6).")
    survey_ces_avg = fields.Float(
        "Average CES", compute='_compute_survey_metrics',
        help="Average customer effort (1-7, higher is easier) over the last 30 days.")
    survey_response_rate = fields.Float(
        "Response Rate", compute='_compute_survey_metrics',
        help="Answered surveys out of surveys sent over the last 30 days, in percent.")
    survey_answered_count = fields.Integer("Survey Answers", compute='_compute_survey_metrics')
    sla_failed_ticket_count = fields.Integer("SLA Failed Tickets", compute='_compute_dashboard_kpis')
    today_ticket_count = fields.Integer("Tickets Today", compute='_compute_dashboard_kpis')
    week_ticket_count = fields.Integer("Tickets This Week", compute='_compute_dashboard_kpis')
    frt_hours_7d = fields.Float(
        "Average FRT (7 days)", compute='_compute_dashboard_kpis',
        help="Average first response time in working hours of the tickets answered in the last 7 days.")
    frt_ticket_count_7d = fields.Integer(
        "Answered Tickets (7 days)", compute='_compute_dashboard_kpis',
        help="Tickets of the team first answered in the last 7 days: the tickets the average FRT is made of.")
    csat_avg_7d = fields.Float(
        "Average CSAT (7 days)", compute='_compute_dashboard_kpis',
        help="Average satisfaction (1-5) of the surveys answered in the last 7 days.")

    _survey_thresholds = models.Constraint(
        'check (survey_csat_threshold >= 0 and survey_csat_threshold <= 5 '
        'and survey_nps_threshold >= 0 and survey_nps_threshold <= 10)',
        "Low score thresholds must lie in the score ranges (CSAT 0-5, NPS 0-10).")
    _survey_positive_delays = models.Constraint(
        'check (survey_delay_hours >= 0 and survey_expiry_days >= 0 and followup_days >= 0)',
        "Survey delays and follow-up days cannot be negative.")

    _auto_close_delays = models.Constraint(
        'check (auto_close_reminder_days > 0 and auto_close_days > auto_close_reminder_days)',
        "Auto-close: the reminder comes after at least one working day, and the closure after the reminder.")

    @api.depends('company_id')
    def _compute_resource_calendar_id(self):
        for team in self:
            if team.resource_calendar_id.company_id != team.company_id:
                team.resource_calendar_id = team.company_id.resource_calendar_id

    @api.depends('stage_ids')
    def _compute_auto_close_stage_ids(self):
        """The team's waiting stages (pausing the SLA) unless chosen; a stage leaving the
        team leaves the watched ones."""
        for team in self:
            watched = team.auto_close_stage_ids & team.stage_ids
            team.auto_close_stage_ids = watched or team.stage_ids.filtered(
                lambda stage: stage.sla_pause and not stage.is_closed)

    def _compute_sla_count(self):
        counts = dict(self.env['cskh.sla']._read_group(
            [('team_id', 'in', self.ids)], ['team_id'], ['__count']))
        for team in self:
            team.sla_count = counts.get(team, 0)

    @api.depends('use_website_form')
    def _compute_website_form_url(self):
        for team in self:
            team.website_form_url = team.use_website_form and team.id and \
                f"{team.get_base_url()}/cskh/submit?team={team.id}"

    @api.depends_context('uid')
    def _compute_ticket_counts(self):
        """Dashboard counters, in one grouped query whatever the number of teams."""
        fields_by_key = {
            'open': 'open_ticket_count', 'unassigned': 'unassigned_ticket_count',
            'urgent': 'urgent_ticket_count', 'mine': 'my_ticket_count',
        }
        counts = {key: {} for key in fields_by_key}
        groups = self.env['cskh.ticket']._read_group(
            [('team_id', 'in', self.ids), ('is_closed', '=', False)],
            ['team_id', 'user_id', 'priority'], ['__count'])
        for team, user, priority, count in groups:
            per_team = counts['open']
            per_team[team.id] = per_team.get(team.id, 0) + count
            if not user:
                counts['unassigned'][team.id] = counts['unassigned'].get(team.id, 0) + count
            elif user == self.env.user:
                counts['mine'][team.id] = counts['mine'].get(team.id, 0) + count
            if priority == '3':
                counts['urgent'][team.id] = counts['urgent'].get(team.id, 0) + count
        for team in self:
            for key, field_name in fields_by_key.items():
                team[field_name] = counts[key].get(team.id, 0)

    @api.depends_context('uid')
    def _compute_survey_metrics(self):
        """Dashboard KPIs over the surveys sent in the last ``_survey_metrics_days``
        days, in one grouped query whatever the number of teams, counting the surveys
        the user may read."""
        since = fields.Datetime.now() - timedelta(days=self._survey_metrics_days)
        Response = self.env['cskh.survey.response']
        metrics = Response._get_metrics(
            [('team_id', 'in', self.ids), ('date_sent', '>=', since)], 'team_id')
        empty = Response._empty_metrics()
        for team in self:
            data = metrics.get(team, empty)
            team.survey_csat_avg = data['csat_avg']
            team.survey_csat_pct = data['csat_pct']
            team.survey_nps = data['nps']
            team.survey_ces_avg = data['ces_avg']
            team.survey_response_rate = data['response_rate']
            team.survey_answered_count = data['answered_count']

    @api.depends_context('uid', 'tz')
    def _compute_dashboard_kpis(self):
        """Overview KPIs of the teams: four grouped queries whatever the number of teams."""
        Ticket = self.env['cskh.ticket']
        today_start, week_start = self._dashboard_get_period_starts()
        since = fields.Datetime.now() - timedelta(days=self._dashboard_kpi_days)
        failed = dict(Ticket._read_group(
            [('team_id', 'in', self.ids), ('is_closed', '=', False), ('sla_failed', '=', True)],
            ['team_id'], ['__count']))
        today, week = {}, {}
        local_today = self._dashboard_get_today()
        for team, day, count in Ticket._read_group(
                [('team_id', 'in', self.ids), ('create_date', '>=', min(today_start, week_start))],
                ['team_id', 'create_date:day'], ['__count']):
            week[team] = week.get(team, 0) + count
            if (day.date() if isinstance(day, datetime) else day) == local_today:
                today[team] = today.get(team, 0) + count
        frt = {team: (avg or 0.0, count) for team, avg, count in Ticket._read_group(
            [('team_id', 'in', self.ids), ('date_first_response', '>=', since)],
            ['team_id'], ['frt_hours:avg', '__count'])}
        csat = dict(self.env['cskh.survey.response']._read_group(
            [('team_id', 'in', self.ids), ('state', '=', 'answered'), ('date', '>=', since)],
            ['team_id'], ['csat:avg']))
        for team in self:
            team.sla_failed_ticket_count = failed.get(team, 0)
            team.today_ticket_count = today.get(team, 0)
            team.week_ticket_count = week.get(team, 0)
            team.frt_hours_7d, team.frt_ticket_count_7d = frt.get(team, (0.0, 0))
            team.csat_avg_7d = csat.get(team, 0.0)

    @api.onchange('member_ids')
    def _onchange_member_ids(self):
        """Show the settings row of a member as soon as he is added to the team, and drop
        the row of a member removed."""
        users = self.member_ids._origin
        removed = self.team_member_ids.filtered(lambda m: m.user_id._origin not in users)
        added = users - self.team_member_ids.user_id._origin
        self.team_member_ids = [Command.unlink(member.id) for member in removed] + [
            Command.create({'user_id': user.id}) for user in added]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        teams = super().create(vals_list)
        teams._sync_team_members()
        return teams

    def write(self, vals):
        res = super().write(vals)
        if 'member_ids' in vals and not self.env.context.get('cskh_skip_member_sync'):
            self._sync_team_members()
        return res

    def _sync_team_members(self):
        """Each member of the teams gets his ``cskh.team.member`` row (availability,
        capacity, skills); the rows of users who left the team are deleted."""
        Member = self.env['cskh.team.member'].sudo().with_context(cskh_skip_member_sync=True)
        rows = Member.search_fetch([('team_id', 'in', self.ids)], ['team_id', 'user_id'])
        existing = {(row.team_id.id, row.user_id.id): row for row in rows}
        wanted = {(team.id, user.id) for team in self for user in team.member_ids}
        Member.browse(row.id for key, row in existing.items() if key not in wanted).unlink()
        Member.create([{'team_id': team_id, 'user_id': user_id}
                       for team_id, user_id in sorted(wanted - existing.keys())])

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def _get_ticket_action(self, filter_name=None):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_action')
        context = {
            'default_team_id': self.id,
            'search_default_team_id': self.id,
            'search_default_filter_open': 1,
        }
        if filter_name:
            context['search_default_' + filter_name] = 1
        action['context'] = context
        action['display_name'] = self.display_name
        return action

    def action_view_open_tickets(self):
        return self._get_ticket_action()

    def action_view_unassigned_tickets(self):
        return self._get_ticket_action('filter_unassigned')

    def action_view_urgent_tickets(self):
        return self._get_ticket_action('filter_urgent')

    def action_view_my_tickets(self):
        return self._get_ticket_action('filter_my_tickets')

    def action_view_sla_failed_tickets(self):
        return self._get_ticket_action('filter_sla_failed')

    def action_view_today_tickets(self):
        action = self._get_ticket_action()
        action['domain'] = [('create_date', '>=', self._dashboard_get_period_starts()[0])]
        action['context'].pop('search_default_filter_open')
        return action

    def action_view_week_tickets(self):
        action = self._get_ticket_action()
        action['domain'] = [('create_date', '>=', self._dashboard_get_period_starts()[1])]
        action['context'].pop('search_default_filter_open')
        return action

    def action_view_ticket_analysis(self):
        """The team's tickets analysis over the last 7 days (FRT, CSAT...)."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_report_action')
        action['context'] = {'search_default_team_id': self.id, 'search_default_filter_last_7_days': 1}
        return action

    def action_view_slas(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_sla_action')
        action['domain'] = [('team_id', '=', self.id)]
        action['context'] = {'default_team_id': self.id}
        return action

    def action_view_survey_responses(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_survey_response_action')
        action['context'] = {'search_default_team_id': self.id, 'search_default_filter_answered': 1}
        return action

    # ------------------------------------------------------------
    # MAIL GATEWAY
    # ------------------------------------------------------------

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values['alias_model_id'] = self.env['ir.model']._get('cskh.ticket').id
        if self.id:
            values['alias_defaults'] = defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults['team_id'] = self.id
        return values

    def _set_alias_if_free(self, alias_name):
        """Give the teams the alias ``alias_name`` unless another app already receives
        mail there. Called at install for the default team (support@): a company moving
        from another helpdesk has its support@ address there, and installing must not fail
        on it; the team then starts without alias and a note in its chatter says why."""
        for team in self:
            try:
                with self.env.cr.savepoint():
                    team.alias_name = alias_name
            except (UserError, ValidationError) as error:
                _logger.info("Team %s installed without the alias %r: %s", team.display_name, alias_name, error)
                team.message_post(body=self.env._(
                    "The email alias %(alias)s is already used by another application: this team "
                    "was created without an alias. Choose one in its settings to receive emails.",
                    alias=alias_name))

    def _notify_get_reply_to(self, default=None, author_id=False):
        """Replies go to the team's own alias. The generic lookup searches the aliases
        whose parent is the team, once per email sent (assignment notice, customer mail,
        acknowledgement...); the team's alias is that one and is already known."""
        aliases = {team.id: team.alias_id for team in self.sudo()
                   if team.alias_id.alias_name and team.alias_id.alias_domain_id}
        res = {
            team_id: self._notify_get_reply_to_formatted_email(alias.alias_full_name, author_id=author_id)
            for team_id, alias in aliases.items()
        }
        others = self.filtered(lambda team: team.id not in aliases)
        if others or not self:
            res.update(super(CskhTeam, others)._notify_get_reply_to(default=default, author_id=author_id))
        return res

    # ------------------------------------------------------------
    # STAGES
    # ------------------------------------------------------------

    def _get_first_stage(self):
        """Stage of new and reopened tickets: the first unfolded open stage of the team.
        The team's stages and what this reads of them in one query (the relation, then
        the stages, would be two for every new ticket)."""
        self.ensure_one()
        Stage = self.env['cskh.stage']
        stages = Stage.search_fetch([('team_ids', 'in', self.ids)], [
            fname for fname, field in Stage._fields.items() if field.store and field.column_type and field.prefetch is True])
        open_stages = stages.filtered(lambda s: not s.is_closed).sorted(lambda s: (s.fold, s.sequence, s.id))
        return open_stages[:1] or stages[:1]

    def _get_solved_stage(self):
        """Stage of solved tickets: the first closing stage of the team that is not a
        cancellation (target of resolution SLAs, of the portal's "Close this ticket")."""
        self.ensure_one()
        return self.stage_ids.filtered(lambda s: s.is_closed and not s.is_cancel).sorted()[:1]

    def _get_cancel_stage(self):
        """Stage of tickets closed without a solution (duplicates merged into another
        ticket): the first cancellation stage of the team."""
        self.ensure_one()
        return self.stage_ids.filtered(lambda s: s.is_closed and s.is_cancel).sorted()[:1]

    def _get_resume_stage(self, waiting_stage):
        """Stage of a ticket in ``waiting_stage`` when the customer answers: the open,
        non-paused stage just before the waiting one (In Progress), else the first stage."""
        self.ensure_one()
        candidates = self.stage_ids.filtered(
            lambda s: not s.is_closed and not s.sla_pause and s.sequence <= waiting_stage.sequence)
        return candidates.sorted(lambda s: (s.sequence, s.id))[-1:] or self._get_first_stage()

    # ------------------------------------------------------------
    # AUTO-CLOSE
    # ------------------------------------------------------------

    def _get_auto_close_cutoffs(self, now):
        """(reminder, closure) cutoffs of the team at ``now``: a waiting ticket without
        a customer message nor a stage change since the first gets the reminder, since
        the second is closed. Counted in the team's working days."""
        self.ensure_one()
        calendar = self.resource_calendar_id
        return (calendar._cskh_working_days_before(self.auto_close_reminder_days, now),
                calendar._cskh_working_days_before(self.auto_close_days, now))

    # ------------------------------------------------------------
    # ASSIGNMENT
    # ------------------------------------------------------------

    def _check_leader_rights(self):
        """Handing tickets over is for the leaders of the teams and helpdesk managers."""
        if self.env.su or self.env.user.has_group('cskh_helpdesk.cskh_helpdesk_group_manager'):
            return
        if any(team.leader_id != self.env.user for team in self):
            raise AccessError(self.env._("Only the team leader or a helpdesk manager can hand tickets over."))

    @api.model
    def _sql_on_leave(self, user_ids, now):
        """SQL of the users among ``user_ids`` (an SQL list or subquery of user ids) with a
        time off covering ``now``: the leaves of their resource (the Time Off app writes one
        per approved request). What it reads is flushed."""
        self.env['resource.calendar.leaves'].flush_model(['resource_id', 'time_type', 'date_from', 'date_to'])
        self.env['resource.resource'].flush_model(['user_id', 'active'])
        return SQL("""
            SELECT DISTINCT resource.user_id
              FROM resource_calendar_leaves leave
              JOIN resource_resource resource ON resource.id = leave.resource_id
             WHERE resource.user_id IN %(user_ids)s
               AND resource.active
               AND leave.time_type = 'leave'
               AND leave.date_from <= %(now)s
               AND leave.date_to > %(now)s
        """, user_ids=user_ids, now=now)

    @api.model
    def _get_users_on_leave(self, users):
        """The users of ``users`` on time off now, in one query."""
        if not users:
            return self.env['res.users']
        rows = self.env.execute_query(
            self._sql_on_leave(SQL("%s", tuple(users.ids)), fields.Datetime.now()))
        return self.env['res.users'].browse(row[0] for row in rows)

    @api.model
    def _sql_open_ticket_load(self, team_id, user_id):
        """SQL of the open tickets of the user ``user_id`` in the team ``team_id`` (SQL
        expressions) weighted by priority (``PRIORITY_WEIGHTS``). What it reads is flushed.

        Every new ticket of a balanced team counts its members' open tickets. Each (team,
        user) is counted from the open-tickets index by its own subquery: all its tickets,
        plus again those of each priority weighing more than one. Grouping by priority
        instead hashes every open ticket of the team, twice as slow at thousands of open
        tickets per agent."""
        self.env['cskh.ticket'].flush_model(['team_id', 'user_id', 'priority', 'is_closed', 'active'])

        def count(priority=None):
            return SQL("""(SELECT COUNT(*) FROM cskh_ticket ticket
                            WHERE ticket.team_id = %s AND ticket.user_id = %s
                              AND ticket.active IS TRUE AND ticket.is_closed IS NOT TRUE%s)""",
                       team_id, user_id, SQL(" AND ticket.priority = %s", priority) if priority else SQL())
        return SQL(" + ").join([count()] + [
            SQL("%s * %s", weight - 1, count(priority))
            for priority, weight in PRIORITY_WEIGHTS.items() if weight != 1])

    def _get_open_ticket_load(self, users):
        """Open tickets of ``users`` in these teams weighted by priority, as a dict (team
        id, user id) -> load, in one query (``_sql_open_ticket_load``)."""
        if not self or not users:
            return defaultdict(int)
        rows = self.env.execute_query(SQL(
            "SELECT team.id, usr.id, %s FROM unnest(%s) team(id), unnest(%s) usr(id)",
            self._sql_open_ticket_load(SQL("team.id"), SQL("usr.id")), list(self.ids), list(users.ids)))
        return defaultdict(int, {(team_id, user_id): load for team_id, user_id, load in rows})

    def _get_open_tickets_of(self, users):
        return self.env['cskh.ticket'].search(
            [('team_id', 'in', self.ids), ('user_id', 'in', users.ids), ('is_closed', '=', False)])

    def _get_available_members_with_load(self, exclude_user_ids=()):
        """Members who may receive tickets now: active internal users marked available and
        not on time off, in the order of their user id (round robin), with their open
        tickets in the team weighted by priority (user id -> load); one query."""
        self.ensure_one()
        self.env['cskh.team.member'].flush_model(['team_id', 'user_id', 'is_available'])
        self.env['res.users'].flush_model(['active', 'share'])
        rows = self.env.execute_query(SQL("""
            SELECT member.id, member.user_id, %(load)s
              FROM cskh_team_member member
              JOIN res_users usr ON usr.id = member.user_id
             WHERE member.team_id = %(team_id)s
               AND member.is_available
               AND usr.active AND NOT usr.share
               AND member.user_id != ALL(%(excluded)s)
               AND member.user_id NOT IN (%(on_leave)s)
             ORDER BY member.user_id
        """, team_id=self.id, excluded=list(exclude_user_ids),
            load=self._sql_open_ticket_load(SQL("%s", self.id), SQL("member.user_id")),
            on_leave=self._sql_on_leave(
                SQL("(SELECT user_id FROM cskh_team_member WHERE team_id = %s)", self.id),
                fields.Datetime.now())))
        members = self.env['cskh.team.member'].browse(row[0] for row in rows)
        return members, defaultdict(int, {user_id: load for _id, user_id, load in rows})

    def _get_routing_members(self, ticket_info, members, load):
        """Members of ``members`` who can take the ticket described by ``ticket_info``
        (``cskh.ticket._get_routing_infos``): with the skills, and free capacity for its
        weight given ``load`` (user id -> weighted open tickets). A VIP customer's ticket
        goes to the members handling VIP customers when one of them can take it."""
        weight = PRIORITY_WEIGHTS.get(ticket_info['priority'], 1)
        eligible = members.filtered(lambda m: m._accepts(ticket_info) and (
            not m.max_open_tickets or load[m.user_id.id] + weight <= m.max_open_tickets))
        if ticket_info['customer_tier'] == 'vip':
            return eligible.filtered('handles_vip') or eligible
        return eligible

    def _get_fallback_user(self, exclude_user_ids=()):
        """Who gets a ticket no member can take: the team leader when he can work on it
        (active, available if he is a member, not on time off), else nobody."""
        self.ensure_one()
        leader = self.leader_id
        if not leader.active or leader.share or leader.id in exclude_user_ids:
            return self.env['res.users']
        if not all(self.team_member_ids.filtered(lambda m: m.user_id == leader).mapped('is_available')):
            return self.env['res.users']
        return leader - self._get_users_on_leave(leader)

    def _route_tickets(self, ticket_infos, exclude_user_ids=(), method=None):
        """Choose the assignees of tickets described by ``ticket_infos``, in a number of
        queries that depends neither on the tickets nor on the members.

        Among the available members with the skills and free capacity (VIP tickets to the
        VIP members first), ``method`` (the team's assignment method by default) picks the
        least loaded one (balanced) or the next one after the last assignee (round robin);
        each assignment counts in the load of the next tickets. A ticket no member can take
        goes to the fallback user (``_get_fallback_user``).

        :return: a list of (user id or False, routed) per ticket info, routed being False
            when the ticket went to the fallback instead of a member
        """
        self.ensure_one()
        method = method or self.assign_method
        members, load = self._get_available_members_with_load(exclude_user_ids)
        last = self.last_assigned_user_id.id
        fallback = None
        result = []
        for info in ticket_infos:
            eligible = self._get_routing_members(info, members, load).user_id.ids
            if not eligible:
                if fallback is None:
                    fallback = self._get_fallback_user(exclude_user_ids).id
                result.append((fallback, False))
                continue
            if method == 'round_robin':
                user_id = next((uid for uid in eligible if uid > last), eligible[0])
                last = user_id
            else:
                user_id = min(eligible, key=lambda uid: (load[uid], uid))
            load[user_id] += PRIORITY_WEIGHTS.get(info['priority'], 1)
            result.append((user_id, True))
        if method == 'round_robin' and last != self.last_assigned_user_id.id:
            self.sudo().last_assigned_user_id = last
        return result

    def _reassign_tickets(self, tickets, exclude_user_ids=()):
        """Give ``tickets`` of these teams new assignees among the eligible members other
        than ``exclude_user_ids`` (balanced in a team assigning manually); tickets nobody
        can take go to the leader, or stay unassigned with an activity for him.

        :return: a dict with the number of tickets given to a member (``routed``), to the
            leader (``leader``) and left unassigned (``unassigned``)
        """
        counts = {'routed': 0, 'leader': 0, 'unassigned': 0}
        for team, team_tickets in tickets.filtered(lambda t: t.team_id in self).grouped('team_id').items():
            method = 'balanced' if team.assign_method == 'manual' else team.assign_method
            results = team.sudo()._route_tickets(team_tickets._get_routing_infos(), exclude_user_ids, method)
            by_user = defaultdict(list)
            for ticket, (user_id, routed) in zip(team_tickets, results):
                by_user[user_id].append(ticket.id)
                counts['routed' if routed else 'leader' if user_id else 'unassigned'] += 1
            for user_id, ticket_ids in by_user.items():
                self.env['cskh.ticket'].browse(ticket_ids).write({'user_id': user_id})
            self.env['cskh.ticket'].browse(by_user.get(False, []))._notify_unrouted()
        return counts

    def _reassign_tickets_notification(self, counts):
        """The message shown after a hand-over, then the view is reloaded."""
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'warning' if counts['unassigned'] else 'success',
                'message': self.env._(
                    "Tickets handed over: %(routed)s to available members, %(leader)s to the team "
                    "leader, %(unassigned)s left unassigned.", **counts),
                'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'},
            },
        }

    def action_redistribute_unavailable(self):
        """Hand the open tickets of the members who are unavailable or on time off over to
        the other eligible members (one click for the team leader)."""
        self._check_leader_rights()
        tickets = self.env['cskh.ticket']
        away = self.env['res.users']
        for team in self:
            on_leave = self._get_users_on_leave(team.team_member_ids.user_id)
            team_away = team.team_member_ids.filtered(
                lambda m: not m.is_available or m.user_id in on_leave).user_id
            tickets |= team._get_open_tickets_of(team_away)
            away |= team_away
        return self._reassign_tickets_notification(self._reassign_tickets(tickets, away.ids))

    # ------------------------------------------------------------
    # PORTAL
    # ------------------------------------------------------------

    @api.model
    def _get_default_web_form_team(self):
        """Team preselected on the portal and public submission forms: the first team
        accepting web tickets in the order of Configuration > Teams, as Odoo's Helpdesk
        opens the form of its first team. Out of the box only the default team
        "Customer Care" accepts web tickets; the controllers call this with sudo()."""
        return self.search([('use_website_form', '=', True)], limit=1)

    # ------------------------------------------------------------
    # REPORTING
    # ------------------------------------------------------------

    def _dashboard_get_tz(self):
        """Timezone of the days: the context's, as ``_read_group`` uses for ``create_date:day``."""
        tz = self.env.context.get('tz')
        return pytz.timezone(tz) if tz in pytz.all_timezones_set else pytz.utc

    def _dashboard_get_today(self):
        return pytz.utc.localize(fields.Datetime.now()).astimezone(self._dashboard_get_tz()).date()

    def _dashboard_get_period_starts(self):
        """Naive UTC starts of today and of this week (Monday) in the user's timezone."""
        tz = self._dashboard_get_tz()
        today = self._dashboard_get_today()

        def to_utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        return to_utc(today), to_utc(today - timedelta(days=today.weekday()))
