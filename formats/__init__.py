"""File formats, registered by name. Adding one: a module implementing ``formats.base.Format`` and a
line in ``_BUILTIN``; a format of a site's own registers with a ``formats:`` line in hub.yaml
instead (``register``)."""

from __future__ import annotations

from formats.base import Format, FormatOptions
from hub.kernel.registry import Registry

_BUILTIN = {
    "meter-reads": "formats.meter_reads:MeterReadsFormat",
    "nacha": "formats.nacha:NachaFormat",
    "debit-extract": "formats.debit_extract:DebitExtractFormat",
    "lockbox": "formats.lockbox:LockboxFormat",
    "bai2": "formats.bai2:Bai2Format",
    "consumption-csv": "formats.consumption_csv:ConsumptionCsvFormat",
    "consumption-adjustments": "formats.consumption_adjustments:ConsumptionAdjustmentsFormat",
    "winter-average-request": "formats.winter_average_request:WinterAverageRequestFormat",
    "greenbutton": "formats.greenbutton:GreenButtonFormat",
    "pledges": "formats.pledges:PledgesFormat",
    "placement-extract": "formats.placement_extract:PlacementExtractFormat",
    "collection-remittance": "formats.collection_remittance:RemittanceFormat",
    "collection-status": "formats.collection_status:StatusFormat",
    "recall-extract": "formats.recall_extract:RecallFormat",
    "collection-ack": "formats.collection_ack:AckFormat",
}
REGISTRY: Registry[Format[FormatOptions]] = Registry("format", _BUILTIN)
register = REGISTRY.register
get_format = REGISTRY.get
format_names = REGISTRY.names
