"""Ledger tables (SQLAlchemy Core). The migrations in ``migrations/versions`` create them; this module
describes them for queries. Change both together, with a new migration."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

HEAD_REVISION = "0022"

metadata = MetaData()

files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("exchange", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("landed_path", Text, nullable=False),
    Column("rows", Integer),
    Column("delivered", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("already_delivered", Integer, nullable=False, default=0),
    Column("duplicate_of", Integer, ForeignKey("files.id")),
    Column("replaces", Integer, ForeignKey("files.id")),
    Column("last_run_id", Integer),
    Column("error", Text),
    Column("landed_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # a rejected file an operator marked as resolved elsewhere (it stays rejected; hub/ledger/audit.py)
    Column("resolved_by", String(64)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution", Text),
    Index("ix_files_exchange_sha", "exchange", "sha256"),
    Index("ix_files_state", "state"),
    Index("ix_files_landed_at", "landed_at"),  # the console's Volumes: files a day over 60 days
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("exchange", String(64)),
    Column("trigger", String(16), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),
    Column("files", Integer, nullable=False, default=0),
    Column("rows", Integer, nullable=False, default=0),
    Column("delivered", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("totals", Text),
)

rejections = Table(
    "rejections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("level", String(8), nullable=False),
    Column("line", Integer),
    Column("field", String(64)),
    Column("value", Text),
    Column("rule", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("positions", String(16)),
    Column("severity", String(8), nullable=False, default="error"),
    Index("ix_rejections_file_run", "file_id", "run_id"),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", String(128), nullable=False, unique=True),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("transactions", Integer, nullable=False),
    Column("control_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
)

# One row per (batch, transaction type): the delivered idempotency keys and source lines as a
# compressed Arrow IPC table, written in one INSERT; the key store confirms its hash matches here.
delivered_transactions = Table(
    "delivered_transactions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_pk", Integer, ForeignKey("batches.id"), nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("txn_type", String(32), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("count", Integer, nullable=False),
    Column("keys", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_delivered_exchange", "exchange", "created_at"),
    Index("ix_delivered_batch", "batch_pk"),
)

# The key store (hub/ledger/keys.py): per exchange, every delivered key as a stable 64-bit hash under
# a part (the day of the date the key carries, 0 when none). ``parts`` names how the exchange's keys
# were split into parts (NULL until its history is indexed); a change re-indexes them.
key_stores = Table(
    "key_stores",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("exchange", String(64), nullable=False, unique=True),
    Column("parts", String(32)),
)

# A batch's keys of one part, one row each (looked up by index), without a rowid on SQLite.
key_hashes = Table(
    "key_hashes",
    metadata,
    Column("store", Integer, primary_key=True, autoincrement=False),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("hash", BigInteger, primary_key=True, autoincrement=False),
    Column("batch_pk", Integer, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

# A batch's many keys of one dated part as one run: their hashes as an Arrow IPC blob; or a small
# batch's keys as one small run (part ``hub.ledger.keys.SMALL``): hashes and parts as raw arrays.
key_runs = Table(
    "key_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("store", Integer, ForeignKey("key_stores.id"), nullable=False),
    Column("part", Integer, nullable=False),
    Column("batch_pk", Integer, ForeignKey("batches.id"), nullable=False),
    Column("count", Integer, nullable=False),
    Column("hashes", LargeBinary, nullable=False),
    Index("ix_key_runs_part", "store", "part"),
)

# Debits the hub originated (NACHA autopay files), so a return names the payment it reverses.
originated_entries = Table(
    "originated_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("trace", String(15), nullable=False, unique=True),
    Column("payment_id", String(64), nullable=False),
    Column("account", String(64), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("transaction_code", Integer, nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# CIS reference data (accounts, meters): one row per load of an extract, kept for audit; the rows of
# the last few loads (``hub.ledger.reference.KEEP_LOADS``); and a pointer per kind to its current load,
# switched in the load's own transaction, so readers see the old set or the new one, never half.
reference_loads = Table(
    "reference_loads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("replaces", Integer, ForeignKey("reference_loads.id")),
    Column("pruned_at", DateTime(timezone=True)),
    Index("ix_reference_loads_kind", "kind", "id"),
)

reference_current = Table(
    "reference_current",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("load_id", Integer, ForeignKey("reference_loads.id"), nullable=False),
)

# Keyed by (load, number), without a foreign key and (on SQLite) without a rowid: hundreds of
# thousands of rows go in per load, sorted, in one transaction.
reference_accounts = Table(
    "reference_accounts",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=False),
    Column("number", String(64), primary_key=True),
    Column("name", Text),
    Column("service_address", Text),
    Column("status", String(16), nullable=False),
    sqlite_with_rowid=False,
)

reference_meters = Table(
    "reference_meters",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=False),
    Column("meter", String(64), primary_key=True),
    Column("account", String(64)),
    Column("service_address", Text),
    Column("status", String(16), nullable=False),
    Index("ix_reference_meters_account", "load_id", "account"),
    sqlite_with_rowid=False,
)

# An account's billing periods as the CIS extract gives them (``hub reference load billing-periods``):
# first and last day (inclusive) as ISO text, which sorts and compares as the dates do.
reference_billing_periods = Table(
    "reference_billing_periods",
    metadata,
    Column("load_id", Integer, primary_key=True, autoincrement=False),
    Column("account", String(64), primary_key=True),
    Column("period_start", String(10), primary_key=True),
    Column("period_end", String(10), nullable=False),
    sqlite_with_rowid=False,
)

# Deposits per date and lockbox, both sides of the reconciliation (hub/ledger/deposits.py).
deposits = Table(
    "deposits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("side", String(8), nullable=False),
    Column("key", String(255), nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("deposit_date", Date, nullable=False),
    Column("lockbox", String(32), nullable=False),
    Column("lockbox_shown", String(32)),  # as the file wrote it (leading zeros kept); None before 0021
    Column("amount_cents", BigInteger, nullable=False),
    Column("items", Integer, nullable=False),
    Column("reference", String(255)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("side", "key", name="uq_deposits_side_key"),
    Index("ix_deposits_date", "deposit_date", "lockbox"),
)

# Delivered consumption histories, packed: one row per account and delivery, its periods as text lines
# (hub/ledger/consumption.py), for the ``consumption_histories`` look-up.
consumption_histories = Table(
    "consumption_histories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String(64), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("periods", Integer, nullable=False),
    Column("packed", Text, nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_consumption_histories_account", "account", "last_day"),
)

# Delivered winter averages, one row per delivery of an account's average for a season (in delivery
# order), for the ``winter_averages`` look-up (hub/ledger/winter_averages.py): a recompute delivers
# only the averages that changed, each superseding the last one delivered.
winter_averages = Table(
    "winter_averages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String(64), nullable=False),
    Column("season", Integer, nullable=False),
    Column("average", String(64)),  # exact decimal text; NULL: a default wanted but none configured
    Column("days_covered", Integer, nullable=False),
    Column("key", String(255), nullable=False, unique=True),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_winter_averages_season", "season", "account"),
)

# Delivered energy-assistance pledges (the fact ``pledges``), one row per pledge posted, for the
# ``pledges`` look-up (hub/ledger/pledges.py): the same account, amount and date from two agencies.
pledges = Table(
    "pledges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("agency", String(64), nullable=False),
    Column("pledge_id", String(128), nullable=False),
    Column("account", String(64), nullable=False),
    Column("program", String(64), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("pledge_date", Date, nullable=False),
    Column("expires", Date, nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_pledges_account", "account", "pledge_date"),
)

# Accounts placed with collection agencies (the fact ``placements`` of an outbound kind), one row per
# placement sent, for the ``placements`` look-up (hub/ledger/placements.py): an open placement keeps
# the account from being placed again. No personal data: account, agency, amount, date.
placements = Table(
    "placements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("account", String(64), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("placed_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # open | closed
    Column("closed_on", Date),
    Column("closed_reason", String(64)),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_placements_account", "account", "status"),
)

# What collection agencies remitted on placed accounts (the fact ``collection_payments``), for the
# ``collection_payments`` look-up (hub/ledger/placements.py): the gross of each payment collected.
collection_payments = Table(
    "collection_payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("agency", String(64), nullable=False),
    Column("account", String(64), nullable=False),
    Column("gross_cents", BigInteger, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_collection_payments_account", "account"),
)

# Placement files a collection agency acknowledged (the fact ``placement_acks``): ``hub status`` names
# the files not acknowledged within the placement exchange's ``acknowledge_within_days``.
placement_acks = Table(
    "placement_acks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("agency", String(64), nullable=False),
    Column("placement_file", String(255), nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_placement_acks_agency", "agency"),
)

# Agency payments of pledges (the fact ``pledge_payments``), one row per ``PledgePayment`` delivered and
# per rest of an agency payment that paid no pledge (``pledge_id`` empty), for the ``open_pledges``
# and ``pledge_payments`` look-ups (hub/ledger/pledge_payments.py): a pledge is paid once.
pledge_payments = Table(
    "pledge_payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("payment_key", String(255), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("pledge_id", String(128), nullable=False),
    Column("account", String(64), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("reference", String(255), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_pledge_payments_pledge", "agency", "pledge_id"),
    Index("ix_pledge_payments_payment", "payment_key"),
)

# Replies to partners (``ExchangeKind.reply``, hub/ledger/replies.py): recorded with the run of the
# received file they answer (for a delivery, in the batch's transaction), put in their folder after
# the commit; ``published_at`` empty = recorded but not put yet (the next start puts it, once).
replies = Table(
    "replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("exchange", String(64), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("path", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("counts", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Column("partner", String(64)),  # also pushed to this partner's reply destination (0013)
    UniqueConstraint("path", name="uq_replies_path"),
)

# The operator console's users (hub/ledger/users.py): a role, an Argon2 hash (never the password),
# whether disabled, and the failed log-ins since the last good one with the lock-out they caused.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # viewer | operator | admin
    Column("password_hash", Text, nullable=False),
    Column("disabled", Integer, nullable=False, default=0),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
)

# What operators did through the console (hub/ledger/audit.py): who, when, which action on which
# file, their comment, the corrected file's name, and the outcome (the new file's id and state).
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("comment", Text),
    Column("upload", String(255)),
    Column("outcome_file_id", Integer),
    Column("outcome_state", String(16), nullable=False),
    Column("detail", Text),
    Index("ix_audit_file", "file_id"),
    Index("ix_audit_outcome_file", "outcome_file_id"),
)

# Alembic's own bookkeeping table, declared so an empty database can be created at head and stamped.
alembic_version = Table(
    "alembic_version",
    metadata,
    Column("version_num", String(32), primary_key=True),
)

# Work taken by one hub process at a time: a source's item or a landed content (hub/ledger/claims.py).
claims = Table(
    "claims",
    metadata,
    Column("key", String(1024), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
)

exchange_locks = Table(
    "exchange_locks",
    metadata,
    Column("exchange", String(64), primary_key=True),
)
