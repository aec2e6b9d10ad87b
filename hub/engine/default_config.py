"""The commented default ``hub.yaml`` that ``hub init`` writes (every key shows its default)."""

from __future__ import annotations

DEFAULT_CONFIG = """\
# Utility Exchange Hub configuration.
# Every key below shows its default; delete what you do not change. Secrets (passwords, keys)
# never go in this file: name an environment variable or a file that holds them.
# Every key, with its type, default and meaning: docs/configuration.md; each format's layout and
# rules: docs/formats/; every rule a finding names: docs/troubleshooting.md.
version: 1

# Time zone of the utility: read times without an offset are in this zone.
timezone: UTC

ledger:
  # Any SQLAlchemy URL. SQLite is the embedded default; use PostgreSQL when several hub nodes run:
  #   url: postgresql+psycopg://hub@db.example.net/hub
  #   password_env: HUB_LEDGER_PASSWORD      # or password_file: /etc/hub/ledger-password
  url: sqlite:///var/hub.db

paths:
  var: var          # ledger, landed copies (read-only, named by sha256) and error reports
  inbox: inbox      # default drop folders, one per exchange: inbox/<exchange>/
  outbox: outbox    # CIS batches go to outbox/cis/

service:            # `hub run`
  sweep_seconds: 60   # watched folders are also swept this often (an event can be missed)
  settle_seconds: 1   # after a folder event (not a rename into it), wait this long before looking
  rehearse_rows: 1000000  # at start, meter reads rehearse a file like their largest of 30 days, up to this
  log_format: text    # text | json (one object per line, for log shippers)

# OpenPGP (encrypted partner files): keys live in the hub's own keyring, var/gnupg
# (`hub keys import FILE`, `hub keys list`), pinned below and in each exchange by their full
# 40-hex fingerprint. The utility's key signs outbound files and decrypts inbound ones; its
# passphrase comes from an environment variable or a file, never from this file.
openpgp:
  # The utility's own key (import its secret key, then pin its fingerprint here): replace the zeros.
  signing_key: "0000000000000000000000000000000000000000"
  passphrase_env: HUB_PGP_PASSPHRASE      # or passphrase_file: /etc/hub/pgp-passphrase
  expiry_warning_days: 30                 # a pinned key expiring sooner is an alert in `hub status`

console:            # the operator console: `hub console`, `hub run --console` (their options win)
  host: 127.0.0.1           # this machine only; 0.0.0.0 serves others (then use TLS)
  port: 8470
  # tls_cert: /etc/hub/console-cert.pem   # serve over TLS (both, PEM; the session cookie is then Secure)
  # tls_key: /etc/hub/console-key.pem
  lock_after: 5             # failed log-ins in a row that lock a user ...
  lock_minutes: 15          # ... for this long
  session_hours: 8          # a log-in lasts this long
  upload_limit_mb: 50       # the largest corrected file the console takes
  unmasked_roles: [admin]   # roles that see account numbers unmasked on the pages (reports stay masked)
  pending_upload_hours: 24  # a corrected file uploaded but never confirmed is removed after this

# Exchange kinds and formats of your own (docs/adding-an-exchange.md): name -> module:Class, importable
# by the hub (installed, or on PYTHONPATH). The kinds shipped with the hub need no line here.
# kinds:
#   paperless-enrollments: utility_plugins.paperless:PaperlessEnrollments
# formats:
#   simple-csv: utility_plugins.simple_csv:SimpleCsvFormat

# Partners dropping files into this machine's own SFTP server (`hub partner add NAME --exchange X
# --key NAME.pub`, as root): each is chrooted to <base>/<name> and uploads into <base>/<name>/upload,
# which is exchange X's source path (there the completion rule is size-stable unless it names one).
# partners:
#   base: /srv/hub-sftp                        # root-owned, like every folder above it
#   keys_dir: /etc/ssh/hub-partners            # <name>.keys, root-owned
#   sshd_fragment: /etc/ssh/sshd_config.d/hub-partners.conf   # the Match blocks: Include it
#   sshd_config: /etc/ssh/sshd_config          # the server's own file, checked with sshd -T
#   group: hub          # the hub's group, which reads the uploads (default: hub.yaml's folder's)
#   manage_users: true  # false: you make the partners' system users yourself

exchanges:
  # Handheld meter-reader route uploads -> CIS MeterRead / ReadException transactions.
  meter-reads:
    kind: meter-reads
    source:
      type: folder
      path: inbox/meter-reads
      pattern: "*.csv"
      post_action: archive        # archive | delete | leave (the landed copy is always kept)
      completion:                 # when a dropped file is complete: rename | size-stable | min-age | marker
        rule: rename              # rename: anything not named *.part, *.tmp, *.filepart or hidden
    # `hub run` takes files from this folder as they complete:
    watch: true
    # Or pull on a schedule (cron, in the hub's time zone unless one is given):
    # schedule: {cron: "30 5 * * 1-5", timezone: America/Chicago, misfire_grace_seconds: 3600}
    # When the partner's file is due; a due day past its time without a file is overdue (hub status):
    # expected: {by: "06:00", days: [mon, tue, wed, thu, fri], holidays: [2026-12-25]}
    destination:
      type: cis-folder
      path: outbox/cis
    # reject-file: one bad row rejects the whole file (nothing delivered).
    # accept-valid-rows: deliver the good rows, report the bad ones for correction.
    row_policy: reject-file
    # Partner files that come OpenPGP-encrypted and/or signed (binary or armored): decrypted in
    # memory with openpgp.signing_key before they are read; one not signed by the pinned signer
    # (or, with require_signature, not signed at all) is rejected unread. The landed copy stays
    # as received.
    # decryption: {signer: FEDCBA9876543210FEDCBA9876543210FEDCBA98, require_signature: true}
    format_options:
      delimiter: ","
      encoding: utf-8
      # Header names in the partner's file, if they differ from ours:
      # columns: {account: AcctNo, read_at: ReadDate}
      # Date formats (strftime); default is ISO 8601 (2026-11-20T08:15:00, optional offset):
      # datetime_formats: ["%m/%d/%Y %H:%M"]
      read_window_days: 45          # reads older than this are rejected
      future_tolerance_minutes: 10  # handheld clock skew allowed
      # read_codes: code -> meaning and whether a reading must be present (required|optional|none)
      read_codes:
        "01": {meaning: actual, reading: required}
        "02": {meaning: estimate, reading: required}
        "03": {meaning: customer read, reading: required}
        "04": {meaning: no access, reading: none}
        "05": {meaning: locked gate, reading: none}
        "06": {meaning: dog, reading: none}
        "07": {meaning: tamper suspected, reading: optional}
        "08": {meaning: meter removed or changed, reading: optional}
        "09": {meaning: wrong route, reading: optional}
    mapping_options:
      # Codes that become a ReadException for review instead of a MeterRead.
      exception_codes: {"04": no_access, "05": locked_gate, "06": dog, "07": tamper,
                        "08": meter_changed, "09": wrong_route}
      estimate_codes: ["02"]
      # Hi/low audit of consumption (reading - prior_reading):
      flag_zero_consumption: true
      max_consumption: null         # absolute high limit, in register units
      band_low_percent: 50          # against average_usage when the upload carries it
      band_high_percent: 200
      dials: null                   # null: taken from the digits the reader keyed

  # The bank's NACHA returns and notifications of change -> CIS PaymentReversal / AccountChangeNotice.
  ach-returns:
    kind: ach-returns
    source:
      type: folder
      path: inbox/ach-returns
      # Banks name these files every way (*.ach, *.ACH, *.txt, no extension): every complete file in
      # this folder is taken; one that is not NACHA is rejected with a report, never ignored.
      pattern: "*"
      post_action: archive
      completion:
        rule: rename
    # Usually pulled once a day from the bank's SFTP server (see the README), or watched:
    # schedule: {cron: "0 6 * * 1-5", timezone: America/Chicago}
    # watch: true
    # expected: {by: "07:00", days: [mon, tue, wed, thu, fri]}
    destination:
      type: cis-folder
      path: outbox/cis
    row_policy: reject-file         # money: a bad entry rejects the file unless you choose otherwise
    format_options:
      # Deviations tolerated, each still reported as a warning (counts, hashes and totals are
      # always errors):
      tolerate_crlf: true             # CR LF line ends
      tolerate_no_line_breaks: true   # one long line of 94-character records
      tolerate_short_lines: true      # records cut short of 94 characters (blanks assumed)
      tolerate_missing_padding: true  # no 9-filled records up to a multiple of 10
      tolerate_trailing_blank_lines: true  # blank lines after the file control or its 9-padding
      tolerate_company_id_padding: true    # a batch control's company id blank-padded otherwise
      unknown_codes: warn             # R/C codes not in the NACHA rules (R96, R97): warn | reject
    mapping_options:
      # Once the hub originates your debits (ach-debits), a return naming no debit in the ledger
      # is delivered flagged for review:
      expect_originals: false
      returned_payment_fee_cents: 2500    # what fee_cents "default" charges
      # What the CIS does after each return code besides reversing the payment. A code not listed
      # is reversed and flagged for review, as are codes not in the NACHA rules and dishonored or
      # contested returns (R61-R77). Listing codes here replaces this table.
      policy:
        R01: {fee_cents: default, count_toward_limit: true, letter: returned-payment}
        R09: {fee_cents: default, count_toward_limit: true, letter: returned-payment}
        R02: {stop_autopay: true, letter: autopay-stopped}
        R03: {stop_autopay: true, letter: autopay-stopped}
        R04: {stop_autopay: true, letter: autopay-stopped}
        R07: {stop_autopay: true, letter: autopay-stopped}
        R10: {stop_autopay: true, letter: autopay-stopped}
        R16: {stop_autopay: true, letter: autopay-stopped}
        R20: {stop_autopay: true, letter: autopay-stopped}

  # Outbound: the CIS autopay extract (one row per customer debit) -> the NACHA debit file the bank
  # collects (`hub originate PATH -x ach-debits`, or dropped into the source folder for `hub cycle`).
  ach-debits:
    kind: ach-debits
    source:
      type: folder
      path: inbox/ach-debits
      pattern: "*.csv"
      post_action: archive
    destination:                  # folder: the bank's transfer client collects from here
      type: folder
      path: outbox/ach
      file_name: "{exchange}-{created:%Y%m%d}-{modifier}-f{file_id}.ach"
    # Or pushed to the bank's SFTP server (host key pinned; key passphrase from the environment):
    # destination:
    #   type: sftp
    #   server: {host: sftp.bank.example, user: cityutility, key_file: /etc/hub/keys/bank_ed25519,
    #            known_hosts: /etc/hub/known_hosts}
    #   remote_dir: /inbound
    # Encrypt the file to the partner's OpenPGP key (and sign it with openpgp.signing_key), in
    # memory: what is kept under var/outbound and sent is ciphertext, named <name>.pgp. An expired
    # or revoked key refuses the file (nothing sent; `hub reprocess ID` once a renewed key is
    # imported). Kinds whose files carry personal data require it unless `encrypt: false`.
    # encryption: {recipient: FEDCBA9876543210FEDCBA9876543210FEDCBA98, sign: true}
    row_policy: reject-file       # money: one bad row rejects the extract (nothing is sent)
    originator:                   # as agreed with the bank; names never cut to fit their fields
      company_name: CITY UTILITY  # up to 16 characters
      company_id: "1234567890"    # 10 characters, often 1 + the tax id
      odfi: "09100001"            # the bank's routing number without its check digit
      immediate_destination: "091000019"
      immediate_destination_name: FIRST UTILITY BANK
      immediate_origin: "1234567890"
      immediate_origin_name: CITY UTILITY
      sec_code: PPD
      entry_description: AUTOPAY
      effective_days: 1           # rows without effective_date settle this many business days on
      holidays: []                # bank holidays, e.g. [2026-12-25]
    format_options:
      # Header names in the CIS extract, if they differ from ours (payment_id, account, name,
      # routing, dfi_account, account_type, amount_cents, effective_date):
      # columns: {payment_id: PaymentNo, amount_cents: AmountCents}
      max_days_ahead: 30          # latest effective_date accepted

  # The bank's lockbox transmission (checks mailed to the utility's lockbox) -> CIS Payment (one per
  # check; doubtful ones in suspense with a reason) and DepositControl (one per batch); the lockbox
  # side of each deposit is kept for `hub reconcile --date D` against the bank's BAI2 report.
  lockbox:
    kind: lockbox-payments
    source:
      type: folder
      path: inbox/lockbox
      pattern: "*"                # every complete file; one that is not a lockbox file is rejected
      post_action: archive
      completion:
        rule: rename
    # schedule: {cron: "30 5 * * 1-5", timezone: America/Chicago}
    # expected: {by: "06:00", days: [mon, tue, wed, thu, fri]}
    destination:
      type: cis-folder
      path: outbox/cis
    row_policy: reject-file         # money: a bad check rejects the file unless you choose otherwise
    # allow_empty: true             # a day with no deposits: accept a file without checks (default:
    #                                 a file with no data rows is rejected, rule empty-file)
    format_options:
      # The bank's layout (record positions, 1-based inclusive); the defaults are the BAI lockbox
      # style of docs/formats/lockbox.md. Change only what your bank does differently, e.g.:
      # header: {destination: [4, 13], origin: [14, 23], file_date: [24, 29], file_time: [30, 33]}
      # lockbox_header: {batch: [2, 4], lockbox: [8, 14], deposit_date: [15, 20]}
      # detail: {batch: [2, 4], item: [5, 7], amount: [8, 17], check_number: [37, 46],
      #          check_date: [47, 52], remitter_name: [53, 82], free_data_start: 83}
      # batch_total: {count: [21, 23], amount: [24, 33]}
      # lockbox_total: {count: [21, 24], amount: [25, 34]}
      max_record_length: 104
      date_format: "%y%m%d"         # deposit and file dates
      check_date_format: "%m%d%y"   # the check's date
      # Where the utility account number sits (the scanline) and its check-digit rule (luhn | mod11):
      account: {record: detail, start: 83, end: 92, check_digit: luhn}
      # or in an overflow record: {record: overflow, overflow_type: "6", start: 12, end: 21, ...}
    mapping_options:
      bank: "0099999991"            # the bank's id in idempotency keys (its origin); set it once
      require_check_digit: true     # the account must carry a check digit the format verifies
      ambiguity_check: true         # another CIS account in the remittance data -> suspense
      candidate_min_digits: 6
      # No CIS accounts extract ever loaded (hub reference load accounts): reject the file, or
      # deliver every check to suspense ("no CIS accounts loaded"):
      without_accounts: reject
      # Energy-assistance agencies whose checks pay their pledges (PledgePayment, not a customer
      # Payment), told by the account the check is drawn on or the remitter name:
      # agency_payers:
      #   CAA01: {remitter_accounts: ["770012345"], remitter_names: ["COUNTY COMMUNITY ACTION"]}

  # Inbound: the bank's BAI2 balance and transaction report -> BankDeposit (lockbox deposit credits,
  # the bank's side of the deposit reconciliation, recorded in the ledger) and PaymentReversal
  # (deposited items returned, matched to the lockbox payment by check number or flagged for review).
  bai2:
    kind: bai2-deposits
    source:
      type: folder
      path: inbox/bai2
      pattern: "*"                  # every complete file; one that is not BAI2 is rejected
      post_action: archive
      completion:
        rule: rename
    # schedule: {cron: "0 7 * * 1-5", timezone: America/Chicago}
    destination:
      type: cis-folder
      path: outbox/cis
    row_policy: reject-file         # money: a bad record rejects the report
    format_options:
      unknown_type_codes: warn      # type codes not in the BAI2 table: warn | reject
    mapping_options:
      # The bank accounts the lockbox deposits are credited to, each with its lockbox number (as the
      # lockbox files carry it); details of other accounts are not posted. This one is the demo's
      # (`hub sample --kind lockbox|bai2`): replace it with your bank account and lockbox.
      lockbox_accounts: {"1234567890": "0012345"}
      deposit_codes: ["115", "118"]   # each its own BankDeposit: deposit and adjustment credits
      item_codes: ["116"]             # counted into the day's single 115 deposit as its items
      return_codes: ["555"]           # deposited items returned -> PaymentReversal (tender check)
      deposit_date: as_of            # as_of (the report's date) | value_date (funds type V)
      match_days: 90                 # how far back a returned check's payment is looked for
      returned_item_fee_cents: 0
      # Energy-assistance agencies whose ACH/CCD credits pay their pledges (PledgePayment), told by
      # a text the credit detail carries (case ignored; credit type codes 100-399):
      # agency_payers:
      #   CAA01: {texts: ["CAA01 LIHEAP"]}

  # Inbound: a partner water district's consumption histories (CSV, one row per account and period)
  # -> ConsumptionHistory, usage converted exactly to the CIS unit; each delivered period is kept for
  # the overlap check and the consumption_histories look-up (winter averages).
  consumption:
    kind: consumption-history
    source:
      type: folder
      path: inbox/consumption
      pattern: "*.csv"
      post_action: archive
      completion:
        rule: rename
    destination:
      type: cis-folder
      path: outbox/cis
    # Not money, and each row stands alone: one account's bad period should not hold back a
    # district's whole cycle (the other accounts' histories feed winter averages). The bad rows are
    # reported for the district to correct and resend; resent good rows post nothing twice.
    row_policy: accept-valid-rows
    format_options:
      # Per district: its header names, date formats, unit spellings and period end, e.g.
      # columns: {account: AcctNo, period_start: FromDate, period_end: ToDate, usage: Consumption}
      # date_formats: ["%m/%d/%Y"]
      # units: {"CF100": CCF, "KGAL": kgal}
      date_formats: ["%Y-%m-%d"]
      period_end: inclusive         # inclusive: the last day of usage | exclusive: the day after it
    mapping_options:
      cis_units: {water: CCF, electricity: kWh, gas: therms}   # a commodity left out is rejected
      rate_multiple: 3              # daily usage above 3 x the account's median: reviewed

  # Derived: a season's winter averages (WinterAverage), computed from the delivered consumption
  # histories. `hub winter-average --season 2026` writes a request (season, time) and lands it here
  # itself; a request file dropped into inbox/winter-averages/ works the same. Only averages new or
  # changed since the last delivery go to the CIS (a change supersedes the last key delivered).
  winter-averages:
    kind: winter-average
    source:
      type: folder
      path: inbox/winter-averages
      pattern: "*.csv"
      post_action: archive
      completion:
        rule: rename
    destination:
      type: cis-folder
      path: outbox/cis
    # When the season closes, a scheduled run computes the season whose window ended last:
    # schedule: {cron: "0 6 1 4 *", timezone: America/Chicago}   # Apr 1, 06:00
    mapping_options:
      start_month: 12               # the window: Dec 1 of the year before ...
      start_day: 1
      end_month: 3                  # ... to Mar 31 of the season, both inclusive
      end_day: 31
      min_covered_days: 60          # fewer days covered by histories: the default below
      default_average_per_day: null # e.g. 0.150 (CCF a day); null: delivered blank, the CIS keeps its own
      default_unit: CCF             # the unit of a default for an account without any history
      places: 3                     # decimals of the average per day

  # Inbound: sewer consumption-adjustment requests (leak, industrial, evaporation) -> ConsumptionAdjustment,
  # measured against the delivered consumption histories (a leak against the winter average, computed
  # from them with the window and defaults of the winter-averages exchange above: one source of truth).
  consumption-adjustments:
    kind: consumption-adjustments
    source:
      type: folder
      path: inbox/consumption-adjustments
      pattern: "*.csv"
      post_action: archive
      completion:
        rule: rename
    destination:
      type: cis-folder
      path: outbox/cis
    # Each request stands alone: one bad line does not hold back the others.
    row_policy: accept-valid-rows
    format_options:
      date_format: "%Y-%m-%d"
      # columns: {account: AcctNo, evidence_ref: Ticket}
    mapping_options:
      cis_unit: CCF                 # the unit of the histories and of the adjusted volume
      cap_percent: {leak: 100, industrial: 100, evaporation: 100}   # largest reduction per kind
      # winter: taken from exchanges.winter-averages.mapping_options; written here it may only agree

  # Inbound: Green Button (ESPI) interval usage XML from electric and gas partners or customers ->
  # CIS IntervalUsage (one per interval reading; a duplicate reading is delivered once). The XML is
  # read with no DTD, no entities and no network; a file declaring a DOCTYPE is rejected.
  green-button:
    kind: green-button
    source:
      type: folder
      path: inbox/green-button
      pattern: "*.xml"
      post_action: archive
      completion:
        rule: rename
    # watch: true
    destination:
      type: cis-folder
      path: outbox/cis
    # Real files carry odd timestamps and empty elements: deliver the good readings, report the rest.
    row_policy: accept-valid-rows
    mapping_options:
      # The CIS account of each usage point (its id as `hub inspect --format greenbutton` shows it);
      # a usage point not listed is delivered without an account:
      accounts: {}
      # accounts: {"RetailCustomer/5/UsagePoint/1": "0012345"}
      # Sum each mapped account's readings per period into ConsumptionHistory (kept for winter
      # averages): calendar months in local time, or the CIS billing periods loaded with
      # `hub reference load billing-periods`; the usage in the CIS unit; the histories' district.
      # rollup: {periods: monthly, unit: kWh, district: green-button}

  # Inbound: energy-assistance pledges from community action agencies and state programs (CSV or an
  # Excel .xlsx workbook) -> AssistancePledge, each matched to its CIS account (the accounts extract:
  # `hub reference load accounts`) and customer name; a pledge protects the account until its pledge
  # date + the program's protection days. Every pledge line is acknowledged to the agency. The
  # agencies' payments (checks, ACH credits) are recognised by the lockbox and bai2 exchanges'
  # agency_payers and pay these pledges (PledgePayment; `hub pledges --agency A --open`).
  pledges:
    kind: assistance-pledges
    source:
      type: folder
      path: inbox/pledges
      pattern: "*"
      post_action: archive
      completion:
        rule: rename
    destination:
      type: cis-folder
      path: outbox/cis
    # A bad pledge goes back to its agency alone; the good ones post.
    row_policy: accept-valid-rows
    format_options:
      # The default layout: header names, date formats, delimiter, an .xlsx workbook's sheet
      # columns: {pledge_id: "Pledge #", account: "Acct No", customer_name: Client, amount: Amount}
      # sheet: Pledges              # an .xlsx workbook's sheet; default: its only sheet with data
      date_formats: ["%Y-%m-%d", "%m/%d/%Y"]
      # Agencies' own layouts, chosen by the file's name (the first pattern that matches, any case);
      # a file without an agency_id column is the layout's agency's:
      # layouts:
      #   - agency: UWAY
      #     files: "uway_*.xlsx"
      #     sheet: Pledges
      #     columns: {pledge_id: "Pledge #", account: "Acct No", customer_name: Client, program: Fund,
      #               amount: Amount, pledge_date: Date, expires: "Good Thru"}
    mapping_options:
      name_threshold: 90            # a different name scoring below this (rapidfuzz, 0-100): rejected
      agencies:
        CAA01:
          name: County Community Action
          programs:
            LIHEAP: {cap: "1500.00", protection_days: 45}
            CRISIS: {cap: "500.00", protection_days: 30}
        UWAY:
          name: United Way Utility Fund
          programs:
            LOCAL: {cap: "300.00", protection_days: 30}
          # ack_folder: outbox/pledges-ack/uway   # an agency's own folder for its acknowledgements
    # An agency's acknowledgements pushed to its own SFTP server too (host key pinned):
    # reply_destinations:
    #   CAA01: {type: sftp, server: {host: sftp.caa01.example.org, user: utility,
    #           key_file: keys/caa01, known_hosts: keys/known_hosts}, remote_dir: acks}

  # Collection agencies: closed accounts' unpaid final bills placed with an agency, and what comes
  # back. Set up an agency before enabling its exchanges: import its public key (`hub keys import`)
  # and pin its fingerprint in placements.encryption, set the utility's signing_key above, name its
  # destination (a folder or its SFTP server), then `enabled: true` on each.
  placements:                     # CIS extract -> the agency's placement file (SSNs: encrypted)
    kind: collection-placements
    enabled: false
    source: {type: folder, path: inbox/placements, pattern: "*.csv", post_action: archive}
    destination:
      type: folder
      path: outbox/placements
    # destination: {type: sftp, server: {host: sftp.acme.example, user: cityutility,
    #               key_file: /etc/hub/keys/acme_ed25519, known_hosts: /etc/hub/known_hosts},
    #               remote_dir: /placements}
    encryption: {recipient: "0000000000000000000000000000000000000000", sign: true}  # the agency's key
    row_policy: accept-valid-rows   # a bad account is refused alone; the others are placed
    mapping_options:
      agency: {id: ACME, name: ACME Recovery}
      min_balance: "25.00"          # smaller balances are reported, never placed
      acknowledge_within_days: 7    # a file not acknowledged by then is an alert in `hub status`
      # The agency's layout (default: our CSV with a TRAILER row), or fixed width at its positions:
      # layout: {type: fixed-width, record_length: 300, date_format: "%Y%m%d",
      #          fields: {account: [2, 21], name: [22, 61], ssn: [62, 70], balance: [71, 82]},
      #          trailer: {count: [2, 10], total: [11, 25]}}
  recalls:                        # `hub recall ACCOUNT --agency ACME --reason R`, or a CIS extract
    kind: collection-recalls
    enabled: false
    source: {type: folder, path: inbox/recalls, pattern: "*.csv", post_action: archive}
    destination: {type: folder, path: outbox/recalls}
    row_policy: accept-valid-rows
    mapping_options: {agency: {id: ACME, name: ACME Recovery}}
  placement-acks:                 # the agency's acknowledgement of each placement file
    kind: collection-acks
    enabled: false
    source: {type: folder, path: inbox/collections/acks, post_action: archive}
    row_policy: accept-valid-rows
    mapping_options: {agency: {id: ACME, name: ACME Recovery}}
    # Files the agency encrypts and signs: decrypted and its signature checked before they are read
    # decryption: {signer: "<the agency key's fingerprint>", require_signature: true}
  remittances:                    # what the agency collected -> Payment + CollectionCommission
    kind: collection-remittances
    enabled: false
    source: {type: folder, path: inbox/collections/remittances, post_action: archive}
    row_policy: accept-valid-rows
    mapping_options: {agency: {id: ACME, name: ACME Recovery}}
  collection-status:              # bankruptcy, deceased, disputed, paid in full, returned, recalled
    kind: collection-status
    enabled: false
    source: {type: folder, path: inbox/collections/status, post_action: archive}
    row_policy: accept-valid-rows
    mapping_options: {agency: {id: ACME, name: ACME Recovery}}
"""
