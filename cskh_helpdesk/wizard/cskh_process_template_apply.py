from odoo import api, fields, models
from odoo.exceptions import UserError


class CskhProcessTemplateApply(models.TransientModel):
    """Apply a process template: create a team, or complete an existing one, with the
    template's stages, ticket types, SLA policies, auto-replies and settings."""
    _name = 'cskh.process.template.apply'
    _description = "Apply a Process Template"

    @api.model
    def _default_template_id(self):
        return self.env['cskh.process.template'].search([], limit=1)

    template_id = fields.Many2one(
        'cskh.process.template', string="Process Template", required=True,
        default=lambda self: self._default_template_id())
    template_description = fields.Text(related='template_id.description')
    mode = fields.Selection([
        ('new', "Create a new team"),
        ('update', "Update an existing team"),
    ], string="Apply to", required=True, compute='_compute_mode', store=True, readonly=False, precompute=True)
    team_id = fields.Many2one('cskh.team', domain="[('company_id', 'in', allowed_company_ids)]")
    team_name = fields.Char(compute='_compute_team_values', store=True, readonly=False)
    alias_name = fields.Char(
        "Email Alias", compute='_compute_team_values', store=True, readonly=False,
        help="Address part before the @ of the new team's email alias.")
    alias_domain = fields.Char(compute='_compute_alias_domain')
    preview = fields.Html(compute='_compute_preview', sanitize=False)
    has_faqs = fields.Boolean(compute='_compute_has_faqs')
    with_faqs = fields.Boolean(
        "Add Sample Articles", default=True,
        help="Create the template's sample knowledge base articles, unpublished, for a manager to review.")

    @api.depends('team_id')
    def _compute_mode(self):
        for wizard in self:
            wizard.mode = 'update' if wizard.team_id else 'new'

    @api.depends('template_id')
    def _compute_team_values(self):
        for wizard in self:
            wizard.team_name = wizard.template_id.team_name or wizard.template_id.name
            wizard.alias_name = wizard.template_id.alias_name

    @api.depends_context('company')
    def _compute_alias_domain(self):
        self.alias_domain = self.env.company.alias_domain_id.name

    @api.depends('template_id', 'mode', 'team_id', 'team_name')
    def _compute_preview(self):
        for wizard in self:
            if not wizard.template_id:
                wizard.preview = False
                continue
            team = wizard.team_id if wizard.mode == 'update' else self.env['cskh.team']
            wizard.preview = self.env['ir.qweb']._render('cskh_helpdesk.cskh_process_template_preview', {
                'template': wizard.template_id,
                'team': team,
                'team_name': team.name if team else wizard.team_name,
                'plan': wizard.template_id._get_apply_plan(team),
                'selection_label': self._get_selection_label,
                'format_hours': self._format_working_hours,
            })

    @api.depends('template_id')
    def _compute_has_faqs(self):
        for wizard in self:
            wizard.has_faqs = bool(wizard.template_id.faq_ids)

    def _get_selection_label(self, record, fname):
        return dict(record._fields[fname]._description_selection(self.env)).get(record[fname], '')

    def _format_working_hours(self, hours):
        if hours < 1:
            return self.env._("%(minutes)s working minutes", minutes=round(hours * 60))
        return self.env._("%(hours)s working hours", hours=f"{hours:g}")

    def _create_team(self):
        self.ensure_one()
        if not self.team_name:
            raise UserError(self.env._("Give a name to the new team."))
        return self.env['cskh.team'].create({
            'name': self.team_name,
            'alias_name': self.alias_name or False,
            'stage_ids': False,
        })

    def action_apply(self):
        self.ensure_one()
        if self.mode == 'update' and not self.team_id:
            raise UserError(self.env._("Choose the team to update."))
        team = self.team_id if self.mode == 'update' else self._create_team()
        self.template_id._apply_to_team(team, with_faqs=self.with_faqs)
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cskh.team',
            'res_id': team.id,
            'view_mode': 'form',
            'views': [(self.env.ref('cskh_helpdesk.cskh_team_view_form').id, 'form')],
            'target': 'current',
        }
