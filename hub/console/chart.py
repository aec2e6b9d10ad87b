"""An exchange's volumes as an inline SVG drawn on the server (no JavaScript): three stacked
panels (files, rows delivered, rows rejected), one bar a day. Each panel is labelled in text and
filled with its own pattern (solid, hatched, dotted), so nothing depends on colour; every bar
carries its day and value (``<title>`` and ``data-`` attributes) and the page shows the same
numbers as a table."""

from __future__ import annotations

from markupsafe import Markup, escape

from hub.engine.volumes import ExchangeVolumes

SERIES = (("files", "Files"), ("delivered", "Rows delivered"), ("rejected", "Rows rejected"))
BAR, GAP, PANEL, LABEL, LEFT = 9, 2, 56, 18, 8


def _defs(uid: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{uid}-delivered" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="3" height="6" fill="#1b5e20"/></pattern>'
        f'<pattern id="{uid}-rejected" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.6" fill="#9b1c1c"/>'
        "</pattern></defs>"
    )


def volume_chart(vol: ExchangeVolumes) -> Markup:
    """The SVG of one exchange's days (oldest left)."""
    uid = "v-" + "".join(c if c.isalnum() else "-" for c in vol.exchange)
    width = LEFT * 2 + len(vol.days) * (BAR + GAP)
    height = len(SERIES) * (PANEL + LABEL) + 16
    fills = {"files": "#1d3557", "delivered": f"url(#{uid}-delivered)", "rejected": f"url(#{uid}-rejected)"}
    name = escape(vol.exchange)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" aria-labelledby="{uid}-t" class="volumes">',
        f'<title id="{uid}-t">{name}: files, rows delivered and rows rejected per day</title>',
        _defs(uid),
    ]
    for i, (key, label) in enumerate(SERIES):
        top = i * (PANEL + LABEL)
        values = [int(getattr(d, key)) for d in vol.days]
        most = max(values, default=0)
        parts.append(
            f'<text x="{LEFT}" y="{top + 13}" font-size="12" fill="#111">{label}'
            f" (highest {most:,} a day)</text>"
        )
        base = top + LABEL + PANEL
        parts.append(f'<line x1="{LEFT}" y1="{base}" x2="{width - LEFT}" y2="{base}" stroke="#555"/>')
        for j, (day, value) in enumerate(zip(vol.days, values, strict=True)):
            if not value:
                continue
            h = max(1, round(PANEL * value / most))
            x = LEFT + j * (BAR + GAP)
            parts.append(
                f'<rect x="{x}" y="{base - h}" width="{BAR}" height="{h}" fill="{fills[key]}"'
                f' stroke="#111" stroke-width="0.5" data-series="{key}" data-day="{day.day.isoformat()}"'
                f' data-value="{value}">'
                f"<title>{day.day.isoformat()}: {value:,} {label.lower()}</title></rect>"
            )
    if vol.days:
        y = height - 3
        parts.append(f'<text x="{LEFT}" y="{y}" font-size="11">{vol.days[0].day.isoformat()}</text>')
        parts.append(
            f'<text x="{width - LEFT}" y="{y}" font-size="11" text-anchor="end">'
            f"{vol.days[-1].day.isoformat()}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
