"""BAI2 type codes: what each code on a 03 summary or 16 transaction detail means.

``TYPE_CODES`` maps a three-digit code (a string, leading zeros kept: "010", "115") to a ``TypeCode``
with these columns:

- ``code``: the three digits as written in the file.
- ``level``: "status" (a balance or float figure, 001-099 and the loan balances 701-709; only on 03
  records, may carry a sign), "summary" (a total of the day's items, on 03 records) or "detail" (one
  item, on 16 records). Banks also put summary codes on 16 records; the reader accepts that.
- ``side``: "status" for 001-099, "credit" for 100-399, "debit" for 400-699, "loan" for 700-799,
  "other" for 800-899 (890: non-monetary information) and "custom" for 900-999 (bank-defined). It
  follows from the code's range alone (``side_of``), so codes missing from the table have one too.
- ``meaning``: the BAI name of the code, e.g. "Lockbox Deposit".

For the utility: 115 lockbox deposit (credit, detail) and 116 the items in it, 109/110 lockbox totals,
118 lockbox adjustment credit; 555 deposited item returned (debit, detail) with its total 550; 257
individual ACH return item; 165 preauthorized ACH credit, 166 ACH settlement; 195/495 incoming and
outgoing wires; 301 commercial deposit; 475 check paid; 010/015/040/045 opening and closing ledger and
available balances; 100/400 total credits and debits. Codes outside the table are kept and flagged
(``Bai2Options.unknown_type_codes``); custom codes 900-999 are never flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["status", "summary", "detail"]
Side = Literal["status", "credit", "debit", "loan", "other", "custom"]


@dataclass(frozen=True, slots=True)
class TypeCode:
    code: str
    level: Level
    side: Side
    meaning: str


def is_code(text: str) -> bool:
    """Three ASCII digits, 001-999."""
    return len(text) == 3 and text.isascii() and text.isdigit() and text != "000"


def side_of(code: str) -> Side | None:
    """Credit, debit, loan, other or custom by the code's range; None for a code that is not 001-999."""
    if not is_code(code):
        return None
    n = int(code)
    if n < 100:
        return "status"
    if n < 400:
        return "credit"
    if n < 700:
        return "debit"
    if n < 800:
        return "loan"
    return "other" if n < 900 else "custom"


# code, level (t: status, s: summary, d: detail), meaning; two codes to a line
_TABLE = """
010 t Opening Ledger                                   | 011 t Average Opening Ledger MTD
012 t Average Opening Ledger YTD                       | 015 t Closing Ledger
020 t Average Closing Ledger MTD                       | 021 t Average Closing Ledger - Previous Month
022 t Aggregate Balance Adjustments                    | 024 t Average Closing Ledger YTD - Previous Month
025 t Average Closing Ledger YTD                       | 030 t Current Ledger
037 t ACH Net Position
039 t Opening Available + Total Same-Day ACH DTC Deposit
040 t Opening Available                                | 041 t Average Opening Available MTD
042 t Average Opening Available YTD                    | 043 t Average Available - Previous Month
044 t Disbursing Opening Available Balance             | 045 t Closing Available
050 t Average Closing Available MTD                    | 051 t Average Closing Available - Last Month
054 t Average Closing Available YTD - Last Month       | 055 t Average Closing Available YTD
056 t Loan Balance                                     | 057 t Total Investment Position
059 t Current Available (CRS Suppressed)               | 060 t Current Available
061 t Average Current Available MTD                    | 062 t Average Current Available YTD
063 t Total Float                                      | 065 t Target Balance
066 t Adjusted Balance                                 | 067 t Adjusted Balance MTD
068 t Adjusted Balance YTD                             | 070 t 0-Day Float
072 t 1-Day Float                                      | 073 t Float Adjustment
074 t 2 or More Days Float                             | 075 t 3 or More Days Float
076 t Adjustment to Balances                           | 077 t Average Adjustment to Balances MTD
078 t Average Adjustment to Balances YTD               | 079 t 4-Day Float
080 t 5-Day Float                                      | 081 t 6-Day Float
082 t Average 1-Day Float MTD                          | 083 t Average 1-Day Float YTD
084 t Average 2-Day Float MTD                          | 085 t Average 2-Day Float YTD
086 t Transfer Calculation                             | 100 s Total Credits
101 s Total Credit Amount MTD                          | 105 s Credits Not Detailed
106 s Deposits Subject to Float                        | 107 s Total Adjustment Credits YTD
108 d Credit (Any Type)                                | 109 s Current Day Total Lockbox Deposits
110 s Total Lockbox Deposits                           | 115 d Lockbox Deposit
116 d Item in Lockbox Deposit                          | 118 d Lockbox Adjustment Credit
120 s EDI Transaction Credits                          | 121 d EDI Transaction Credit
122 d EDIBANX Credit Received                          | 123 d EDIBANX Credit Return
130 s Total Concentration Credits                      | 131 s Total DTC Credits
135 d DTC Concentration Credit                         | 136 d Item in DTC Deposit
140 s Total ACH Credits                                | 142 d ACH Credit Received
143 d Item in ACH Deposit                              | 145 d ACH Concentration Credit
146 s Total Bank Card Deposits                         | 147 d Individual Bank Card Deposit
150 s Total Preauthorized Payment Credits              | 155 d Preauthorized Draft Credit
156 d Item in PAC Deposit                              | 160 s Total ACH Disbursing Funding Credits
162 s Corporate Trade Payment Settlement               | 163 s Corporate Trade Payment Credits
164 d Corporate Trade Payment Credit                   | 165 d Preauthorized ACH Credit
166 d ACH Settlement                                   | 167 s ACH Settlement Credits
168 d ACH Return Item or Adjustment Settlement         | 169 d Miscellaneous ACH Credit
170 s Total Other Check Deposits                       | 171 d Individual Loan Deposit
172 d Deposit Correction                               | 173 d Bank-Prepared Deposit
174 d Other Deposit                                    | 175 d Check Deposit Package
176 d Re-presented Check Deposit                       | 178 s List Post Credits
180 s Total Loan Proceeds                              | 182 s Total Bank-Prepared Deposits
184 d Draft Deposit                                    | 185 s Total Miscellaneous Deposits
186 s Total Cash Letter Credits                        | 187 d Cash Letter Credit
188 s Total Cash Letter Adjustments                    | 189 d Cash Letter Adjustment
190 s Total Incoming Money Transfers                   | 191 d Individual Incoming Internal Money Transfer
195 d Incoming Money Transfer                          | 196 d Money Transfer Adjustment
198 d Compensation                                     | 200 s Total Automatic Transfer Credits
201 d Individual Automatic Transfer Credit             | 202 d Bond Operations Credit
205 s Total Book Transfer Credits                      | 206 d Book Transfer Credit
207 s Total International Money Transfer Credits
208 d Individual International Money Transfer Credit   | 210 s Total International Credits
212 d Foreign Letter of Credit                         | 213 d Letter of Credit
214 d Foreign Exchange of Credit                       | 215 s Total Letters of Credit
216 d Foreign Remittance Credit                        | 218 d Foreign Collection Credit
221 d Foreign Check Purchase                           | 222 d Foreign Checks Deposited
224 d Commission                                       | 226 d International Money Market Trading
227 d Standing Order                                   | 229 d Miscellaneous International Credit
230 s Total Security Credits                           | 231 s Total Collection Credits
232 d Sale of Debt Security                            | 233 d Securities Sold
234 d Sale of Equity Security                          | 235 d Matured Reverse Repurchase Order
236 d Maturity of Debt Security                        | 237 d Individual Collection Credit
238 d Collection of Dividends                          | 239 s Total Bankers' Acceptance Credits
240 d Coupon Collections - Banks                       | 241 d Bankers' Acceptances
242 d Collection of Interest Income                    | 243 d Matured Fed Funds Purchased
244 d Interest/Matured Principal Payment               | 245 s Monthly Dividends
246 d Commercial Paper                                 | 247 d Capital Change
248 d Savings Bonds Sales Adjustment                   | 249 d Miscellaneous Security Credit
250 s Total Checks Posted and Returned                 | 251 s Total Debit Reversals
252 d Debit Reversal                                   | 254 d Posting Error Correction Credit
255 d Check Posted and Returned                        | 256 s Total ACH Return Items
257 d Individual ACH Return Item                       | 258 d ACH Reversal Credit
260 s Total Rejected Credits                           | 261 d Individual Rejected Credit
263 d Overdraft                                        | 266 d Return Item
268 d Return Item Adjustment                           | 270 s Total ZBA Credits
271 s Net Zero-Balance Amount                          | 274 d Cumulative ZBA or Disbursement Credits
275 d ZBA Credit                                       | 276 d ZBA Float Adjustment
277 d ZBA Credit Transfer                              | 278 d ZBA Credit Adjustment
280 s Total Controlled Disbursing Credits              | 281 d Individual Controlled Disbursing Credit
285 s Total DTC Disbursing Credits                     | 286 d Individual DTC Disbursing Credit
294 s Total ATM Credits                                | 295 d ATM Credit
301 d Commercial Deposit                               | 302 d Correspondent Bank Deposit
303 s Total Wire Transfers In - FF                     | 304 s Total Wire Transfers In - CHF
305 s Total Fed Funds Sold                             | 306 d Fed Funds Sold
307 s Total Trust Credits                              | 308 d Trust Credit
309 s Total Value-Dated Funds                          | 310 s Total Commercial Deposits
315 s Total International Credits - FF                 | 316 s Total International Credits - CHF
318 s Total Foreign Check Purchased                    | 319 s Late Deposit
320 s Total Securities Sold - FF                       | 321 s Total Securities Sold - CHF
324 s Total Securities Matured - FF                    | 325 s Total Securities Matured - CHF
326 s Total Securities Interest                        | 327 s Total Securities Matured
328 s Total Securities Interest - FF                   | 329 s Total Securities Interest - CHF
330 s Total Escrow Credits                             | 331 d Individual Escrow Credit
332 s Total Miscellaneous Securities Credits - FF      | 336 s Total Miscellaneous Securities Credits - CHF
338 s Total Securities Sold                            | 340 s Total Broker Deposits
341 s Total Broker Deposits - FF                       | 342 d Broker Deposit
343 s Total Broker Deposits - CHF                      | 344 d Individual Back Value Credit
345 d Item in Brokers Deposit                          | 346 d Sweep Interest Income
347 d Sweep Principal Sell                             | 348 d Futures Credit
349 d Principal Payments Credit                        | 350 s Investment Sold
351 d Individual Investment Sold                       | 352 s Total Cash Center Credits
353 d Cash Center Credit                               | 354 d Interest Credit
355 s Investment Interest                              | 356 s Total Credit Adjustment
357 d Credit Adjustment                                | 358 d YTD Adjustment Credit
359 d Interest Adjustment Credit
360 s Total Credits Less Wire Transfer and Returned Checks
361 s Grand Total Credits Less Grand Total Debits      | 362 d Correspondent Collection
363 d Correspondent Collection Adjustment              | 364 d Loan Participation
366 d Currency and Coin Deposited                      | 367 d Food Stamp Letter
368 d Food Stamp Adjustment                            | 369 d Clearing Settlement Credit
370 s Total Back Value Credits                         | 372 d Back Value Adjustment
373 d Customer Payroll                                 | 374 d FRB Statement Recap
376 d Savings Bond Letter or Adjustment                | 377 d Treasury Tax and Loan Credit
378 d Transfer of Treasury Credit                      | 379 d FRB Government Checks Cash Letter Credit
381 d FRB Government Check Adjustment                  | 382 d FRB Postal Money Order Credit
383 d FRB Postal Money Order Adjustment                | 384 d FRB Cash Letter Auto Charge Credit
385 s Total Universal Credits                          | 386 d FRB Cash Letter Auto Charge Adjustment
387 d FRB Fine-Sort Cash Letter Credit                 | 388 d FRB Fine-Sort Adjustment
389 s Total Freight Payment Credits                    | 390 s Total Miscellaneous Credits
391 d Universal Credit                                 | 392 d Freight Payment Credit
393 d Itemized Credit Over $10,000                     | 394 d Cumulative Credits
395 d Check Reversal                                   | 397 d Float Adjustment
398 d Miscellaneous Fee Refund                         | 399 d Miscellaneous Credit
400 s Total Debits                                     | 401 s Total Debit Amount MTD
403 s Today's Total Debits
405 s Total Debit Less Wire Transfers and Charge-Backs | 406 s Debits not Detailed
408 d Float Adjustment                                 | 409 d Debit (Any Type)
410 s Total YTD Adjustment                             | 412 s Total Debits (Excluding Returned Items)
415 d Lockbox Debit                                    | 416 s Total Lockbox Debits
420 s EDI Transaction Debits                           | 421 d EDI Transaction Debit
422 d EDIBANX Settlement Debit                         | 423 d EDIBANX Return Item Debit
430 s Total Payable-Through Drafts                     | 435 d Payable-Through Draft
445 d ACH Concentration Debit                          | 446 s Total ACH Disbursement Funding Debits
447 d ACH Disbursement Funding Debit                   | 450 s Total ACH Debits
451 d ACH Debit Received                               | 452 d Item in ACH Disbursement or Debit
455 d Preauthorized ACH Debit                          | 462 d Account Holder Initiated ACH Debit
463 s Corporate Trade Payment Debits                   | 464 d Corporate Trade Payment Debit
465 s Corporate Trade Payment Settlement               | 466 d ACH Settlement
467 s ACH Settlement Debits                            | 468 d ACH Return Item or Adjustment Settlement
469 d Miscellaneous ACH Debit                          | 470 s Total Check Paid
471 s Total Check Paid - Cumulative MTD                | 472 d Cumulative Checks Paid
474 d Certified Check Debit                            | 475 d Check Paid
476 d Federal Reserve Bank Letter Debit                | 477 d Bank Originated Debit
478 s List Post Debits                                 | 479 d List Post Debit
480 s Total Loan Payments                              | 481 d Individual Loan Payment
482 s Total Bank-Originated Debits                     | 484 d Draft
485 d DTC Debit                                        | 486 s Total Cash Letter Debits
487 d Cash Letter Debit                                | 489 d Cash Letter Adjustment
490 s Total Outgoing Money Transfers                   | 491 d Individual Outgoing Internal Money Transfer
493 d Customer Terminal Initiated Money Transfer       | 495 d Outgoing Money Transfer
496 d Money Transfer Adjustment                        | 498 d Compensation
500 s Total Automatic Transfer Debits                  | 501 d Individual Automatic Transfer Debit
502 d Bond Operations Debit                            | 505 s Total Book Transfer Debits
506 d Book Transfer Debit                              | 507 s Total International Money Transfer Debits
508 d Individual International Money Transfer Debit    | 510 s Total International Debits
512 d Letter of Credit Debit                           | 513 d Letter of Credit
514 d Foreign Exchange Debit                           | 515 s Total Letters of Credit
516 d Foreign Remittance Debit                         | 518 d Foreign Collection Debit
522 d Foreign Checks Paid                              | 524 d Commission
526 d International Money Market Trading               | 527 d Standing Order
529 d Miscellaneous International Debit                | 530 s Total Security Debits
531 d Securities Purchased                             | 532 s Total Amount of Securities Purchased
533 d Security Collection Debit                        | 534 s Total Miscellaneous Securities Debits - FF
535 d Purchase of Equity Securities                    | 536 s Total Miscellaneous Securities Debits - CHF
537 s Total Collection Debit                           | 538 d Matured Repurchase Order
539 s Total Bankers' Acceptances Debit                 | 540 d Coupon Collection Debit
541 d Bankers' Acceptances                             | 542 d Purchase of Debt Securities
543 d Domestic Collection                              | 544 d Interest/Matured Principal Payment
546 d Commercial Paper                                 | 547 d Capital Change
548 d Savings Bonds Sales Adjustment                   | 549 d Miscellaneous Security Debit
550 s Total Deposited Items Returned                   | 551 s Total Credit Reversals
552 d Credit Reversal                                  | 554 d Posting Error Correction Debit
555 d Deposited Item Returned                          | 556 s Total ACH Return Items
557 d Individual ACH Return Item                       | 558 d ACH Reversal Debit
560 s Total Rejected Debits                            | 561 d Individual Rejected Debit
563 d Overdraft                                        | 564 d Overdraft Fee
566 d Return Item                                      | 567 d Return Item Fee
568 d Return Item Adjustment                           | 570 s Total ZBA Debits
574 d Cumulative ZBA Debits                            | 575 d ZBA Debit
577 d ZBA Debit Transfer                               | 578 d ZBA Debit Adjustment
580 s Total Controlled Disbursing Debits               | 581 d Individual Controlled Disbursing Debit
583 s Total Disbursing Checks Paid - Early Amount      | 584 s Total Disbursing Checks Paid - Later Amount
585 s Disbursing Funding Requirement                   | 586 s FRB Presentment Estimate (Fed Estimate)
587 s Late Debits (After Notification)                 | 588 s Total Disbursing Checks Paid - Last Amount
590 s Total DTC Debits                                 | 594 s Total ATM Debits
595 d ATM Debit                                        | 596 s Total ARP Debits
597 d ARP Debit                                        | 601 s Estimated Total Disbursement
602 s Adjusted Total Disbursement                      | 610 s Total Funds Required
611 s Total Wire Transfers Out - CHF                   | 612 s Total Wire Transfers Out - FF
613 s Total International Debit - CHF                  | 614 s Total International Debit - FF
615 s Total Federal Reserve Bank - Commercial Bank Debit
616 d Federal Reserve Bank - Commercial Bank Debit     | 617 s Total Securities Purchased - CHF
618 s Total Securities Purchased - FF                  | 621 s Total Broker Debits - CHF
622 d Broker Debit                                     | 623 s Total Broker Debits - FF
625 s Total Broker Debits                              | 626 s Total Fed Funds Purchased
627 d Fed Funds Purchased                              | 628 s Total Cash Center Debits
629 d Cash Center Debit                                | 630 s Total Debit Adjustments
631 d Debit Adjustment                                 | 632 s Total Trust Debits
633 d Trust Debit                                      | 634 d YTD Adjustment Debit
640 s Total Escrow Debits                              | 641 d Individual Escrow Debit
644 d Individual Back Value Debit                      | 646 d Transfer Calculation Debit
650 s Investments Purchased                            | 651 d Individual Investment Purchased
654 d Interest Debit                                   | 655 s Total Investment Interest Debits
656 d Sweep Principal Buy                              | 657 d Futures Debit
658 d Principal Payments Debit                         | 659 d Interest Adjustment Debit
661 d Account Analysis Fee                             | 662 d Correspondent Collection Debit
663 d Correspondent Collection Adjustment              | 664 d Loan Participation
665 s Intercept Debits                                 | 666 d Currency and Coin Shipped
667 d Food Stamp Letter                                | 668 d Food Stamp Adjustment
669 d Clearing Settlement Debit                        | 670 s Total Back Value Debits
672 d Back Value Adjustment                            | 673 d Customer Payroll
674 d FRB Statement Recap                              | 676 d Savings Bond Letter or Adjustment
677 d Treasury Tax and Loan Debit                      | 678 d Transfer of Treasury Debit
679 d FRB Government Checks Cash Letter Debit          | 681 d FRB Government Check Adjustment
682 d FRB Postal Money Order Debit                     | 683 d FRB Postal Money Order Adjustment
684 d FRB Cash Letter Auto Charge Debit                | 685 s Total Universal Debits
686 d FRB Cash Letter Auto Charge Adjustment           | 687 d FRB Fine-Sort Cash Letter Debit
688 d FRB Fine-Sort Adjustment                         | 689 s FRB Freight Payment Debits
690 s Total Miscellaneous Debits                       | 691 d Universal Debit
692 d Freight Payment Debit                            | 693 d Itemized Debit Over $10,000
694 d Deposit Reversal                                 | 695 d Deposit Correction Debit
696 d Regular Collection Debit                         | 697 d Cumulative Debits
698 d Miscellaneous Fees                               | 699 d Miscellaneous Debit
701 t Principal Loan Balance                           | 703 t Available Commitment Amount
705 t Payment Amount Due                               | 707 t Principal Amount Past Due
709 t Interest Amount Past Due                         | 720 s Total Loan Payment
721 d Amount Applied to Interest                       | 722 d Amount Applied to Principal
723 d Amount Applied to Escrow                         | 724 d Amount Applied to Late Charges
725 d Amount Applied to Buydown                        | 726 d Amount Applied to Misc. Fees
727 d Amount Applied to Deferred Interest Detail       | 728 d Amount Applied to Service Charge
760 s Loan Disbursement                                | 890 d Contains Non-monetary Information
"""

_LEVELS: dict[str, Level] = {"t": "status", "s": "summary", "d": "detail"}


def _table() -> dict[str, TypeCode]:
    out: dict[str, TypeCode] = {}
    for row in _TABLE.strip().splitlines():
        for cell in row.split(" | "):
            code, level, meaning = cell.strip().split(" ", 2)
            side = side_of(code)
            assert side is not None and code not in out, cell
            out[code] = TypeCode(code, _LEVELS[level], side, meaning)
    return out


TYPE_CODES: dict[str, TypeCode] = _table()


def meaning(code: str) -> str | None:
    found = TYPE_CODES.get(code)
    return found.meaning if found else None
