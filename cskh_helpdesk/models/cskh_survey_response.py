import uuid
from collections import defaultdict
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

NPS_CATEGORIES = [
    ('promoter', "Promoter"),
    ('passive', "Passive"),
    ('detractor', "Detractor"),
]


class CskhSurveyResponse(models.Model):
    """One satisfaction survey of one ticket closure, and the customer's answer.

    The record is created when the ticket is closed (``scheduled``), the email
    goes out at ``date_scheduled`` (``sent``) and the customer's answer makes it
    ``answered``. The CSAT is mirrored on a ``rating.rating`` of the ticket, so it
    also lives in Odoo's standard rating reports; the survey links carry a token of
    their own, which only administrators can read (agents read ratings).
    """
    _name = 'cskh.survey.response'
    _description = "Satisfaction Survey Response"
    _order = 'date_scheduled desc, id desc'
    _rec_name = 'ticket_id'
    _check_company_auto = True

    ticket_id = fields.Many2one(
        'cskh.ticket', required=True, index=True, ondelete='cascade',
        check_company=True)
    closure_key = fields.Integer(
        "Closure", required=True, readonly=True,
        help="Number of the ticket closure this survey was sent for: one survey per closure.")
    partner_id = fields.Many2one('res.partner', string="Customer", index='btree_not_null')
    team_id = fields.Many2one(related='ticket_id.team_id', store=True, index=True)
    user_id = fields.Many2one(related='ticket_id.user_id', store=True, string="Assigned to")
    company_id = fields.Many2one(related='ticket_id.company_id', store=True, index=True)
    rating_id = fields.Many2one('rating.rating', readonly=True, ondelete='set null')
    access_token = fields.Char(
        "Security Token", readonly=True, copy=False, index='btree_not_null', groups='base.group_system',
        help="Key of the survey links emailed to the customer.")
    state = fields.Selection([
        ('scheduled', "Scheduled"),
        ('sent', "Sent"),
        ('answered', "Answered"),
        ('cancelled', "Cancelled"),
    ], string="Status", required=True, default='scheduled', readonly=True, index=True)
    date_scheduled = fields.Datetime("Scheduled on", required=True, default=fields.Datetime.now, readonly=True)
    date_sent = fields.Datetime("Sent on", readonly=True)
    date_expiry = fields.Datetime(
        "Answerable until", readonly=True,
        help="After this date the customer can no longer give or change his answer.")
    date = fields.Datetime("Answered on", readonly=True)
    csat = fields.Integer("CSAT", aggregator='avg', help="Customer satisfaction, from 1 (very unhappy) to 5 (very happy).")
    has_nps = fields.Boolean("NPS Given", readonly=True)
    nps = fields.Integer("NPS", aggregator='avg', help="Likelihood to recommend us, from 0 to 10.")
    nps_category = fields.Selection(
        NPS_CATEGORIES, string="NPS Category", compute='_compute_nps_category', store=True)
    ces = fields.Integer("CES", aggregator='avg', help="Customer effort: how easy it was, from 1 (very hard) to 7 (very easy).")
    comment = fields.Text()
    is_low_score = fields.Boolean("Low Score", compute='_compute_is_low_score', store=True)
    low_score_handled = fields.Boolean(readonly=True, copy=False, export_string_translation=False)

    _closure_uniq = models.Constraint(
        'unique (ticket_id, closure_key)', "Only one survey can be sent per ticket closure.")
    _csat_range = models.Constraint('check (csat >= 0 and csat <= 5)', "CSAT must be between 1 and 5.")
    _nps_range = models.Constraint('check (nps >= 0 and nps <= 10)', "NPS must be between 0 and 10.")
    _ces_range = models.Constraint('check (ces >= 0 and ces <= 7)', "CES must be between 1 and 7.")
    _due_idx = models.Index('(date_scheduled) WHERE state = \'scheduled\'')

    @api.depends('has_nps', 'nps')
    def _compute_nps_category(self):
        for response in self:
            if not response.has_nps:
                response.nps_category = False
            elif response.nps >= 9:
                response.nps_category = 'promoter'
            elif response.nps >= 7:
                response.nps_category = 'passive'
            else:
                response.nps_category = 'detractor'

    @api.depends('csat', 'has_nps', 'nps', 'team_id.survey_csat_threshold', 'team_id.survey_nps_threshold')
    def _compute_is_low_score(self):
        for response in self:
            team = response.team_id
            response.is_low_score = bool(
                (response.csat and response.csat <= team.survey_csat_threshold)
                or (response.has_nps and response.nps <= team.survey_nps_threshold))

    @api.constrains('csat', 'ces', 'state')
    def _check_scores(self):
        for response in self.filtered(lambda r: r.state == 'answered'):
            if not 1 <= response.csat <= 5:
                raise ValidationError(self.env._("CSAT must be between 1 and 5."))
            if response.ces and not 1 <= response.ces <= 7:
                raise ValidationError(self.env._("CES must be between 1 and 7."))

    # ------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------

    @api.model
    def _get_survey_template(self):
        return self.env.ref('cskh_helpdesk.mail_template_data_survey', raise_if_not_found=False)

    def _send_survey(self):
        """Email the survey of each scheduled response whose ticket is still solved;
        the others are cancelled (the ticket was reopened or cancelled meanwhile)."""
        template = self._get_survey_template()
        valid = self.filtered(lambda r: r.ticket_id._is_solved() and r.partner_id and template)
        (self - valid).write({'state': 'cancelled'})
        if not valid:
            return
        valid._create_ratings()
        now = fields.Datetime.now()
        for response in valid:
            expiry_days = response.team_id.survey_expiry_days
            response.write({
                'state': 'sent',
                'date_sent': now,
                'date_expiry': expiry_days and now + timedelta(days=expiry_days),
            })
            response._ensure_access_token()
            response._notify_survey(template)

    def _notify_survey(self, template):
        """Email the survey to its customer, and log in the chatter that it was sent.

        The mail carries the survey links, i.e. the token: it is a notification of the
        customer only (``message_notify``: not shown in the chatter, readable only by its
        author and recipients), written by the company as system user rather than by the
        user who closed the ticket; the chatter note has no link."""
        self.ensure_one()
        ticket = self.ticket_id.with_user(SUPERUSER_ID).sudo()
        template = template.with_context(cskh_survey_response_id=self.id)
        values = template._generate_template(ticket.ids, ('body_html', 'email_from', 'subject'))[ticket.id]
        ticket.message_notify(
            partner_ids=self.partner_id.ids,
            author_id=ticket.company_id.partner_id.id,
            email_from=values.get('email_from') or None,
            subject=values.get('subject') or False,
            body=values.get('body_html') or '',
            email_layout_xmlid='mail.mail_notification_light',
            force_email_lang=template._render_lang(ticket.ids)[ticket.id],
            mail_auto_delete=template.auto_delete,
        )
        ticket._message_log(body=self.env._(
            "Satisfaction survey sent to %(customer)s.", customer=self.partner_id.display_name))

    def _create_ratings(self):
        """One ``rating.rating`` per survey (as ``_rating_get_access_token`` does), so
        that its CSAT appears in Odoo's rating views."""
        model_id = self.env['ir.model']._get_id('cskh.ticket')
        todo = self.filtered(lambda r: not r.rating_id)
        ratings = self.env['rating.rating'].sudo().create([{
            'partner_id': response.partner_id.id,
            'rated_partner_id': response.ticket_id._rating_get_operator().id,
            'res_model_id': model_id,
            'res_id': response.ticket_id.id,
            'is_internal': False,
        } for response in todo])
        for response, rating in zip(todo, ratings):
            response.rating_id = rating

    def _ensure_access_token(self):
        """Give a survey link key to the surveys without one (as ``_portal_ensure_token``)."""
        for response in self.sudo().filtered(lambda r: not r.access_token):
            response.access_token = uuid.uuid4().hex

    def _get_access_token(self):
        self.ensure_one()
        self._ensure_access_token()
        return self.sudo().access_token

    def _get_survey_url(self, csat=None):
        """Public URL of the survey page, or of the one-click CSAT link when ``csat`` is given."""
        self.ensure_one()
        url = f'{self.ticket_id.get_base_url()}/cskh/survey/{self._get_access_token()}'
        return f'{url}/{csat}' if csat else url

    # ------------------------------------------------------------
    # ANSWERS
    # ------------------------------------------------------------

    @api.model
    def _get_by_token(self, token):
        """The survey opened by ``token`` (sudo), or an empty recordset. Only the survey's
        own token is accepted: a portal token or a rating token never opens a survey."""
        if not token or not isinstance(token, str):
            return self.sudo().browse()
        return self.sudo().search([('access_token', '=', token), ('state', 'in', ('sent', 'answered'))], limit=1)

    def _is_expired(self):
        self.ensure_one()
        return bool(self.date_expiry) and self.date_expiry < fields.Datetime.now()

    def _apply_answer(self, csat, nps=None, ces=None, comment=None):
        """Record (or change) the customer's answer, mirror the CSAT on the rating,
        post it in the ticket's chatter and alert the leader on a low score.

        ``nps``/``ces``/``comment`` set to ``None`` keep their previous value, so a
        one-click CSAT does not erase a fuller answer given before."""
        self.ensure_one()
        vals = {'csat': csat, 'state': 'answered', 'date': fields.Datetime.now()}
        if nps is not None:
            vals.update(nps=nps, has_nps=True)
        if ces is not None:
            vals['ces'] = ces
        if comment is not None:
            vals['comment'] = comment
        self.write(vals)
        self.rating_id.write({'rating': self.csat, 'feedback': self.comment, 'consumed': True})
        self._post_answer_message()
        if self.is_low_score and not self.low_score_handled:
            self._handle_low_score()

    def _get_answer_body(self):
        self.ensure_one()
        return self.env['ir.qweb']._render('cskh_helpdesk.survey_response_message', {'response': self})

    def _post_answer_message(self):
        """The answer in the ticket's chatter, in the team's language (the customer
        answers in theirs)."""
        self.ensure_one()
        ticket = self.ticket_id.sudo()
        body = self.with_context(lang=ticket._get_chatter_lang())._get_answer_body()
        message = self.rating_id.message_id
        if message:
            ticket._message_update_content(message, body=body, strict=False)
        else:
            ticket.message_post(
                author_id=self.partner_id.id or None,
                body=body,
                message_type='comment',
                subtype_xmlid='cskh_helpdesk.mt_ticket_survey_answered',
                rating_id=self.rating_id.id,
            )

    def _handle_low_score(self):
        """Give the team leader a to-do on the ticket and, if the team asks for it,
        reopen the ticket in the team's first open stage."""
        self.ensure_one()
        ticket = self.ticket_id.sudo()
        team = self.team_id
        user = team.leader_id or ticket.user_id
        if user:
            # in the language of the user, whose customer answered in theirs
            ticket_lang = ticket._with_user_lang(user)
            ticket_lang.activity_schedule(
                'mail.mail_activity_data_todo',
                user_id=user.id,
                summary=ticket_lang.env._("Low satisfaction score"),
                note=self.with_context(lang=ticket_lang.env.lang)._get_answer_body(),
            )
        if team.survey_reopen_on_low_score and ticket.is_closed:
            ticket.stage_id = team._get_first_stage()
        self.low_score_handled = True

    # ------------------------------------------------------------
    # METRICS
    # ------------------------------------------------------------

    @api.model
    def _get_metrics(self, domain, groupby):
        """Satisfaction KPIs of the surveys matching ``domain`` that the user may read,
        per value of the many2one ``groupby``, computed in one grouped query.

        :return: {record: {'csat_avg', 'csat_pct', 'nps', 'ces_avg', 'response_rate',
                  'sent_count', 'answered_count'}}
        """
        domain = Domain(domain) & Domain('state', 'in', ('sent', 'answered'))
        groups = self._read_group(
            domain, [groupby, 'state', 'csat', 'nps_category', 'ces'], ['__count'])
        acc = defaultdict(lambda: defaultdict(int))
        for record, state, csat, nps_category, ces, count in groups:
            data = acc[record]
            data['sent'] += count
            if state != 'answered':
                continue
            data['answered'] += count
            if csat:
                data['csat_n'] += count
                data['csat_sum'] += csat * count
                data['csat_happy'] += count if csat >= 4 else 0
            if nps_category:
                data['nps_n'] += count
                data[nps_category] += count
            if ces:
                data['ces_n'] += count
                data['ces_sum'] += ces * count
        return {record: self._prepare_metrics(data) for record, data in acc.items()}

    @api.model
    def _prepare_metrics(self, data):
        def ratio(num, den, factor=1):
            return num * factor / den if den else 0.0
        return {
            'csat_avg': ratio(data['csat_sum'], data['csat_n']),
            'csat_pct': ratio(data['csat_happy'], data['csat_n'], 100),
            'nps': ratio(data['promoter'] - data['detractor'], data['nps_n'], 100),
            'ces_avg': ratio(data['ces_sum'], data['ces_n']),
            'response_rate': ratio(data['answered'], data['sent'], 100),
            'sent_count': data['sent'],
            'answered_count': data['answered'],
        }

    @api.model
    def _empty_metrics(self):
        return self._prepare_metrics(defaultdict(int))
