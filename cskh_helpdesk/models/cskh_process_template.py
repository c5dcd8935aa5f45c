from odoo import api, fields, models
from odoo.fields import Command

from .cskh_team import ASSIGN_METHODS

# Records created by a template are named in ir.model.data under this pseudo-module,
# as Odoo does with __export__/__import__: applying a template again finds them by key.
TEMPLATE_XMLID_MODULE = '__cskh_template__'


class CskhProcessTemplate(models.Model):
    """A ready-made customer-care process: stages, ticket types with scripts, SLA
    policies, keyword auto-replies and team settings, applied to a team by the
    ``cskh.process.template.apply`` wizard. Templates are data (see
    data/cskh_process_template_data.xml); add one by adding records."""
    _name = 'cskh.process.template'
    _description = "Helpdesk Process Template"
    _order = 'sequence, id'

    active = fields.Boolean(default=True)
    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True, help="Technical code, part of the keys of the records the template creates.")
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    team_name = fields.Char("Default Team Name", translate=True)
    alias_name = fields.Char("Default Alias")
    stage_ids = fields.One2many('cskh.process.template.stage', 'template_id', string="Stages")
    type_ids = fields.One2many('cskh.process.template.type', 'template_id', string="Ticket Types")
    sla_ids = fields.One2many('cskh.process.template.sla', 'template_id', string="SLA Policies")
    auto_reply_ids = fields.One2many('cskh.process.template.auto.reply', 'template_id', string="Auto-Replies")
    faq_ids = fields.One2many('cskh.process.template.faq', 'template_id', string="Sample Articles")
    # team settings
    assign_method = fields.Selection(ASSIGN_METHODS, string="Assignment", required=True, default='balanced')
    ack_template_id = fields.Many2one(
        'mail.template', string="Acknowledgement Email", domain=[('model', '=', 'cskh.ticket')])
    ack_response_hours = fields.Integer("Promised Response Time (hours)", default=24)
    create_partner = fields.Boolean("Create Customers from Emails", default=True)
    use_website_form = fields.Boolean("Web Form", default=True)
    use_sla = fields.Boolean("Use SLA Policies", default=True)
    sla_due_soon_hours = fields.Float("SLA Warning Delay", default=2.0)
    use_survey = fields.Boolean("Satisfaction Survey", default=True)
    survey_delay_hours = fields.Integer("Survey Delay (hours)")
    survey_reopen_on_low_score = fields.Boolean("Reopen on Low Score")
    use_followup = fields.Boolean("Follow-up after Resolution")
    followup_days = fields.Integer("Follow-up after (days)", default=3)

    _code_unique = models.Constraint('UNIQUE(code)', "The code of a process template must be unique.")

    # ------------------------------------------------------------
    # KEYS OF THE CREATED RECORDS
    # ------------------------------------------------------------

    def _get_key(self, kind, line, team=None):
        """Key of the record created from ``line``; per team unless ``team`` is None."""
        self.ensure_one()
        prefix = f"team_{team.id}_" if team else ""
        return f"{prefix}{self.code}_{kind}_{line.key}"

    @api.model
    def _get_records_by_key(self, keys):
        """Existing records created under ``keys``, as a dict key -> record."""
        if not keys:
            return {}
        data = self.env['ir.model.data'].sudo().search_fetch(
            [('module', '=', TEMPLATE_XMLID_MODULE), ('name', 'in', list(keys))], ['name', 'model', 'res_id'])
        ids_by_model = {}
        for row in data:
            ids_by_model.setdefault(row.model, set()).add(row.res_id)
        existing = {model: set(self.env[model].with_context(active_test=False).browse(ids).exists().ids)
                    for model, ids in ids_by_model.items()}
        return {row.name: self.env[row.model].browse(row.res_id)
                for row in data if row.res_id in existing[row.model]}

    @api.model
    def _set_record_key(self, key, record):
        IrModelData = self.env['ir.model.data'].sudo()
        data = IrModelData.search([('module', '=', TEMPLATE_XMLID_MODULE), ('name', '=', key)])
        values = {'model': record._name, 'res_id': record.id}
        if data:
            data.write(values)
        else:
            IrModelData.create({**values, 'module': TEMPLATE_XMLID_MODULE, 'name': key, 'noupdate': True})

    @api.model
    def _create_translated(self, model, values, line, translated_fields):
        """Create a ``model`` record with ``values`` plus the translatable fields of
        ``line``, copying the translations of every installed language.
        ``translated_fields``: field names, or a dict record field -> line field."""
        if not isinstance(translated_fields, dict):
            translated_fields = {fname: fname for fname in translated_fields}
        line_en = line.with_context(lang='en_US')
        record = self.env[model].with_context(lang='en_US').create(
            {**values, **{fname: line_en[source] for fname, source in translated_fields.items()}})
        for lang, _name in self.env['res.lang'].get_installed():
            if lang == 'en_US':
                continue
            line_lang = line.with_context(lang=lang)
            changed = {fname: line_lang[source] for fname, source in translated_fields.items()
                       if line_lang[source] != line_en[source]}
            if changed:
                record.with_context(lang=lang).write(changed)
        return record.with_env(self.env)

    # ------------------------------------------------------------
    # PLAN: WHAT APPLYING THE TEMPLATE CREATES
    # ------------------------------------------------------------

    def _get_apply_plan(self, team=None):
        """What applying this template to ``team`` (None: a new team) creates and reuses.

        :return: dict ``stages``, ``types``, ``slas``, ``auto_replies``: lists of
            (template line, existing record or None, key)
        """
        self.ensure_one()
        team = team or self.env['cskh.team']
        lines = {
            'stages': (self.stage_ids, 'stage', team),
            'types': (self.type_ids, 'type', None),
            'slas': (self.sla_ids, 'sla', team),
            'auto_replies': (self.auto_reply_ids, 'auto_reply', team),
        }
        keys = {section: [(line, self._get_key(kind, line, scope) if (scope or kind == 'type') else None)
                          for line in section_lines]
                for section, (section_lines, kind, scope) in lines.items()}
        existing = self._get_records_by_key({key for entries in keys.values() for _l, key in entries if key})
        plan = {section: [(line, existing.get(key), key) for line, key in entries]
                for section, entries in keys.items()}
        self._plan_match_by_name(plan, team)
        return plan

    def _plan_match_by_name(self, plan, team):
        """Reuse what the template did not create but already fits: the shipped ticket
        types it names, existing types of the same name, and the team's stages of the
        same name and behaviour (so that applying Basic to the default team adds nothing)."""
        Type = self.env['cskh.ticket.type'].with_context(lang='en_US')
        for index, (line, record, key) in enumerate(plan['types']):
            if not record:
                record = line.type_id or Type.search([('name', '=', line.with_context(lang='en_US').name)], limit=1)
                plan['types'][index] = (line, record.with_env(self.env) or None, key)
        team_stages = team.with_context(lang='en_US').stage_ids
        for index, (line, record, key) in enumerate(plan['stages']):
            if record or not team:
                continue
            name = line.with_context(lang='en_US').name
            match = team_stages.filtered(lambda s: s.name == name and (s.is_closed, s.is_cancel, s.sla_pause) == (
                line.is_closed, line.is_cancel, line.sla_pause))[:1]
            plan['stages'][index] = (line, match.with_env(self.env) or None, key)

    # ------------------------------------------------------------
    # APPLY
    # ------------------------------------------------------------

    def _apply_to_team(self, team, with_faqs=False):
        """Create on ``team`` what the template defines and is still missing; records
        created by an earlier application (or already fitting) are reused, not changed.
        ``with_faqs``: add the template's sample articles too (drafts to review)."""
        self.ensure_one()
        plan = self._get_apply_plan(team)
        stages = self._apply_stages(team, plan['stages'])
        types = self._apply_types(plan['types'])
        self._apply_slas(team, plan['slas'], stages, types)
        self._apply_auto_replies(team, plan['auto_replies'], stages)
        if with_faqs:
            self._apply_faqs(team)
        team.write(self._prepare_team_values())
        return team

    def _apply_stages(self, team, entries):
        stages = {}
        for line, stage, key in entries:
            if not stage:
                stage = self._create_translated('cskh.stage', {
                    'sequence': line.sequence, 'fold': line.fold, 'is_closed': line.is_closed,
                    'is_cancel': line.is_cancel, 'sla_pause': line.sla_pause,
                    'mail_template_id': line.mail_template_id.id, 'team_ids': [Command.link(team.id)],
                }, line, ['name', 'description'])
                self._set_record_key(key, stage)
            stages[line] = stage
        template_stages = self.env['cskh.stage'].union(*stages.values())
        # keep the team's other stages only while they still hold its tickets
        used = {stage for [stage] in self.env['cskh.ticket'].with_context(active_test=False)._read_group(
            [('team_id', '=', team.id)], ['stage_id'])}
        kept = team.stage_ids.filtered(lambda s: s in used)
        team.stage_ids = [Command.set((template_stages | kept).ids)]
        return stages

    def _apply_types(self, entries):
        types = {}
        for line, ticket_type, key in entries:
            if not ticket_type:
                ticket_type = self._create_translated('cskh.ticket.type', {
                    'sequence': line.sequence, 'suggest_opportunity': line.suggest_opportunity,
                }, line, ['name', 'script'])
                self._set_record_key(key, ticket_type)
            types[line] = ticket_type
        return types

    def _apply_slas(self, team, entries, stages, types):
        for line, sla, key in entries:
            if sla:
                continue
            values = {
                'team_id': team.id, 'sequence': line.sequence, 'target': line.target, 'time': line.time,
                'priority': line.priority, 'customer_tier': line.customer_tier, 'channel': line.channel,
                'raise_priority': line.raise_priority,
                'type_ids': [Command.set([types[type_line].id for type_line in line.type_line_ids])],
            }
            if line.target == 'resolution' and line.stage_line_id:
                values['stage_id'] = stages[line.stage_line_id].id
            self._set_record_key(key, self._create_translated('cskh.sla', values, line, ['name']))

    def _apply_auto_replies(self, team, entries, stages):
        for line, rule, key in entries:
            if rule:
                continue
            rule = self._create_translated('cskh.auto.reply', {
                'sequence': line.sequence, 'keywords': line.keywords, 'team_ids': [Command.link(team.id)],
                'template_id': line.mail_template_id.id,
                'stage_id': stages[line.stage_line_id].id if line.stage_line_id else False,
            }, line, ['name'])
            self._set_record_key(key, rule)

    def _apply_faqs(self, team):
        """Sample articles of the template for ``team``, unpublished: a manager reviews and
        publishes them. Their categories are found or created by name in the team's company."""
        keys = {line: self._get_key('faq', line, team) for line in self.faq_ids}
        existing = self._get_records_by_key(set(keys.values()))
        Category = self.env['cskh.faq.category'].with_context(lang='en_US')
        categories = {}
        for line, key in keys.items():
            if key in existing:
                continue
            category_name = line.with_context(lang='en_US').category_name
            if category_name and category_name not in categories:
                categories[category_name] = Category.search([
                    ('name', '=', category_name), ('company_id', 'in', [False, team.company_id.id])], limit=1,
                ) or self._create_translated(
                    'cskh.faq.category', {'company_id': team.company_id.id}, line, {'name': 'category_name'})
            faq = self._create_translated('cskh.faq', {
                'keyword': line.keyword, 'sequence': line.sequence, 'company_id': team.company_id.id,
                'team_ids': [Command.link(team.id)],
                'category_id': categories[category_name].id if category_name else False,
            }, line, ['title', 'answer'])
            self._set_record_key(key, faq)

    def _prepare_team_values(self):
        """Team settings written by the template; override to apply more options."""
        self.ensure_one()
        values = {fname: self[fname] for fname in (
            'assign_method', 'ack_response_hours', 'create_partner', 'use_website_form', 'use_sla',
            'sla_due_soon_hours', 'use_survey', 'survey_delay_hours', 'survey_reopen_on_low_score',
            'use_followup', 'followup_days')}
        if self.ack_template_id:
            values['ack_template_id'] = self.ack_template_id.id
        return values
