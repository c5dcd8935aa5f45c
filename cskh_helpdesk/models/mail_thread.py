import codecs
import email.message
import email.policy
import logging
from email.parser import BytesHeaderParser
from xmlrpc import client as xmlrpclib

from odoo import api, models
from odoo.tools.mail import append_content_to_html, unfold_references

_logger = logging.getLogger(__name__)

# charsets that mailers often declare by default while they actually write UTF-8
UTF8_MISLABELS = {'us-ascii', 'ascii', 'iso-8859-1', 'latin-1', 'latin1', 'windows-1252', 'cp1252',
                  'windows-1258', 'cp1258'}
# at most this much of the raw text of a mail whose MIME structure is broken becomes its body
RAW_TEXT_LIMIT = 256 * 1024
# mails attached to a mail (forwards of forwards) are kept this many levels deep; Python
# serializes them recursively when they are stored as attachments
ATTACHED_MAIL_MAX_DEPTH = 50
# message_dict key carrying a parsing error from message_parse to _message_route_process
PAYLOAD_ERROR_KEY = 'cskh_payload_error'
# first key of the two-key PostgreSQL advisory locks the add-on takes on incoming
# Message-Ids ('CSKH' in ASCII), so that they never collide with other users of
# advisory locks (which mostly use the one-bigint form)
MESSAGE_LOCK_NAMESPACE = 0x43534B48


class MailThread(models.AbstractModel):
    """The mail gateway as the mail module runs it, plus what helpdesk tickets need.

    Every app of the database receives its mail through these methods, so nothing here
    changes what they get: mail is parsed by the mail module as usual (before it is
    routed, when nobody knows yet which model it goes to), and only once its routes are
    known (``_message_route_process``) does a mail routed to helpdesk tickets, and only
    to them, get its text body read again leniently (``_message_parse_ticket_body``) and
    the context its tickets need (``cskh.ticket._mail_gateway_context``).
    """
    _inherit = 'mail.thread'

    @api.model
    def message_process(self, model, message, custom_values=None,
                        save_original=False, strip_attachments=False,
                        thread_id=None):
        """The mail module's processing, made exactly once per Message-Id: a mail delivered
        twice at the same moment (an MTA retrying after a timeout while the first delivery
        still runs, two fetchmail servers) is processed once, see ``_message_lock_processed``.

        A mail that Python's parser cannot read (nested too deeply) is processed again as
        text (``_message_flatten_unparsable``) when it goes to helpdesk tickets only; to
        anything else it fails as it does without the add-on."""
        message_id = self._message_process_message_id(message)
        if message_id and self._message_lock_processed(message_id):
            _logger.info('Ignored mail with Message-Id %s: delivered again while or after it was processed',
                         message_id)
            return False
        try:
            return super().message_process(
                model, message, custom_values=custom_values, save_original=save_original,
                strip_attachments=strip_attachments, thread_id=thread_id)
        except RecursionError as error:
            flat = self._message_flatten_unparsable(message)
            if flat is None:
                raise
            # routed to tickets only, it becomes a ticket; else the error stands (_message_route_process)
            _logger.warning("Mail %s: nested too deeply for Python's parser, read as text", message_id)
            return super(MailThread, self.with_context(cskh_mail_unparsable=error)).message_process(
                model, flat, custom_values=custom_values, save_original=save_original,
                strip_attachments=strip_attachments, thread_id=thread_id)

    @api.model
    def _message_raw_bytes(self, message):
        """The bytes of a raw incoming mail, as ``message_process`` receives it."""
        if isinstance(message, xmlrpclib.Binary):
            message = bytes(message.data)
        if isinstance(message, str):
            message = message.encode('utf-8')
        return message

    @api.model
    def _message_process_message_id(self, message):
        """The Message-Id of a raw incoming mail as ``message_parse`` reads it, from its
        header only (the body is parsed once, by the mail module)."""
        headers = BytesHeaderParser(policy=email.policy.SMTP).parsebytes(self._message_raw_bytes(message))
        return str(headers.get('Message-Id') or '').strip()

    @api.model
    def _message_may_go_to_tickets(self, headers):
        """Whether a mail of these headers is sent to a helpdesk alias or replies to a
        ticket's message: only such a mail is routed again once made readable, so that
        routing (and the bounces it may send) never runs for another app's mail that the
        mail module would have refused unread."""
        if self.env['cskh.ticket']._get_team_from_recipients({
                'to': str(headers.get('To') or ''), 'cc': str(headers.get('Cc') or ''),
                'recipients': ','.join(str(headers.get(name) or '') for name in ('Delivered-To', 'X-Original-To'))}):
            return True
        replied = unfold_references(f"{headers.get('In-Reply-To') or ''} {headers.get('References') or ''}")
        return bool(replied) and bool(self.env['mail.message'].sudo().search_count([
            ('model', '=', 'cskh.ticket'), ('message_id', 'in', replied)], limit=1))

    @api.model
    def _message_parses(self, raw):
        """Whether Python's parser reads the raw mail ``raw`` without exceeding its
        recursion limit."""
        try:
            email.message_from_bytes(raw, policy=email.policy.SMTP)
        except RecursionError:
            return False
        return True

    @api.model
    def _message_flatten_unparsable(self, message):
        """A raw mail that Python's parser cannot read (MIME parts nested deeper than its
        recursion limit, a crafted mail), made readable: its headers, and its raw text as a
        plain text body, up to ``RAW_TEXT_LIMIT``. None when the mail parses (the error came
        from elsewhere) or does not go to tickets."""
        raw = self._message_raw_bytes(message)
        if self._message_parses(raw):
            return None
        headers = BytesHeaderParser(policy=email.policy.SMTP).parsebytes(raw)
        if not self._message_may_go_to_tickets(headers):
            return None
        flat = email.message.EmailMessage(policy=email.policy.SMTP)
        for name, value in headers.raw_items():
            if name.lower() not in ('content-type', 'content-transfer-encoding', 'mime-version'):
                flat.set_raw(name, value)
        body = raw.replace(b'\r\n', b'\n').partition(b'\n\n')[2]
        flat.set_content(body[:RAW_TEXT_LIMIT].decode('utf-8', errors='replace'))
        return flat.as_bytes()

    @api.model
    def _message_lock_processed(self, message_id):
        """Serialize the deliveries of one Message-Id and tell whether it was processed.

        The mail module drops a mail whose Message-Id is already on a message, but two
        deliveries running at once both pass that check before either commits, and make
        two tickets. A transaction-level advisory lock on the Message-Id makes the second
        delivery wait until the first commits (or rolls back). Odoo's transactions read a
        snapshot taken at their first query, which may predate the first delivery's commit
        (and a delivery that took the lock without waiting may still be too late): the
        check is made in a new transaction, which sees every committed message.

        Mail routed to other models gains the same guarantee, and loses nothing: the lock
        only ever makes a delivery of the same Message-Id wait, and the check is the mail
        module's own. Cost: one query, and one indexed query in a pooled cursor.

        :return: whether a message with this Message-Id is committed (drop the mail)
        """
        self.env.cr.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (MESSAGE_LOCK_NAMESPACE, message_id))
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT 1 FROM mail_message WHERE message_id = %s LIMIT 1", (message_id,))
            return bool(cr.fetchone())

    def _message_parse_extract_payload(self, message, message_dict, save_original=False):
        """The mail module's parsing. A charset Python does not know (or a wrong one) makes
        it fail: the error is kept in ``message_dict`` instead of stopping the mail before
        it is routed, and ``_message_route_process`` raises it again unless the mail goes to
        helpdesk tickets, which read it as UTF-8 rather than lose a customer's mail."""
        try:
            return super()._message_parse_extract_payload(message, message_dict, save_original=save_original)
        except (LookupError, UnicodeError) as error:
            message_dict[PAYLOAD_ERROR_KEY] = (error, save_original)
            return {'body': '', 'attachments': []}

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Mail routed to helpdesk tickets only: its text body read leniently. Mail routed to
        tickets: no NUL character in its values (``_message_parse_drop_nul``), no mail
        attached hundreds of levels deep (``_message_parse_cut_attached_mails``), and the
        tickets learn what only the gateway sees (sent by a machine? replying to the ticket's
        emails?) through the context, see ``cskh.ticket._mail_gateway_context``. Other mail:
        exactly the mail module's processing."""
        payload_error = message_dict.pop(PAYLOAD_ERROR_KEY, None)
        ticket_routes = [route for route in routes or () if route[0] == 'cskh.ticket']
        only_tickets = bool(ticket_routes) and len(ticket_routes) == len(routes)
        if payload_error and not only_tickets:
            raise payload_error[0]
        unparsable = self.env.context.get('cskh_mail_unparsable')
        if unparsable and not only_tickets:
            raise unparsable  # the mail module's own failure, see message_process
        if only_tickets:
            message_dict.update(self._message_parse_ticket_body(message, message_dict, payload_error))
        if ticket_routes:
            message_dict.update(self._message_parse_drop_nul(message_dict))
            self._message_parse_cut_attached_mails(message_dict)
            self = self.with_context(
                **self.env['cskh.ticket']._mail_gateway_context(message, message_dict, ticket_routes))
        return super()._message_route_process(message, message_dict, routes)

    @api.model
    def _message_parse_drop_nul(self, message_dict):
        """Values of ``message_dict`` without the NUL characters PostgreSQL cannot store,
        which an encoded-word of a header or an attachment's name may hold (broken mailers,
        spam): kept, they stop the ticket's creation and the bounce about it. Attachments
        keep their bytes."""
        values = {}
        for key, value in message_dict.items():
            if isinstance(value, str) and '\x00' in value:
                values[key] = value.replace('\x00', '')
        attachments = message_dict.get('attachments') or []  # the mail module's _Attachment tuples
        if any('\x00' in (attachment.fname or '') for attachment in attachments):
            values['attachments'] = [
                attachment._replace(fname=attachment.fname.replace('\x00', '')) if attachment.fname else attachment
                for attachment in attachments]
        return values

    @api.model
    def _message_parse_cut_attached_mails(self, message_dict):
        """Cut the mails attached to the mail (``message/rfc822`` parts, kept as attachments)
        at ``ATTACHED_MAIL_MAX_DEPTH`` levels of nesting: stored, they are serialized
        recursively, and a mail nested some hundreds of levels deep (never a real chain of
        forwards) would stop the ticket's message. The cut part says so; the rest is kept."""
        for attachment in message_dict.get('attachments') or []:
            content = attachment[1] if len(attachment) > 1 else None
            if not isinstance(content, email.message.Message):
                continue
            parts, cut = [(content, 0)], False
            while parts:  # not recursive, for the same reason
                part, depth = parts.pop()
                if not part.is_multipart():
                    continue
                if depth < ATTACHED_MAIL_MAX_DEPTH:
                    parts.extend((subpart, depth + 1) for subpart in part.get_payload())
                    continue
                for header in ('Content-Type', 'Content-Transfer-Encoding'):
                    del part[header]
                part.set_payload(f"[Cut by the helpdesk: mails nested more than {ATTACHED_MAIL_MAX_DEPTH} "
                                 "levels deep are not kept.]", 'utf-8')
                cut = True
            if cut:
                _logger.warning("Mail %s: its attachment %s holds mails nested more than %s levels deep, cut there",
                                message_dict.get('message_id'), attachment[0], ATTACHED_MAIL_MAX_DEPTH)

    @api.model
    def _message_parse_ticket_body(self, message, message_dict, payload_error=None):
        """Body (and attachments, when the mail module could not read the mail at all) of a
        mail routed to helpdesk tickets, read so that a customer's mail is never lost nor
        garbled by broken MIME:

        - text body parts declared in a default single-byte charset whose bytes are in fact
          UTF-8 are read as UTF-8 (Vietnamese text from misconfigured mailers);
        - unknown charsets are read as UTF-8, undecodable bytes replaced (``payload_error``:
          the error of the first parsing, see ``_message_parse_extract_payload``);
        - the text of a mail whose MIME structure is broken (e.g. wrong multipart boundary)
          becomes the body, up to ``RAW_TEXT_LIMIT``, when nothing else did.

        Attachments keep the bytes the mail module gives every app.

        :return: values to update ``message_dict`` with (none when the first parsing stands)
        """
        values = {}
        relabelled = self._message_parse_relabel_utf8(message)
        if payload_error:
            error, save_original = payload_error
            _logger.info("Mail %s: %s, decoding it as UTF-8", message_dict.get('message_id'), error)
            self._message_parse_repair_charsets(message)
            values = self._message_parse_payload_or_raise(message, message_dict, save_original=save_original)
        elif relabelled:
            values['body'] = self._message_parse_payload_or_raise(message, message_dict)['body']
        if not values.get('body', message_dict.get('body')):
            text = self._message_parse_raw_text(message)
            if text:
                values['body'] = append_content_to_html('', text, preserve=True)
        return values

    @api.model
    def _message_parse_payload_or_raise(self, message, message_dict, save_original=False):
        """``_message_parse_extract_payload`` once the charsets are relabelled or repaired: an
        error it still meets is raised, as the mail module does, instead of being kept in
        ``message_dict`` for routing."""
        values = self._message_parse_extract_payload(message, message_dict, save_original=save_original)
        payload_error = message_dict.pop(PAYLOAD_ERROR_KEY, None)
        if payload_error:
            raise payload_error[0]
        return values

    @api.model
    def _message_parse_relabel_utf8(self, message):
        """Relabel as UTF-8 the text body parts (not the attachments) declared in a default
        single-byte charset whose 8-bit bytes decode as UTF-8: text in those charsets
        practically never forms valid multi-byte UTF-8 sequences, while UTF-8 text
        mislabelled that way is common. Returns whether a part was relabelled."""
        relabelled = False
        for part in message.walk():
            if part.is_multipart() or part.get_content_type() not in ('text/plain', 'text/html'):
                continue
            if part.get_filename() or str(part.get('content-disposition') or '').strip().startswith('attachment'):
                continue
            charset = str(part.get_param('charset') or '').lower()
            if charset not in UTF8_MISLABELS:
                continue
            raw = part.get_payload(decode=True) or b''
            if raw.isascii():
                continue
            try:
                raw.decode('utf-8')
            except UnicodeDecodeError:
                continue
            part.set_param('charset', 'utf-8')
            relabelled = True
        return relabelled

    @api.model
    def _message_parse_repair_charsets(self, message):
        """Declare UTF-8 the parts whose charset Python does not know."""
        for part in message.walk():
            charset = part.get_param('charset')
            if not charset or part.is_multipart():
                continue
            try:
                codecs.lookup(str(charset))
            except LookupError:
                part.set_param('charset', 'utf-8')

    @api.model
    def _message_parse_raw_text(self, message):
        """The raw text of a mail whose MIME structure is broken (the parser reported defects
        and found no parts), when it is declared text or multipart and holds text: never the
        bytes of a binary part. At most ``RAW_TEXT_LIMIT`` bytes of it."""
        if not message.defects or message.is_multipart() \
                or message.get_content_maintype() not in ('text', 'multipart'):
            return ''
        raw = message.get_payload(decode=True) or b''
        if b'\x00' in raw[:RAW_TEXT_LIMIT]:
            return ''
        text = raw[:RAW_TEXT_LIMIT].decode('utf-8', errors='replace').strip()
        if text and len(raw) > RAW_TEXT_LIMIT:
            _logger.info("Mail %s: broken MIME structure, keeping the first %d bytes of its %d as its body",
                         message.get('Message-Id'), RAW_TEXT_LIMIT, len(raw))
            text += '\n[…]'
        return text
