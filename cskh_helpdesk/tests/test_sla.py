from datetime import datetime, timedelta

from pytz import utc

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import CskhSlaCommon, freeze, local

# Friday 20 November 2026, 15:00 in Ho Chi Minh City
FRIDAY_15 = local(2026, 11, 20, 15, 0)


@tagged('post_install', '-at_install', 'cskh')
class TestSlaDeadlines(CskhSlaCommon):

    def test_deadline_over_weekend(self):
        """Friday 15:00 + 8 working hours of 08:00-17:00 -> Monday 14:00 (local)."""
        ticket = self._create_ticket_at(FRIDAY_15, priority='2')
        self.assertEqual(ticket.sla_status_ids.sla_id, self.sla_response | self.sla_resolution)
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 23, 14, 0))
        # the first response: 2 hours, the end of Friday
        self.assertEqual(self._line(ticket, self.sla_response).deadline, local(2026, 11, 20, 17, 0))
        self.assertEqual(ticket.sla_deadline, local(2026, 11, 20, 17, 0), "earliest ongoing deadline")

    def test_deadline_over_night(self):
        """A ticket received at night is counted from the next morning."""
        ticket = self._create_ticket_at(local(2026, 11, 24, 20, 30))
        self.assertEqual(self._line(ticket, self.sla_response).deadline, local(2026, 11, 25, 10, 0))
        ticket = self._create_ticket_at(local(2026, 11, 25, 6, 0))
        self.assertEqual(self._line(ticket, self.sla_response).deadline, local(2026, 11, 25, 10, 0))

    def test_deadline_public_holiday(self):
        """A public holiday (global leave of the calendar) does not count."""
        self.env['resource.calendar.leaves'].create({
            'name': 'Nghỉ lễ',
            'calendar_id': self.calendar.id,
            'date_from': local(2026, 11, 23, 0, 0),
            'date_to': local(2026, 11, 23, 23, 59),
        })
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 24, 14, 0))

    def test_deadline_follows_calendar_changes(self):
        """The work intervals deadlines are planned on are cached per calendar: a new public
        holiday, changed working hours or a removed holiday apply to the next ticket; a
        person's time off does not change the team's calendar."""
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 23, 14, 0))
        holiday = self.env['resource.calendar.leaves'].create({
            'name': 'Nghỉ lễ',
            'calendar_id': self.calendar.id,
            'date_from': local(2026, 11, 23, 0, 0),
            'date_to': local(2026, 11, 23, 23, 59),
        })
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 24, 14, 0))
        # Friday ends at 16:00: 1 hour on Friday, 7 on Tuesday (Monday is the holiday)
        self.calendar.attendance_ids.filtered(lambda a: a.dayofweek == '4').hour_to = 16
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 24, 15, 0))
        holiday.unlink()
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 23, 15, 0))
        # the time off of one person (a leave with a resource) is not the team's holiday
        self.env['resource.calendar.leaves'].create({
            'name': 'Nghỉ phép',
            'calendar_id': self.calendar.id,
            'resource_id': self.env['resource.resource'].create({'name': 'Agent', 'calendar_id': self.calendar.id}).id,
            'date_from': local(2026, 11, 23, 0, 0),
            'date_to': local(2026, 11, 23, 23, 59),
        })
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 23, 15, 0))

    def test_calendar_cache_kept_by_other_writes(self):
        """The cached work intervals are shared by every app of the database: renaming a
        calendar or an attendance (what other apps do) keeps them; a new time zone drops
        them and applies to the next ticket."""
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 23, 14, 0))
        window = datetime(2026, 11, 16, tzinfo=utc)
        before = self.calendar._cskh_window_intervals(window)
        self.calendar.name = 'Giờ hành chính (HCM)'
        self.calendar.attendance_ids[:1].name = 'Sáng thứ Hai'
        with self.assertQueryCount(0):
            self.assertEqual(self.calendar._cskh_window_intervals(window), before)
        self.calendar.tz = 'Asia/Tokyo'  # two hours ahead of Ho Chi Minh City
        after = self.calendar._cskh_window_intervals(window)
        # Tuesday's working day (the first whole one in the window) begins two hours earlier
        tuesday = before[1][0]
        self.assertEqual(tuesday.astimezone(utc).day, 17)
        self.assertIn(tuesday - timedelta(hours=2), [begin for begin, _end in after])
        self.assertNotIn(tuesday, [begin for begin, _end in after])

    def test_deadline_company_calendar_fallback(self):
        """Without a team calendar, the company's working hours are used."""
        self.team.resource_calendar_id = False
        self.env.company.resource_calendar_id = self.calendar
        ticket = self._create_ticket_at(FRIDAY_15, priority='2')
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 23, 14, 0))


@tagged('post_install', '-at_install', 'cskh')
class TestSlaPolicies(CskhSlaCommon):

    def test_policy_applies_when_every_condition_matches(self):
        complaint = self.env['cskh.ticket.type'].create({'name': 'Khiếu nại'})
        question = self.env['cskh.ticket.type'].create({'name': 'Câu hỏi'})
        tag_vip = self.env['cskh.tag'].create({'name': 'Hợp đồng'})
        sla_vip = self.env['cskh.sla'].create({
            'name': 'VIP complaints', 'team_id': self.team.id, 'target': 'resolution',
            'stage_id': self.stage_progress.id, 'time': 4, 'priority': '1',
            'type_ids': [Command.set(complaint.ids)], 'tag_ids': [Command.set(tag_vip.ids)],
            'customer_tier': 'vip',
        })
        Ticket = self.env['cskh.ticket']
        matching = self._create_ticket_at(FRIDAY_15, priority='1', type_id=complaint.id,
                                          tag_ids=[Command.set(tag_vip.ids)], partner_id=self.customer.id)
        self.assertIn(sla_vip, matching.sla_status_ids.sla_id)
        for values in (
            {'priority': '0'},
            {'type_id': question.id},
            {'tag_ids': [Command.clear()]},
            {'partner_id': False, 'customer_tier': 'new'},
        ):
            with self.subTest(values=values):
                ticket = Ticket.create({
                    'name': 'x', 'team_id': self.team.id, 'priority': '1', 'type_id': complaint.id,
                    'tag_ids': [Command.set(tag_vip.ids)], 'partner_id': self.customer.id, **values})
                self.assertNotIn(sla_vip, ticket.sla_status_ids.sla_id)
        # other teams' policies and teams without SLA
        other = Ticket.create({'name': 'x', 'team_id': self.team_private.id, 'priority': '3'})
        self.assertFalse(other.sla_status_ids)
        self.team.use_sla = False
        self.assertFalse(self._create_ticket(priority='3').sla_status_ids)
        # archived policies do not apply
        self.team.use_sla = True
        self.sla_response.active = False
        self.assertEqual(self._create_ticket(priority='3').sla_status_ids.sla_id, self.sla_resolution)

    def test_policy_by_channel(self):
        """A policy with a channel applies only to the tickets of that channel; changing the
        channel of a ticket removes the ongoing line, and an empty channel means every channel."""
        sla_zalo = self.env['cskh.sla'].create({
            'name': 'Tin nhắn Zalo: phản hồi trong 1 giờ', 'team_id': self.team.id,
            'target': 'first_response', 'time': 1, 'channel': 'zalo',
        })
        zalo = self._create_ticket_at(FRIDAY_15, channel='zalo')
        email = self._create_ticket_at(FRIDAY_15, channel='email')
        self.assertEqual(zalo.sla_status_ids.sla_id, self.sla_response | sla_zalo)
        self.assertEqual(self._line(zalo, sla_zalo).deadline, local(2026, 11, 20, 16, 0))
        self.assertEqual(zalo.sla_deadline, local(2026, 11, 20, 16, 0))
        self.assertEqual(email.sla_status_ids.sla_id, self.sla_response, "No Zalo promise on an email ticket")
        self.assertEqual(email.sla_deadline, local(2026, 11, 20, 17, 0), "the 2 hours promise only")
        # the channel is a condition: a ticket moved to another channel loses the ongoing line
        self._write_at(local(2026, 11, 20, 15, 10), zalo, {'channel': 'email'})
        self.assertEqual(zalo.sla_status_ids.sla_id, self.sla_response)
        self._write_at(local(2026, 11, 20, 15, 20), email, {'channel': 'zalo'})
        self.assertEqual(self._line(email, sla_zalo).deadline, local(2026, 11, 20, 16, 0),
                         "counted from the creation")

    def test_policy_change_after_creation(self):
        """Raising the priority applies the new policy from the ticket's creation;
        lowering it removes the policy while not reached."""
        ticket = self._create_ticket_at(FRIDAY_15, priority='0')
        self.assertEqual(ticket.sla_status_ids.sla_id, self.sla_response)
        self._write_at(local(2026, 11, 23, 9, 0), ticket, {'priority': '2'})
        line = self._line(ticket, self.sla_resolution)
        self.assertEqual(line.deadline, local(2026, 11, 23, 14, 0), "counted from the creation")
        self._write_at(local(2026, 11, 23, 10, 0), ticket, {'priority': '1'})
        self.assertFalse(line.exists())
        self.assertEqual(ticket.sla_status_ids.sla_id, self.sla_response)
        # a reached line is history: kept when the policy stops matching
        self._write_at(local(2026, 11, 23, 10, 0), ticket, {'priority': '3'})
        self._write_at(local(2026, 11, 23, 11, 0), ticket, {'stage_id': self.stage_solved.id})
        self._write_at(local(2026, 11, 23, 11, 5), ticket, {'priority': '0'})
        self.assertEqual(self._line(ticket, self.sla_resolution).status, 'reached')
        # a team change replaces the policies
        ticket = self._create_ticket_at(FRIDAY_15, priority='3')
        ticket.team_id = self.team_private
        self.assertFalse(ticket.sla_status_ids)

    def test_policy_needs_target_stage_and_positive_time(self):
        with self.assertRaises(ValidationError):
            self.env['cskh.sla'].create({
                'name': 'No stage', 'team_id': self.team_private.id, 'target': 'resolution',
                'stage_id': False, 'time': 4})
        with self.assertRaises(Exception), self.cr.savepoint(), mute_logger('odoo.sql_db'):
            self.env['cskh.sla'].create({'name': 'Zero', 'team_id': self.team.id, 'target': 'first_response', 'time': 0})
        # the default target stage is the team's closing (not cancelling) stage
        sla = self.env['cskh.sla'].create({'name': 'Default', 'team_id': self.team.id, 'time': 4})
        self.assertEqual(sla.stage_id, self.stage_solved)

    @users('cskh_manager')
    def test_manager_creates_policy_from_team_button(self):
        """A manager creates a policy from the team's smart button."""
        team = self.team.with_user(self.env.user)
        action = team.action_view_slas()
        with Form(self.env['cskh.sla'].with_context(**action['context'])) as form:
            form.name = 'Khách VIP'
            self.assertEqual(form.team_id, team)
            self.assertEqual(form.stage_id, self.stage_solved, "resolution stage by default")
            form.target = 'first_response'
            self.assertFalse(form.stage_id)
            form.time = 1.5
            form.customer_tier = 'vip'
        policy = form.record
        self.assertEqual(policy.company_id, self.env.company)
        ticket = self._create_ticket_at(FRIDAY_15, partner_id=self.customer.id)
        self.assertEqual(self._line(ticket, policy).deadline, local(2026, 11, 20, 16, 30))

    def test_team_smart_button_lists_policies(self):
        action = self.team.action_view_slas()
        self.assertEqual(self.env['cskh.sla'].search(action['domain']), self.sla_response | self.sla_resolution)
        self.assertEqual(self.team.sla_count, 2)


@tagged('post_install', '-at_install', 'cskh')
class TestSlaStatus(CskhSlaCommon):

    def test_first_response_reached_and_resolution_failed(self):
        ticket = self._create_ticket_at(FRIDAY_15, priority='2')
        response = self._line(ticket, self.sla_response)
        resolution = self._line(ticket, self.sla_resolution)
        # the mail feature stamps date_first_response: reached in time
        self._write_at(local(2026, 11, 20, 16, 0), ticket, {'date_first_response': local(2026, 11, 20, 16, 0)})
        self.assertEqual(response.status, 'reached')
        self.assertEqual(response.reached_date, local(2026, 11, 20, 16, 0))
        self.assertEqual(response.success, 100)
        self.assertEqual(ticket.sla_deadline, local(2026, 11, 23, 14, 0))
        # solved Tuesday 10:00, two working hours after the deadline of Monday 14:00... 3 + 2 = 5
        self._write_at(local(2026, 11, 24, 10, 0), ticket, {'stage_id': self.stage_solved.id})
        self.assertEqual(resolution.status, 'failed')
        self.assertEqual(resolution.exceeded_hours, 5)
        self.assertEqual(resolution.success, 0)
        self.assertTrue(ticket.sla_failed)
        self.assertFalse(ticket.sla_deadline)

    def test_resolution_reached_by_later_stage_and_reopen(self):
        sla_progress = self.env['cskh.sla'].create({
            'name': 'Take in charge', 'team_id': self.team.id, 'target': 'resolution',
            'stage_id': self.stage_progress.id, 'time': 4})
        ticket = self._create_ticket_at(FRIDAY_15)
        line = self._line(ticket, sla_progress)
        self._write_at(FRIDAY_15, ticket, {'stage_id': self.stage_waiting.id})
        self.assertEqual(line.status, 'reached', "a later stage meets the target")
        self._write_at(FRIDAY_15, ticket, {'stage_id': self.stage_new.id})
        self.assertEqual(line.status, 'ongoing', "reopened: the target counts again")
        self.assertFalse(line.reached_date)
        self._write_at(FRIDAY_15, ticket, {'stage_id': self.stage_cancel.id})
        self.assertEqual(line.status, 'reached', "any closing stage meets the target")
        # closing also ends the first response target
        self.assertEqual(self._line(ticket, self.sla_response).status, 'reached')

    def test_pause_and_resume(self):
        """Working time in a paused stage moves the deadline, nights excluded."""
        ticket = self._create_ticket_at(local(2026, 11, 23, 8, 0), priority='2')
        line = self._line(ticket, self.sla_resolution)
        self.assertEqual(line.deadline, local(2026, 11, 23, 16, 0))
        self._write_at(local(2026, 11, 23, 15, 0), ticket, {'stage_id': self.stage_waiting.id})
        self.assertEqual(ticket.sla_pause_date, local(2026, 11, 23, 15, 0))
        self.assertEqual(ticket.sla_state, 'on_time', "a paused ticket is not late")
        # the deadline passes while paused: the cron leaves the line alone
        self._run_cron_at(local(2026, 11, 24, 9, 0))
        self.assertEqual(line.status, 'ongoing')
        # resumed Tuesday 10:00: paused 15-17 + 8-10 = 4 working hours
        self._write_at(local(2026, 11, 24, 10, 0), ticket, {'stage_id': self.stage_progress.id})
        self.assertFalse(ticket.sla_pause_date)
        self.assertEqual(ticket.sla_paused_hours, 4)
        self.assertEqual(line.paused_hours, 4)
        self.assertEqual(line.deadline, local(2026, 11, 24, 11, 0))
        # a policy applied later also counts the pause already spent
        self._write_at(local(2026, 11, 24, 10, 30), ticket, {'priority': '0'})
        self._write_at(local(2026, 11, 24, 10, 30), ticket, {'priority': '2'})
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 24, 11, 0))
        self._write_at(local(2026, 11, 24, 10, 45), ticket, {'stage_id': self.stage_solved.id})
        self.assertEqual(self._line(ticket, self.sla_resolution).status, 'reached')

    def test_sla_state_on_time_due_soon_then_failed(self):
        self.team.sla_due_soon_hours = 2
        ticket = self._create_ticket_at(FRIDAY_15, priority='2')
        ticket.date_first_response = FRIDAY_15  # only the resolution remains: Monday 14:00
        ticket.flush_recordset()
        with freeze(local(2026, 11, 20, 16, 0)):
            ticket.invalidate_recordset(['sla_state'])
            self.assertEqual(ticket.sla_state, 'on_time')
        with freeze(local(2026, 11, 23, 12, 30)):
            ticket.invalidate_recordset(['sla_state'])
            self.assertEqual(ticket.sla_state, 'due_soon')
        with freeze(local(2026, 11, 20, 16, 30)):
            # Friday 16:30 + 2 working hours = Monday 09:30: not yet due soon
            ticket.invalidate_recordset(['sla_state'])
            self.assertEqual(ticket.sla_state, 'on_time')
        with freeze(local(2026, 11, 23, 14, 30)):
            ticket.invalidate_recordset(['sla_state'])
            self.assertEqual(ticket.sla_state, 'failed', "overdue, even before the cron runs")
        no_sla = self.env['cskh.ticket'].create({'name': 'x', 'team_id': self.team_private.id})
        self.assertFalse(no_sla.sla_state)

    def test_search_by_deadline_and_failed_sla(self):
        ticket = self._create_ticket_at(FRIDAY_15, priority='2')
        with freeze(local(2026, 11, 20, 16, 0)):
            due_today = self.env['cskh.ticket'].search([('sla_deadline', '<', 'today +1d'), ('id', '=', ticket.id)])
        self.assertEqual(due_today, ticket, "first response due at 17:00 today")
        self.assertFalse(self.env['cskh.ticket'].search([('sla_failed', '=', True), ('id', '=', ticket.id)]))


@tagged('post_install', '-at_install', 'cskh')
class TestSlaEscalation(CskhSlaCommon):

    def _escalation_activities(self, ticket):
        return ticket.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref('cskh_helpdesk.mail_act_ticket_escalation'))

    def test_cron_escalates_once(self):
        ticket = self._create_ticket_at(FRIDAY_15, priority='2', user_id=self.user_agent.id)
        on_time = self._create_ticket_at(FRIDAY_15, priority='2')
        self._write_at(local(2026, 11, 20, 16, 0), on_time, {'date_first_response': local(2026, 11, 20, 16, 0)})
        messages = ticket.message_ids
        # not yet late: nothing happens
        self._run_cron_at(local(2026, 11, 20, 16, 59))
        self.assertEqual(ticket.escalation_level, 0)
        # Monday morning: the first response (Friday 17:00) is missed
        self._run_cron_at(local(2026, 11, 23, 9, 0))
        ticket.invalidate_recordset()
        self.assertEqual(self._line(ticket, self.sla_response).status, 'failed')
        self.assertEqual(self._line(ticket, self.sla_resolution).status, 'ongoing')
        self.assertEqual(ticket.escalation_level, 1)
        self.assertTrue(ticket.sla_failed)
        self.assertEqual(ticket.sla_state, 'failed')
        activity = self._escalation_activities(ticket)
        self.assertEqual(activity.user_id, self.user_manager, "the team leader is notified")
        note = ticket.message_ids - messages
        self.assertEqual(len(note), 1)
        self.assertIn(self.sla_response.name, note.body)
        self.assertEqual(on_time.escalation_level, 0)
        # re-runs do nothing more
        self._run_cron_at(local(2026, 11, 23, 9, 30))
        ticket.invalidate_recordset()
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(len(self._escalation_activities(ticket)), 1)
        self.assertEqual(len(ticket.message_ids - messages), 1)
        # the resolution is missed too: level 2, still one open activity for the leader
        self._run_cron_at(local(2026, 11, 23, 15, 0))
        ticket.invalidate_recordset()
        self.assertEqual(ticket.escalation_level, 2)
        self.assertEqual(len(self._escalation_activities(ticket)), 1)
        self.assertEqual(len(ticket.message_ids - messages), 2)
        self.assertEqual(on_time.escalation_level, 1, "its resolution was missed as well")
        # the agent answers late: the line stays failed, the delay is measured
        self._write_at(local(2026, 11, 23, 16, 0), ticket, {'date_first_response': local(2026, 11, 23, 16, 0)})
        line = self._line(ticket, self.sla_response)
        self.assertEqual(line.status, 'failed')
        self.assertEqual(line.exceeded_hours, 8)

    def test_cron_triggered_at_deadline(self):
        """The cron is woken up right after the earliest deadline, not only every interval."""
        cron = self.env.ref('cskh_helpdesk.cskh_ticket_sla_cron_escalate')
        self._create_ticket_at(FRIDAY_15, priority='2')
        triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)])
        self.assertIn(local(2026, 11, 20, 17, 1), triggers.mapped('call_at'))

    def test_cron_woken_up_only_before_its_next_run(self):
        """A deadline after the cron's next regular run adds no wake-up (one per ticket
        otherwise): that run wakes the cron up for the deadlines due before the next one."""
        cron = self.env.ref('cskh_helpdesk.cskh_ticket_sla_cron_escalate')
        Trigger = self.env['ir.cron.trigger']
        cron.nextcall = local(2026, 11, 20, 16, 45)
        existing = Trigger.search([('cron_id', '=', cron.id)])
        self._create_ticket_at(FRIDAY_15, priority='2')
        self.assertFalse(Trigger.search([('cron_id', '=', cron.id)]) - existing)
        # the 16:45 run finds nothing overdue; the 17:00 deadline comes before its next run
        self._run_cron_at(local(2026, 11, 20, 16, 50))
        triggers = Trigger.search([('cron_id', '=', cron.id)]) - existing
        self.assertEqual(triggers.mapped('call_at'), [local(2026, 11, 20, 17, 1)])

    def test_cron_raise_priority_and_max_level(self):
        self.sla_response.raise_priority = True
        ticket = self._create_ticket_at(FRIDAY_15, priority='1')
        ticket.escalation_level = 3
        self._run_cron_at(local(2026, 11, 23, 9, 0))
        ticket.invalidate_recordset()
        self.assertEqual(ticket.escalation_level, 3, "the level is capped")
        self.assertEqual(ticket.priority, '2')
        self.assertIn('Priority raised', ticket.message_ids[0].body)
        # the higher priority brings the resolution policy, counted from the creation
        self.assertEqual(self._line(ticket, self.sla_resolution).deadline, local(2026, 11, 23, 14, 0))

    def test_escalation_without_leader_adds_no_activity(self):
        self.team.leader_id = False
        ticket = self._create_ticket_at(FRIDAY_15)
        self._run_cron_at(local(2026, 11, 23, 9, 0))
        ticket.invalidate_recordset()
        self.assertEqual(ticket.escalation_level, 1)
        self.assertFalse(self._escalation_activities(ticket))

    @users('cskh_agent')
    def test_agent_escalates_by_hand_up_to_max_level(self):
        ticket = self._create_ticket().with_user(self.env.user)
        self.assertEqual(ticket.escalation_level, 0)
        with Form(ticket) as form:
            self.assertEqual(form.escalation_level, 0)
        ticket.action_escalate()
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(self._escalation_activities(ticket.sudo()).user_id, self.user_manager)
        self.assertIn('escalated to level 1 by Agent Lan', ticket.message_ids[0].body)
        ticket.action_escalate()
        ticket.action_escalate()
        self.assertEqual(ticket.escalation_level, 3)
        self.assertEqual(len(self._escalation_activities(ticket.sudo())), 1, "no duplicate activity")
        with self.assertRaises(UserError):
            ticket.action_escalate()


@tagged('post_install', '-at_install', 'cskh')
class TestSlaAccess(CskhSlaCommon):

    def test_agents_read_policies_and_lines_of_visible_tickets(self):
        ticket = self._create_ticket(priority='2')
        private = self.env['cskh.ticket'].create({'name': 'Riêng', 'team_id': self.team_private.id})
        policy_private = self.env['cskh.sla'].create({
            'name': 'Private', 'team_id': self.team_private.id, 'target': 'first_response', 'time': 1})
        private._sla_apply()
        private_line = private.sla_status_ids
        self.assertTrue(private_line)
        policy_c2 = self.env['cskh.sla'].create({
            'name': 'C2', 'team_id': self.team_c2.id, 'target': 'first_response', 'time': 1})

        agent = self.env(user=self.user_agent)
        lines = agent['cskh.ticket.sla'].search([])
        self.assertIn(ticket.sla_status_ids[0].id, lines.ids)
        self.assertNotIn(private_line.id, lines.ids, "lines of tickets the agent cannot see")
        self.assertIn(policy_private, agent['cskh.sla'].search([]), "agents read the policies")
        self.assertNotIn(policy_c2, agent['cskh.sla'].search([]), "other companies' policies")
        with self.assertRaises(AccessError):
            agent['cskh.sla'].create({'name': 'x', 'team_id': self.team.id, 'target': 'first_response', 'time': 1})
        with self.assertRaises(AccessError):
            agent['cskh.sla'].browse(self.sla_response.id).write({'time': 100})
        with self.assertRaises(AccessError):
            agent['cskh.ticket.sla'].browse(ticket.sla_status_ids[0].id).write({'status': 'reached'})
        # ... but their own actions on tickets keep the lines up to date
        agent_ticket = agent['cskh.ticket'].create({'name': 'Gọi điện', 'team_id': self.team.id, 'priority': '3'})
        self.assertEqual(len(agent_ticket.sla_status_ids), 2)
        agent_ticket.priority = '0'
        self.assertEqual(len(agent_ticket.sla_status_ids), 1)

        c2_agent = self.env(user=self.user_agent_c2)
        self.assertFalse(c2_agent['cskh.ticket.sla'].search([('id', 'in', ticket.sla_status_ids.ids)]))

        manager = self.env(user=self.user_manager)
        manager['cskh.sla'].create({'name': 'Manager', 'team_id': self.team.id, 'target': 'first_response', 'time': 3})
        self.assertIn(private_line, manager['cskh.ticket.sla'].search([]))
        with self.assertRaises(AccessError):
            self.env(user=self.user_employee_plain)['cskh.ticket.sla'].search([])

    def test_analysis_success_rate(self):
        reached = self._create_ticket_at(FRIDAY_15)
        self._write_at(FRIDAY_15, reached, {'date_first_response': FRIDAY_15})
        self._create_ticket_at(FRIDAY_15)
        self._run_cron_at(local(2026, 11, 23, 9, 0))
        groups = self.env['cskh.ticket.sla']._read_group(
            [('team_id', '=', self.team.id), ('status', '!=', 'ongoing')], ['team_id'], ['success:avg', '__count'])
        self.assertEqual(groups, [(self.team, 50.0, 2)])
        action = self.env['ir.actions.act_window']._for_xml_id('cskh_helpdesk.cskh_ticket_sla_action_analysis')
        self.env['cskh.ticket.sla'].get_views([(False, mode) for mode in action['view_mode'].split(',')])
