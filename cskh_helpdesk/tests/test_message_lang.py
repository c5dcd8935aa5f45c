from markupsafe import Markup

from odoo.fields import Command
from odoo.tests import tagged, users

from .common import CskhMailCommon, CskhSlaCommon, local

FRIDAY_15 = local(2026, 11, 20, 15, 0)
MONDAY_9 = local(2026, 11, 23, 9, 0)


@tagged('post_install', '-at_install', 'cskh')
class TestAutomaticMessageLang(CskhMailCommon, CskhSlaCommon):
    """What the crons and the automatic actions write is in the language of its
    readers, not in the language of whoever triggered it (the cron and the mail
    gateway run in English): chatter notes in the team's language (its leader's, else
    the company's), activities in their assignee's. The leader of the main team reads
    Vietnamese; the leader of a second team reads English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('vi_VN')
        cls.env['ir.module.module']._load_module_terms(['cskh_helpdesk'], ['vi_VN'], overwrite=True)
        cls.user_manager.lang = 'vi_VN'
        (cls.user_agent | cls.user_agent_2).lang = 'en_US'
        cls.env.company.partner_id.lang = 'en_US'
        cls.team_en = cls.env['cskh.team'].create({
            'name': 'English desk',
            'leader_id': cls.user_agent_2.id,
            'resource_calendar_id': cls.calendar.id,
            'stage_ids': [Command.set(cls.stages.ids)],
        })
        cls.sla_en = cls.env['cskh.sla'].create({
            'name': 'Answer within 2 hours', 'team_id': cls.team_en.id, 'target': 'first_response', 'time': 2})
        cls.escalation_type = cls.env.ref('cskh_helpdesk.mail_act_ticket_escalation')

    def _escalation_activity(self, ticket):
        return ticket.activity_ids.filtered(lambda a: a.activity_type_id == self.escalation_type)

    def _bodies(self, ticket):
        return "\n".join(str(body) for body in ticket.message_ids.mapped('body'))

    def test_escalation_cron_in_team_language(self):
        self.sla_response.raise_priority = True
        ticket_vi = self._create_ticket_at(FRIDAY_15, priority='2')
        ticket_en = self._create_ticket_at(FRIDAY_15, priority='2', team_id=self.team_en.id)
        # one cron run, as the English superuser, escalates both
        self._run_cron_at(MONDAY_9)
        self.env.invalidate_all()
        self.assertEqual((ticket_vi | ticket_en).mapped('escalation_level'), [1, 1])
        self.assertEqual(ticket_vi.message_ids[0].body, Markup(
            "<p>Trễ SLA (Phản hồi trong 2 giờ): phiếu hỗ trợ được leo thang lên cấp 1. "
            "Đã nâng mức ưu tiên lên Khẩn cấp.</p>"))
        self.assertEqual(self._escalation_activity(ticket_vi).user_id, self.user_manager)
        self.assertEqual(
            self._escalation_activity(ticket_vi).summary, "Phiếu hỗ trợ bị leo thang: kiểm tra SLA")
        self.assertEqual(ticket_en.message_ids[0].body, Markup(
            "<p>SLA missed (Answer within 2 hours): ticket escalated to level 1.</p>"))
        self.assertEqual(self._escalation_activity(ticket_en).summary, "Escalated ticket: check the SLA")

    def test_team_without_leader_uses_company_language(self):
        self.team.leader_id = False
        self.env.company.partner_id.lang = 'vi_VN'
        ticket = self._create_ticket_at(FRIDAY_15)
        self._run_cron_at(MONDAY_9)
        self.env.invalidate_all()
        self.assertEqual(ticket.message_ids[0].body, Markup(
            "<p>Trễ SLA (Phản hồi trong 2 giờ): phiếu hỗ trợ được leo thang lên cấp 1.</p>"))

    @users('cskh_agent')
    def test_manual_escalation_in_team_language(self):
        ticket = self._create_ticket().with_user(self.env.user)
        ticket.with_context(lang='en_US').action_escalate()
        self.assertEqual(ticket.message_ids[0].body, Markup(
            "<p>Phiếu hỗ trợ được Agent Lan leo thang lên cấp 1.</p>"))
        self.assertEqual(
            self._escalation_activity(ticket.sudo()).summary, "Phiếu hỗ trợ bị leo thang: kiểm tra SLA")

    def test_followup_activity_in_assignee_language(self):
        self.team.write({'use_followup': True, 'followup_days': 3})
        self.user_agent.lang = 'vi_VN'
        ticket = self._create_ticket(user_id=self.user_agent.id)
        ticket.with_context(lang='en_US').stage_id = self.stage_solved
        self.assertEqual(ticket.activity_ids.user_id, self.user_agent)
        self.assertEqual(ticket.activity_ids.summary, "Chăm sóc lại khách hàng sau khi giải quyết")

    def test_low_score_in_leader_language(self):
        self.team.use_survey = True
        ticket = self._create_ticket(partner_id=self.customer.id, user_id=self.user_agent.id)
        ticket.stage_id = self.stage_solved
        response = ticket.survey_response_ids
        self.assertEqual(response.state, 'sent')
        # the customer answers in English
        response.with_context(lang='en_US')._apply_answer(1, comment='Too slow')
        activity = ticket.activity_ids
        self.assertEqual(activity.user_id, self.user_manager)
        self.assertEqual(activity.summary, "Điểm hài lòng thấp")
        self.assertIn("Câu trả lời khảo sát mức độ hài lòng", activity.note)
        # the answer in the chatter is for the team too
        self.assertIn("Câu trả lời khảo sát mức độ hài lòng", response.rating_id.message_id.body)

    def test_gateway_notes_in_team_language(self):
        self.env['cskh.auto.reply'].create({
            'name': 'Quên mật khẩu', 'keywords': 'mat khau', 'team_ids': [Command.set(self.team.ids)]})
        ticket = self._process(self._mail(body='Tôi quên mật khẩu.'))
        self.assertIn("Đã áp dụng quy tắc tự động trả lời Quên mật khẩu.", self._bodies(ticket))
        ticket.stage_id = self.stage_solved
        self.flush_tracking()
        # the customer answers the acknowledgement (threaded by its headers)
        ack = ticket.message_ids.filtered(lambda m: m.message_type == 'auto_comment')[:1]
        self._process(self._mail(
            subject='Re: x', body='Vẫn chưa được', headers={'In-Reply-To': ack.message_id}))
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertIn("Đã mở lại: khách hàng đã trả lời phiếu hỗ trợ đã đóng này.", self._bodies(ticket))

    def test_portal_close_note_in_team_language(self):
        ticket = self._create_ticket(partner_id=self.customer.id)
        ticket.with_context(lang='en_US').action_portal_close(partner=self.customer)
        self.assertTrue(ticket.is_closed)
        self.assertIn(
            "Nguyễn Văn An đã đóng phiếu hỗ trợ từ cổng thông tin khách hàng.", ticket.message_ids[0].body)
