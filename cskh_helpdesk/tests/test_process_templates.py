from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged, users

from .common import CskhSlaCommon, local

TEMPLATE_CODES = ('basic', 'b2b', 'retail', 'spa', 'education')


@tagged('post_install', '-at_install', 'cskh')
class TestProcessTemplates(CskhSlaCommon):

    def _count_config(self):
        return {
            model: self.env[model].with_context(active_test=False).search_count([])
            for model in ('cskh.team', 'cskh.stage', 'cskh.ticket.type', 'cskh.sla', 'cskh.auto.reply')
        }

    def _open_wizard(self, **context):
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_process_template_apply_action')
        action['context'] = context
        return Form.from_action(self.env, action)

    def _apply_new_team(self, template, name, alias):
        wizard_form = self._open_wizard()
        wizard_form.template_id = template
        self.assertEqual(wizard_form.mode, 'new')
        wizard_form.team_name = name
        wizard_form.alias_name = alias
        result = wizard_form.save().action_apply()
        return self.env['cskh.team'].browse(result['res_id'])

    def _apply_to_team(self, template, team):
        wizard_form = self._open_wizard(default_team_id=team.id)
        self.assertEqual(wizard_form.mode, 'update', "Opened from a team, the wizard updates it")
        wizard_form.template_id = template
        return wizard_form.save().action_apply()

    @users('cskh_manager')
    def test_apply_each_template_twice(self):
        for code in TEMPLATE_CODES:
            with self.subTest(template=code):
                template = self.env.ref(f'cskh_helpdesk.process_template_{code}')
                team = self._apply_new_team(template, f"Team {code}", f"tpl-{code}")
                self.assertEqual(team.alias_name, f"tpl-{code}")
                self.assertEqual(len(team.stage_ids), len(template.stage_ids))
                self.assertEqual(
                    sorted(team.stage_ids.mapped('name')), sorted(template.stage_ids.mapped('name')))
                self.assertEqual(len(team.sla_ids), len(template.sla_ids))
                rules = self.env['cskh.auto.reply'].search([('team_ids', 'in', team.ids)])
                self.assertEqual(len(rules), len(template.auto_reply_ids))
                self.assertTrue(all(rule.template_id for rule in rules))
                self.assertEqual(team.use_survey, template.use_survey)
                self.assertEqual(team.survey_delay_hours, template.survey_delay_hours)
                self.assertEqual(team.use_followup, template.use_followup)
                self.assertEqual(team.followup_days, template.followup_days)
                paused = team.stage_ids.filtered('sla_pause')
                self.assertTrue(paused and not paused.filtered('is_closed'))
                self.assertTrue(team.stage_ids.filtered(lambda s: s.is_closed and not s.is_cancel))
                for sla in team.sla_ids.filtered(lambda s: s.target == 'resolution'):
                    self.assertIn(sla.stage_id, team.stage_ids)

                before = self._count_config()
                self._apply_to_team(template, team)
                self.assertEqual(self._count_config(), before, "Applying a template twice duplicates nothing")
                self.assertEqual(len(team.stage_ids), len(template.stage_ids))

    @users('cskh_manager')
    def test_apply_reuses_matching_stages_and_types(self):
        """Basic on a team with the usual stages adds only the missing one, and reuses
        the shipped ticket types."""
        types_before = self.env['cskh.ticket.type'].search_count([])
        team = self.team.with_env(self.env)
        self._apply_to_team(self.env.ref('cskh_helpdesk.process_template_basic'), team)
        self.assertEqual(self.env['cskh.ticket.type'].search_count([]), types_before)
        self.assertIn(self.stage_new, team.stage_ids)
        self.assertIn(self.stage_solved, team.stage_ids)
        self.assertIn(self.stage_cancel, team.stage_ids)
        created = team.stage_ids - self.stages
        self.assertEqual(created.mapped('name'), ['Waiting for Customer'])
        self.assertTrue(created.sla_pause)
        self.assertNotIn(self.stage_waiting, team.stage_ids, "An unused stage of another process is dropped")

    @users('cskh_manager')
    def test_apply_keeps_stages_holding_tickets(self):
        team = self.team.with_env(self.env)
        ticket = self._create_ticket(stage_id=self.stage_waiting.id)
        self._apply_to_team(self.env.ref('cskh_helpdesk.process_template_retail'), team)
        self.assertIn(ticket.stage_id, team.stage_ids)

    def test_retail_template_deadlines_in_working_hours(self):
        """A VIP urgent complaint on a Retail team gets its policies in working hours."""
        template = self.env.ref('cskh_helpdesk.process_template_retail')
        team = self._apply_new_team(template, "Bán lẻ", "banle")
        team.resource_calendar_id = self.calendar
        complaint = self.env.ref('__cskh_template__.retail_type_complaint')
        ticket = self._create_ticket_at(
            local(2026, 11, 23, 9, 0), team_id=team.id, partner_id=self.customer.id, priority='3',
            type_id=complaint.id)
        self.assertEqual(ticket.customer_tier, 'vip')
        deadlines = {line.sla_id.name: line.deadline for line in ticket.sla_status_ids}
        self.assertEqual(deadlines, {
            "First response within 1 working hour": local(2026, 11, 23, 10, 0),
            "Urgent: first response within 30 minutes": local(2026, 11, 23, 9, 30),
            "VIP: first response within 30 minutes": local(2026, 11, 23, 9, 30),
            "Resolution within 3 working days": local(2026, 11, 25, 15, 0),
            "Urgent complaint: resolution within 4 working hours": local(2026, 11, 23, 13, 0),
        })
        self.assertEqual(ticket.sla_deadline, local(2026, 11, 23, 9, 30))

        # a low priority question of a new customer only gets the general promises
        other = self._create_ticket_at(local(2026, 11, 23, 9, 0), team_id=team.id, priority='0',
                                       partner_id=self.env['res.partner'].create({'name': 'Lê Thị Bình'}).id)
        self.assertEqual(
            sorted(other.sla_status_ids.sla_id.mapped('name')),
            ["First response within 1 working hour", "Resolution within 3 working days"])

    def test_retail_template_chat_channels_first_response(self):
        """Retail answers Zalo and Facebook messages faster than the other channels."""
        template = self.env.ref('cskh_helpdesk.process_template_retail')
        team = self._apply_new_team(template, "Bán lẻ", "banle-chat")
        team.resource_calendar_id = self.calendar
        by_channel = {sla.channel: sla for sla in team.sla_ids if sla.channel}
        self.assertEqual(set(by_channel), {'zalo', 'facebook'})
        for channel, sla in by_channel.items():
            self.assertEqual((sla.target, sla.time, sla.priority), ('first_response', 0.5, '0'), channel)
        self.assertEqual(by_channel['zalo'].name, "Zalo messages: first response within 30 minutes")

        created = local(2026, 11, 23, 9, 0)
        zalo = self._create_ticket_at(created, team_id=team.id, channel='zalo')
        facebook = self._create_ticket_at(created, team_id=team.id, channel='facebook')
        email = self._create_ticket_at(created, team_id=team.id, channel='email')
        self.assertIn(by_channel['zalo'], zalo.sla_status_ids.sla_id)
        self.assertNotIn(by_channel['facebook'], zalo.sla_status_ids.sla_id)
        self.assertEqual(zalo.sla_deadline, local(2026, 11, 23, 9, 30))
        self.assertIn(by_channel['facebook'], facebook.sla_status_ids.sla_id)
        self.assertEqual(facebook.sla_deadline, local(2026, 11, 23, 9, 30))
        self.assertFalse(email.sla_status_ids.sla_id.filtered('channel'), "No chat promise on an email ticket")
        self.assertEqual(email.sla_deadline, local(2026, 11, 23, 10, 0), "The general 1 hour promise")

        # Beauty Spa has the same pair, Education answers Zalo (the parents' app) within the hour
        for code, channels in (('spa', {'zalo', 'facebook'}), ('education', {'zalo'})):
            with self.subTest(template=code):
                lines = self.env.ref(f'cskh_helpdesk.process_template_{code}').sla_ids.filtered('channel')
                self.assertEqual(set(lines.mapped('channel')), channels)
                self.assertEqual(set(lines.mapped('target')), {'first_response'})

    def test_apply_copies_translations(self):
        """Created records carry the template's translations, so a Vietnamese desk reads Vietnamese."""
        self.env['res.lang']._activate_lang('vi_VN')
        template = self.env.ref('cskh_helpdesk.process_template_retail')
        line = template.stage_ids.filtered(lambda s: s.key == 'waiting')
        line.update_field_translations('name', {'vi_VN': "Chờ khách hàng phản hồi"})
        team = self._apply_new_team(template, "Bán lẻ", "banle-vi")
        stage = team.stage_ids.filtered(lambda s: s.sla_pause)
        self.assertEqual(stage.with_context(lang='en_US').name, "Waiting for Customer")
        self.assertEqual(stage.with_context(lang='vi_VN').name, "Chờ khách hàng phản hồi")

    def test_template_keyword_rules_answer_vietnamese(self):
        """The keyword rules of a template match accented Vietnamese text and send their answer."""
        for code, text, subject in (
            ('retail', "Tôi muốn đổi trả sản phẩm vì bị lỗi", "Our return and exchange policy"),
            ('retail', "Máy còn bảo hành không?", "About the warranty of your product"),
            ('spa', "Cho em đặt lịch chiều thứ Bảy", "Booking an appointment"),
            ('education', "Xin hỏi học phí học kỳ 2", "About tuition fees"),
            ('b2b', "Đề nghị xuất hóa đơn VAT tháng 11", "About your invoice request"),
        ):
            with self.subTest(template=code, text=text):
                template = self.env.ref(f'cskh_helpdesk.process_template_{code}')
                team = self.env['cskh.team'].search([('name', '=', f"Auto {code}")])
                team = team or self._apply_new_team(template, f"Auto {code}", f"auto-{code}")
                ticket = self._create_ticket(team_id=team.id, name=text, partner_id=self.customer.id)
                rule = self.env['cskh.auto.reply']._find_rule(ticket)
                self.assertEqual(rule.team_ids, team)
                ticket._apply_auto_reply(rule)
                message = ticket.message_ids.filtered(lambda m: m.message_type == 'auto_comment')[:1]
                self.assertIn(subject, message.subject)
                self.assertIn(ticket.number, message.subject)
                self.assertIn(self.customer.name, str(message.body))

        ticket = self._create_ticket(team_id=team.id, name="Câu hỏi khác", partner_id=self.customer.id)
        self.assertFalse(self.env['cskh.auto.reply']._find_rule(ticket))

    @users('cskh_manager')
    def test_wizard_preview_lists_new_and_existing(self):
        template = self.env.ref('cskh_helpdesk.process_template_retail')
        wizard_form = self._open_wizard()
        wizard_form.template_id = template
        wizard_form.team_name = "Bán lẻ Hà Nội"
        preview = str(wizard_form.preview)
        for text in ("Bán lẻ Hà Nội", "will be created", "Return and Exchange", "Warranty", "Delivery",
                     "Waiting for Customer", "(SLA paused)", "Urgent: first response within 30 minutes",
                     "within 30 working minutes", "within 24 working hours", "doi tra", "2 hours after solving"):
            self.assertIn(text, preview)
        self.assertIn("new</span>", preview)
        self.assertNotIn("already there", preview)
        team = wizard_form.save().action_apply()['res_id']

        wizard_form = self._open_wizard(default_team_id=team)
        wizard_form.template_id = template
        preview = str(wizard_form.preview)
        self.assertIn("will be updated", preview)
        self.assertIn("already there", preview)
        self.assertNotIn("new</span>", preview, "Nothing new when the template was already applied")

        wizard_form.template_id = self.env.ref('cskh_helpdesk.process_template_spa')
        preview = str(wizard_form.preview)
        self.assertIn("Booking Confirmed", preview)
        self.assertIn("Follow-up call 2 days after solving", preview)

    @users('cskh_manager')
    def test_wizard_refuses_missing_team(self):
        wizard = self.env['cskh.process.template.apply'].create({
            'template_id': self.env.ref('cskh_helpdesk.process_template_basic').id, 'mode': 'update'})
        with self.assertRaises(UserError):
            wizard.action_apply()
        wizard.write({'mode': 'new', 'team_name': False})
        with self.assertRaises(UserError):
            wizard.action_apply()

    @users('cskh_agent')
    def test_agent_cannot_apply_or_edit_templates(self):
        with self.assertRaises(AccessError):
            self.env['cskh.process.template.apply'].create({
                'template_id': self.env.ref('cskh_helpdesk.process_template_basic').id})
        template = self.env.ref('cskh_helpdesk.process_template_basic')
        with self.assertRaises(AccessError):
            template.name = "Changed"
        with self.assertRaises(AccessError):
            template._apply_to_team(self.team.with_env(self.env))

    def test_team_form_button_for_managers_only(self):
        arch = self.env['cskh.team'].with_user(self.user_manager).get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('Apply a Process Template', arch)
        arch = self.env['cskh.team'].with_user(self.user_agent).get_views([(False, 'form')])['views']['form']['arch']
        self.assertNotIn('Apply a Process Template', arch)

