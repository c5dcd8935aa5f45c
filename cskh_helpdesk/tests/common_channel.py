import hashlib
import hmac
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup

from odoo.fields import Command
from odoo.tests import HttpCase

from .common import CskhCommon


class FakeProvider:
    """A local stand-in for the Zalo and Facebook APIs: a real HTTP server on a free port,
    answering the token, send, upload, profile and file-download endpoints as the public
    APIs document them, and recording every request it receives.

    ``fail_next(path_suffix, status, body, times)`` makes the next calls of an endpoint
    answer an error instead."""

    def __init__(self):
        self.requests = []
        self.failures = []
        self.counter = itertools.count(1)
        self.profiles = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                provider._handle(self, 'GET')

            def do_POST(self):
                provider._handle(self, 'POST')

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_port}'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, path_suffix, status, body, times=1):
        self.failures.extend([(path_suffix, status, body)] * times)

    def calls(self, path_suffix, method='POST'):
        return [req for req in self.requests if req['path'].endswith(path_suffix) and req['method'] == method]

    def _handle(self, handler, method):
        url = urlsplit(handler.path)
        length = int(handler.headers.get('Content-Length') or 0)
        raw = handler.rfile.read(length) if length else b''
        content_type = handler.headers.get('Content-Type') or ''
        record = {
            'method': method, 'path': url.path, 'query': {k: v[0] for k, v in parse_qs(url.query).items()},
            'headers': dict(handler.headers.items()), 'body': raw, 'json': None, 'form': {},
        }
        if content_type.startswith('application/json'):
            record['json'] = json.loads(raw)
        elif content_type.startswith('application/x-www-form-urlencoded'):
            record['form'] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if not url.path.startswith('/files/'):
            self.requests.append(record)
        status, body = self._answer(record)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header('Content-Type', 'application/octet-stream' if isinstance(body, bytes) else 'application/json')
        handler.send_header('Content-Length', str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(self, record):
        path = record['path']
        for index, (suffix, status, body) in enumerate(self.failures):
            if path.endswith(suffix):
                del self.failures[index]
                return status, body
        n = next(self.counter)
        if path.startswith('/files/'):
            return 200, b'x' * int(record['query'].get('size', 100))
        if path == '/v4/oa/access_token':
            return 200, {'access_token': f'zalo-access-{n}', 'refresh_token': f'zalo-refresh-{n}', 'expires_in': '90000'}
        if path == '/v3.0/oa/message/cs':
            return 200, {'error': 0, 'message': 'Success', 'data': {'message_id': f'zalo-msg-{n}'}}
        if path == '/v2.0/oa/upload/image':
            return 200, {'error': 0, 'message': 'Success', 'data': {'attachment_id': f'zalo-att-{n}'}}
        if path == '/v2.0/oa/upload/file':
            return 200, {'error': 0, 'message': 'Success', 'data': {'token': f'zalo-file-{n}'}}
        if path == '/v3.0/oa/user/detail':
            user_id = json.loads(record['query'].get('data') or '{}').get('user_id')
            return 200, {'error': 0, 'message': 'Success',
                         'data': {'user_id': user_id, 'display_name': self.profiles.get(user_id, 'Trần Thị Bình')}}
        if path == '/v2.0/oa/getoa':
            return 200, {'error': 0, 'message': 'Success', 'data': {'oa_id': '579745863508352884', 'name': 'Cửa hàng ABC'}}
        if path.endswith('/subscribed_apps'):
            return 200, {'success': True}
        if path.endswith('/messages'):
            return 200, {'recipient_id': '1', 'message_id': f'm_fb-{n}'}
        if path.startswith('/v19.0/') and record['query'].get('fields') == 'name':
            return 200, {'name': 'Fanpage ABC', 'id': path.rsplit('/', 1)[-1]}
        if path.startswith('/v19.0/'):
            return 200, {'first_name': 'Lê', 'last_name': 'Văn Cường', 'id': path.rsplit('/', 1)[-1]}
        return 404, {'error': {'message': 'Unknown endpoint'}}


class CskhChannelCommon(CskhCommon, HttpCase):
    """A Zalo OA and a Facebook Page account of the main team, connected to a fake provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = FakeProvider()
        cls.provider.start()
        cls.addClassCleanup(cls.provider.stop)
        Account = cls.env['cskh.channel.account']
        cls.zalo = Account.create({
            'name': 'Zalo OA Cửa hàng',
            'provider': 'zalo_oa',
            'team_id': cls.team.id,
            'zalo_app_id': '4321987654',
            'zalo_oa_id': '579745863508352884',
            'zalo_app_secret_key': 'app-secret-zalo',
            'zalo_oa_secret_key': 'oa-secret-zalo',
            'zalo_access_token': 'zalo-access-0',
            'zalo_refresh_token': 'zalo-refresh-0',
            'zalo_token_expiry': '2099-01-01 00:00:00',
            'zalo_api_url': cls.provider.url,
            'zalo_oauth_url': cls.provider.url,
        })
        cls.facebook = Account.create({
            'name': 'Fanpage Cửa hàng',
            'provider': 'facebook_page',
            'team_id': cls.team.id,
            'facebook_page_id': '105830192837465',
            'facebook_page_access_token': 'page-token-fb',
            'facebook_app_secret': 'app-secret-fb',
            'facebook_verify_token': 'verify-me-please',
            'facebook_api_url': cls.provider.url + '/v19.0',
        })
        cls.team.write({'member_ids': [Command.set(cls.user_agent.ids)], 'assign_method': 'balanced'})

    def setUp(self):
        super().setUp()
        self.provider.requests.clear()
        self.provider.failures.clear()

    # ---- Zalo ----

    def _zalo_payload(self, msg_id, text='Xin chào shop', sender='2512523625412515', event='user_send_text',
                      attachments=None, timestamp='1764681600000'):
        message = {'msg_id': msg_id, 'text': text}
        if attachments:
            message['attachments'] = attachments
        return {
            'app_id': self.zalo.zalo_app_id,
            'user_id_by_app': '552177279252305' + sender[-3:],
            'event_name': event,
            'timestamp': timestamp,
            'sender': {'id': sender},
            'recipient': {'id': self.zalo.zalo_oa_id},
            'message': message,
        }

    def _zalo_sign(self, raw, timestamp, app_id=None, secret='oa-secret-zalo'):
        data = (app_id or self.zalo.zalo_app_id).encode() + raw + timestamp.encode() + secret.encode()
        return 'mac=' + hashlib.sha256(data).hexdigest()

    def _post_zalo(self, payload, signature=None, account=None, raw=None):
        raw = raw if raw is not None else json.dumps(payload).encode()
        headers = {'Content-Type': 'application/json'}
        if signature is None:
            signature = self._zalo_sign(raw, payload['timestamp'])
        if signature:
            headers['X-ZEvent-Signature'] = signature
        return self.url_open(f'/cskh/webhook/zalo/{(account or self.zalo).id}', data=raw, headers=headers)

    # ---- Facebook ----

    def _facebook_messaging(self, mid, text='Shop ơi còn hàng không?', psid='6234567890123456',
                            attachments=None, timestamp=1764681600000):
        message = {'mid': mid}
        if text:
            message['text'] = text
        if attachments:
            message['attachments'] = attachments
        return {
            'sender': {'id': psid},
            'recipient': {'id': self.facebook.facebook_page_id},
            'timestamp': timestamp,
            'message': message,
        }

    def _facebook_payload(self, *messagings, page_id=None):
        return {'object': 'page', 'entry': [{
            'id': page_id or self.facebook.facebook_page_id, 'time': 1764681600123, 'messaging': list(messagings),
        }]}

    def _facebook_sign(self, raw, secret='app-secret-fb'):
        return 'sha256=' + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()

    def _post_facebook(self, payload, signature=None, account=None, raw=None):
        raw = raw if raw is not None else json.dumps(payload).encode()
        headers = {'Content-Type': 'application/json'}
        if signature is None:
            signature = self._facebook_sign(raw)
        if signature:
            headers['X-Hub-Signature-256'] = signature
        return self.url_open(f'/cskh/webhook/facebook/{(account or self.facebook).id}', data=raw, headers=headers)

    # ---- queues ----

    def _events(self, account=None):
        return self.env['cskh.channel.event'].search([('account_id', '=', (account or self.zalo).id)])

    def _run_cron(self, xmlid):
        self.env.ref(xmlid).method_direct_trigger()
        self.env.invalidate_all()

    def _process_events(self):
        self._run_cron('cskh_helpdesk.cskh_channel_event_cron_process')

    def _send_deliveries(self):
        self._run_cron('cskh_helpdesk.cskh_channel_delivery_cron_send')

    def _agent_reply(self, ticket, body, **kwargs):
        return ticket.with_user(self.user_agent).message_post(
            body=Markup(body), message_type='comment', subtype_xmlid='mail.mt_comment', **kwargs)
