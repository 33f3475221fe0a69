# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""``account.move.cash_dispute`` becomes computed from the dispute holds: keep the
invoices ticked by hand before, to give them a hold after the update."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "CREATE TABLE IF NOT EXISTS mkc_dunning_premigrate_dispute AS "
        "SELECT id FROM account_move WHERE cash_dispute"
    )
