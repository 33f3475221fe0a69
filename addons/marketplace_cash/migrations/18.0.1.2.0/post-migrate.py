# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Each invoice ticked *Under Dispute* before the dispute holds existed gets a manual
hold (reason *Other*, from today, no expiry): it stays out of the cash forecast and
now out of the reminders, until someone releases it."""

from odoo import SUPERUSER_ID, api, fields


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT to_regclass('mkc_dunning_premigrate_dispute')")
    if not cr.fetchone()[0]:
        return
    cr.execute("SELECT id FROM mkc_dunning_premigrate_dispute")
    ids = [row[0] for row in cr.fetchall()]
    env = api.Environment(cr, SUPERUSER_ID, {})
    moves = env["account.move"].browse(ids).exists()
    env["mkc.dunning.hold"].create(
        [
            {
                "move_id": move.id,
                "partner_id": move.commercial_partner_id.id,
                "company_id": move.company_id.id,
                "reason": "other",
                "origin": "manual",
                "date_start": fields.Date.context_today(move),
                "note": "Under Dispute before the dispute holds (migration)",
            }
            for move in moves
        ]
    )
    cr.execute("DROP TABLE mkc_dunning_premigrate_dispute")
