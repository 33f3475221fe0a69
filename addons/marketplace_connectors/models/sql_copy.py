# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""COPY rows into a table: how the computed reports (snapshots, forecasts) write
their hundreds of thousands of rows without one INSERT each."""

import io

from odoo.tools import SQL


def _text(value):
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_rows(cr, table, columns, rows):
    """Write ``rows`` (tuples in the order of ``columns``) into ``table``."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cr.copy_expert(
        SQL(
            "COPY %s (%s) FROM STDIN",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
        ).code,
        buffer,
    )
