"""The commented default ``hub.yaml`` that ``hub init`` writes (every key shows its default)."""

from __future__ import annotations

DEFAULT_CONFIG = """\
# Utility Exchange Hub configuration.
# Every key below shows its default; delete what you do not change. Secrets (passwords, keys)
# never go in this file: name an environment variable or a file that holds them.
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
  settle_seconds: 1   # after a folder event, wait this long before looking
  log_format: text    # text | json (one object per line, for log shippers)

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
"""
