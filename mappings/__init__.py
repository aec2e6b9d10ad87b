"""Exchange kinds, registered by name. Adding one: a module implementing ``mappings.base.ExchangeKind``
(or ``OutboundKind``) and a line in ``_BUILTIN``; a kind of a site's own registers with a ``kinds:``
line in hub.yaml instead (``register``)."""

from __future__ import annotations

from hub.kernel.registry import Registry
from mappings.base import ExchangeKind, MappingOptions

_BUILTIN = {
    "meter-reads": "mappings.meter_reads:MeterReadsMapping",
    "ach-returns": "mappings.ach_returns:AchReturnsMapping",
    "ach-debits": "mappings.ach_debits:AchDebitsMapping",
    "bai2-deposits": "mappings.bai2_deposits:Bai2DepositsMapping",
    "lockbox-payments": "mappings.lockbox_payments:LockboxPaymentsMapping",
    "consumption-history": "mappings.consumption:ConsumptionMapping",
    "consumption-adjustments": "mappings.consumption_adjustments:ConsumptionAdjustmentsMapping",
    "winter-average": "mappings.winter_average_kind:WinterAverageKind",
    "green-button": "mappings.green_button:GreenButtonMapping",
    "assistance-pledges": "mappings.pledges:AssistancePledgesKind",
    "collection-placements": "mappings.collection_placements:CollectionPlacementsKind",
    "collection-remittances": "mappings.collection_remittances:CollectionRemittancesKind",
    "collection-status": "mappings.collection_status:CollectionStatusKind",
    "collection-recalls": "mappings.collection_recalls:CollectionRecallsKind",
    "collection-acks": "mappings.collection_acks:CollectionAcksKind",
}
REGISTRY: Registry[ExchangeKind[MappingOptions]] = Registry("exchange kind", _BUILTIN)
register = REGISTRY.register
get_kind = REGISTRY.get
