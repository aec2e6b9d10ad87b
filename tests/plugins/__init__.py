"""The example exchange kinds of docs/adding-an-exchange.md, built and tested as plug-ins of a site's
own (registered with ``formats:`` and ``kinds:`` lines of hub.yaml): a small partner CSV format, an
inbound kind (paperless-billing enrollments -> ``PaperlessEnrollment``) and an outbound kind (a CIS
extract of bill notices -> the print vendor's file)."""
