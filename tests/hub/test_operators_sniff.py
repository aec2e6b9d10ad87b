"""Each format recognises its own files and no other's (``Format.sniff``): a file is never hinted
to be in another format when it is in its exchange's own, and is named right when it is not."""

from __future__ import annotations

import pytest

from hub.engine.sample import meter_reads_csv
from hub.engine.sample_placements import placement_extract_csv
from hub.engine.sample_pledges import pledges_csv
from hub.engine.sniff import wrong_format
from tests.hub.test_ach_returns_e2e import returns_file
from tests.hub.test_lockbox_e2e import transmission

BAI2 = b"01,BANK,UTILITY,261120,0600,1,,,2/\n02,UTILITY,BANK,1,261119,,USD,2/\n98,0,0,1/\n99,0,0,1/\n"
SAMPLES = {
    "nacha": (returns_file(), "NACHA"),
    "lockbox": (transmission(), "lockbox"),
    "bai2": (BAI2, "BAI2"),
    "meter-reads": (meter_reads_csv(5, seed=1), "meter-read CSV"),
    "pledges": (pledges_csv(5, seed=1), "pledges CSV"),
    "placement-extract": (placement_extract_csv(5, seed=1), "placement extract CSV"),
}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_a_file_of_the_exchanges_own_format_gets_no_hint(fmt: str) -> None:
    data, _ = SAMPLES[fmt]
    assert wrong_format(data, fmt, f"exchange {fmt}") is None


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_a_file_read_as_another_format_is_named_for_what_it_is(fmt: str) -> None:
    data, title = SAMPLES[fmt]
    for other in sorted(set(SAMPLES) - {fmt}):
        hint = wrong_format(data, other, f"exchange {other}")
        assert hint is not None and hint.rule == "wrong-format"
        assert hint.message.startswith(f"this looks like a {title} file (")
        assert hint.message.endswith(f"; exchange {other} reads {SAMPLES[other][1]}")
