"""The baseline of the Green Button bench: the PyPI ``greenbutton-objects`` package parsing a file.

Usage: ``python bench/greenbutton_objects_read.py FILE`` -- prints the number of interval readings
and the sum of their raw values, found through the package's objects (usage points -> meter
readings -> interval readings), as one JSON line.
"""

from __future__ import annotations

import json
import sys

from greenbutton_objects import parse


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: greenbutton_objects_read.py FILE", file=sys.stderr)
        return 2
    readings = value_sum = 0
    for up in parse.parse_feed(argv[0]):
        for mr in up.meterReadings:
            for ir in mr.intervalReadings:
                readings += 1
                value_sum += int(ir.value)
    print(json.dumps({"readings": readings, "value_sum": value_sum}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
