"""Clients of `make loadtest` (tools/loadtest.sh), run by Locust, headless.

- MailServer: the mail server handing mail to Odoo as odoo-mailgate.py does (XML-RPC
  ``message_process``), new mails and replies (In-Reply-To / References), retrying with a
  growing delay when Odoo fails or does not answer (a temporary failure for an MTA); now
  and then the same mail twice at the same moment (an MTA retrying after a timeout while
  the first delivery still runs). Every Message-Id is recorded for the integrity check.
- Agent: the web client over JSON-RPC (/web/dataset/call_kw): kanban of a stage, open a
  ticket, reply, change its stage, assign it to oneself.
- PortalCustomer: /my/cskh-tickets, a ticket's page, a reply in its chatter.
- WebForm: the public ticket form (/cskh/submit).

Environment: LOAD_DB, LOAD_STATE (the JSON of setup.py prepare), LOAD_OUT (directory of
requests.jsonl, the log of every request, and mails.jsonl, the mails sent), LOAD_MAIL_USERS,
LOAD_AGENTS, LOAD_PORTAL_USERS, LOAD_FORM_USERS (users of each kind).
"""
import itertools
import json
import os
import random
import re
import socket
import time
import uuid
import xmlrpc.client
from email.utils import formatdate

import gevent
from locust import HttpUser, User, between, events, task

DB = os.environ['LOAD_DB']
OUT = os.environ['LOAD_OUT']
with open(os.environ['LOAD_STATE'], encoding='utf-8') as state_file:
    STATE = json.load(state_file)
PASSWORD = STATE['password']
MAX_ATTEMPTS = 12  # an MTA keeps a mail for days; the run lasts minutes
XMLRPC_TIMEOUT = 60

_files = {}
_seq = itertools.count(1)
_agents = itertools.count(1)
_customers = itertools.count(1)
_delivered = []  # Message-Ids of new mails Odoo accepted (replies answer them)


def _write(name, record):
    out = _files.get(name)
    if out is None:
        out = _files[name] = open(os.path.join(OUT, name), 'a', encoding='utf-8')  # noqa: SIM115
    out.write(json.dumps(record) + '\n')
    out.flush()


@events.request.add_listener
def _log_request(request_type, name, response_time, response_length, exception=None, **kwargs):
    _write('requests.jsonl', {
        't': time.time(), 'name': name, 'ms': response_time, 'ok': exception is None,
        'error': str(exception)[:300] if exception else None})


@events.quitting.add_listener
def _close_files(environment, **kwargs):
    for out in _files.values():
        out.close()


class TimeoutTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = XMLRPC_TIMEOUT
        return connection


def _mail(msg_id, to, sender, subject, body, parent=None):
    headers = [
        f'From: {sender}', f'To: {to}', f'Subject: {subject}', f'Message-ID: {msg_id}',
        f'Date: {formatdate()}', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
    ]
    if parent:
        headers += [f'In-Reply-To: {parent}', f'References: {parent}']
    return ('\r\n'.join(headers) + '\r\n\r\n' + body + '\r\n').encode()


class MailServer(User):
    """The MTA: one ``message_process`` per delivery, retried until Odoo accepts it."""
    fixed_count = int(os.environ.get('LOAD_MAIL_USERS', 2))
    wait_time = between(0.5, 2)

    def on_start(self):
        base = self.host.replace('http://', '').rstrip('/')
        self.url = f'http://{base}/xmlrpc/2/object'

    def _deliver(self, kind, msg_id, raw):
        """As odoo-mailgate.py with --retry-status: a fault or a connection error is a
        temporary failure, the mail stays queued and is delivered again later."""
        _write('mails.jsonl', {'id': msg_id, 'kind': kind, 'status': 'queued', 't': time.time()})
        delay = 1
        for attempt in range(1, MAX_ATTEMPTS + 1):
            start = time.time()
            proxy = xmlrpc.client.ServerProxy(self.url, transport=TimeoutTransport(), allow_none=True)
            try:
                result = proxy.execute_kw(
                    DB, STATE['admin_uid'], PASSWORD, 'mail.thread', 'message_process',
                    [False, xmlrpc.client.Binary(raw)], {})
            except (xmlrpc.client.Error, OSError, socket.timeout) as error:
                self._fire(f'mail: {kind}', start, error)
                gevent.sleep(delay)
                delay = min(delay * 2, 15)
                continue
            self._fire(f'mail: {kind}', start)
            _write('mails.jsonl', {'id': msg_id, 'kind': kind, 'status': 'delivered', 'result': result,
                                   'attempts': attempt, 't': time.time()})
            return result
        _write('mails.jsonl', {'id': msg_id, 'kind': kind, 'status': 'gave_up', 't': time.time()})
        return None

    def _fire(self, name, start, error=None):
        events.request.fire(request_type='XML-RPC', name=name, response_time=(time.time() - start) * 1000,
                            response_length=0, exception=error, context={})

    @task(5)
    def new_mail(self):
        n = next(_seq)
        msg_id = f'<load-{uuid.uuid4().hex}@khach.load.example.vn>'
        customer = random.randint(1, 200)
        raw = _mail(msg_id, random.choice(STATE['aliases']), f'Khách {customer} <khach{customer}@load.example.vn>',
                    f'Yêu cầu hỗ trợ số {n}', f'Xin chào, tôi cần hỗ trợ về đơn hàng {n}.')
        if random.random() < 0.15:
            # the same mail twice at once: both deliveries must succeed, one ticket is made
            deliveries = [gevent.spawn(self._deliver, 'new (twice)', msg_id, raw) for _i in range(2)]
            gevent.joinall(deliveries)
            results = [d.value for d in deliveries]
        else:
            results = [self._deliver('new', msg_id, raw)]
        if any(results):
            _delivered.append(msg_id)

    @task(3)
    def reply(self):
        if not _delivered:
            return
        parent = random.choice(_delivered)
        msg_id = f'<load-reply-{uuid.uuid4().hex}@khach.load.example.vn>'
        customer = random.randint(1, 200)
        raw = _mail(msg_id, random.choice(STATE['aliases']), f'Khách {customer} <khach{customer}@load.example.vn>',
                    'Re: Yêu cầu hỗ trợ', 'Cảm ơn, tôi bổ sung thêm thông tin.', parent=parent)
        _write('mails.jsonl', {'id': msg_id, 'kind': 'reply', 'status': 'parent', 'parent': parent})
        self._deliver('reply', msg_id, raw)


class JsonRpcMixin:
    def _jsonrpc(self, url, params, name):
        with self.client.post(url, json={'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': params},
                              name=name, catch_response=True) as response:
            try:
                payload = response.json()
            except ValueError:
                response.failure(f'HTTP {response.status_code}, not JSON')
                return None
            if payload.get('error'):
                error = payload['error'].get('data', {}).get('message') or payload['error'].get('message')
                response.failure(f'JSON-RPC error: {error}')
                return None
            return payload.get('result')

    def call_kw(self, model, method, args, kwargs=None, name=None):
        return self._jsonrpc(f'/web/dataset/call_kw/{model}/{method}', {
            'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}}, name or f'agent: {method}')


KANBAN_SPEC = {
    'name': {}, 'number': {}, 'priority': {}, 'stage_id': {'fields': {'display_name': {}}},
    'user_id': {'fields': {'display_name': {}}}, 'partner_id': {'fields': {'display_name': {}}},
    'team_id': {'fields': {'display_name': {}}}, 'kanban_state': {}, 'create_date': {},
}
FORM_SPEC = {
    **KANBAN_SPEC, 'description': {}, 'partner_email': {}, 'email_cc': {}, 'channel': {},
    'sla_status_ids': {'fields': {'sla_id': {'fields': {'display_name': {}}}, 'deadline': {}, 'status': {}}},
    'message_follower_ids': {}, 'activity_ids': {},
}


class Agent(JsonRpcMixin, HttpUser):
    """An agent in the web client."""
    fixed_count = int(os.environ.get('LOAD_AGENTS', 4))
    wait_time = between(1, 3)

    def on_start(self):
        login = f'load.agent{(next(_agents) - 1) % STATE["agents"] + 1:02d}'
        result = self._jsonrpc('/web/session/authenticate', {'db': DB, 'login': login, 'password': PASSWORD},
                               'agent: login')
        self.uid = result and result.get('uid')
        self.ticket_id = None

    @task(4)
    def kanban(self):
        team = random.choice(STATE['team_ids'])
        stage = random.choice(STATE['team_stages'][str(team)])
        result = self.call_kw('cskh.ticket', 'web_search_read', [], {
            'domain': [('team_id', '=', team), ('stage_id', '=', stage)],
            'specification': KANBAN_SPEC, 'limit': 40, 'order': 'priority desc, id desc', 'count_limit': 10001,
        }, name='agent: kanban')
        if result and result['records']:
            self.ticket_id, self.team_id = random.choice(result['records'])['id'], team

    @task(3)
    def open_ticket(self):
        if self.ticket_id:
            self.call_kw('cskh.ticket', 'web_read', [[self.ticket_id]], {'specification': FORM_SPEC},
                         name='agent: open ticket')

    @task(2)
    def reply(self):
        if self.ticket_id:
            self.call_kw('cskh.ticket', 'message_post', [[self.ticket_id]], {
                'body': 'Chúng tôi đã nhận được yêu cầu và đang xử lý.', 'message_type': 'comment',
                'subtype_xmlid': 'mail.mt_comment'}, name='agent: reply')

    @task(1)
    def change_stage(self):
        if self.ticket_id:
            self.call_kw('cskh.ticket', 'write', [[self.ticket_id], {
                'stage_id': random.choice(STATE['team_stages'][str(self.team_id)])}], name='agent: change stage')

    @task(1)
    def assign_to_me(self):
        if self.ticket_id and self.uid:
            self.call_kw('cskh.ticket', 'write', [[self.ticket_id], {'user_id': self.uid}],
                         name='agent: assign to me')


CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


class PortalCustomer(JsonRpcMixin, HttpUser):
    """A customer on the portal."""
    fixed_count = int(os.environ.get('LOAD_PORTAL_USERS', 2))
    wait_time = between(1, 4)

    def on_start(self):
        self.ticket_ids = []
        login = f'load.customer{(next(_customers) - 1) % STATE["customers"] + 1:02d}'
        page = self.client.get('/web/login', name='portal: login page')
        token = CSRF.search(page.text)
        with self.client.post('/web/login', name='portal: login', catch_response=True, data={
                'login': login, 'password': PASSWORD, 'csrf_token': token and token.group(1),
                'redirect': '/my/cskh-tickets'}) as response:
            if '/web/login' in response.url:
                response.failure('login refused')

    @task(3)
    def my_tickets(self):
        with self.client.get('/my/cskh-tickets', name='portal: my tickets', catch_response=True) as response:
            ids = [int(i) for i in re.findall(r'/my/cskh-tickets/(\d+)', response.text)]
            if response.ok and not ids:
                response.failure('no ticket listed')
            self.ticket_ids = ids or self.ticket_ids

    @task(3)
    def ticket_page(self):
        if self.ticket_ids:
            self.client.get(f'/my/cskh-tickets/{random.choice(self.ticket_ids)}', name='portal: ticket page')

    @task(1)
    def reply(self):
        if self.ticket_ids:
            self._jsonrpc('/mail/message/post', {
                'thread_model': 'cskh.ticket', 'thread_id': random.choice(self.ticket_ids),
                'post_data': {'body': 'Tôi vẫn chưa nhận được hàng.', 'message_type': 'comment',
                              'subtype_xmlid': 'mail.mt_comment'},
            }, 'portal: reply')


class WebForm(HttpUser):
    """A visitor submitting the public ticket form."""
    fixed_count = int(os.environ.get('LOAD_FORM_USERS', 1))
    wait_time = between(2, 5)

    @task
    def submit(self):
        team = random.choice(STATE['team_ids'])
        page = self.client.get(f'/cskh/submit?team={team}', name='web form: page')
        token = CSRF.search(page.text)
        n = next(_seq)
        with self.client.post(f'/cskh/submit?team={team}', name='web form: submit', catch_response=True, data={
                'csrf_token': token and token.group(1), 'partner_name': f'Khách web {n}',
                'partner_email': f'web{n % 300}@load.example.vn', 'team_id': str(team),
                'name': f'Yêu cầu qua web {n}', 'description': 'Xin hướng dẫn cách đổi mật khẩu.'}) as response:
            if response.ok and 'o_cskh_ticket_number' not in response.text:
                response.failure('no ticket number on the answer page')
