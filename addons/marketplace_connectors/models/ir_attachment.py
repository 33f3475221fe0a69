# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, models


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _index(self, bin_data, file_type, checksum=None):
        """Keep imported settlement files out of the full-text index.

        For a text file Odoo stores every printable word of it in ``index_content``:
        on a million-line settlement that is seconds of work, about 1 GB of memory
        and a second copy of the file in the database, for a file that is only
        downloaded, never searched by content. Import batches ask for no index with
        the ``marketplace_no_index`` context key.
        """
        if self.env.context.get("marketplace_no_index"):
            return False
        return super()._index(bin_data, file_type, checksum=checksum)
