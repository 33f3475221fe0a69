# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
import logging
import time

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..core.api import webhooks

_logger = logging.getLogger(__name__)


class MarketplaceWebhookController(http.Controller):
    """Webhook intake: check the signature, store the delivery once, enqueue, answer.

    No parsing and no business work happen here (they run in the processing job), so
    the platform gets its answer in a few milliseconds.
    """

    @http.route(
        "/marketplace/webhook/<string:token>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def receive(self, token, **_params):
        body = request.httprequest.get_data(cache=False)
        headers = request.httprequest.headers
        # Webhooks have no Odoo user (auth="none": no session, no public user to
        # load). The environment is OdooBot's, as for crons: the token in the URL
        # designates the channel and the signature, checked below with that
        # channel's secret before anything is written, proves the platform sent the
        # body. Nothing else is read or written.
        env = request.env(user=SUPERUSER_ID, su=True)
        Channel = env["marketplace.channel"]
        found = Channel._webhook_channel(token)
        if not found:
            return _answer(404, "unknown webhook")
        channel, secret = found
        scheme = webhooks.scheme_of(channel.platform)
        try:
            webhooks.verify(scheme, body, headers, secret, time.time())
        except webhooks.SignatureError as error:
            channel._count_webhook_rejection()
            _logger.info("%s: webhook refused (%s)", channel.id, error.reason)
            return _answer(401, error.reason)
        status, event_id = env["marketplace.webhook.event"]._store_delivery(
            channel, body, headers
        )
        if status == "replay":
            channel._count_webhook_rejection()
            _logger.info("%s: webhook refused (replayed signature)", channel.id)
            return _answer(401, "replayed")
        return _answer(200, status, event_id)


def _answer(status, message, event_id=None):
    data = {"status": message}
    if event_id:
        data["event_id"] = event_id
    return request.make_response(
        json.dumps(data),
        headers=[("Content-Type", "application/json")],
        status=status,
    )
