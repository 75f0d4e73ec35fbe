"""ECharts options for the day report (plain JSON, drawn by the vendored ECharts)."""

from __future__ import annotations

from typing import Any

from hall.usecases.boards import ServiceName
from hall.usecases.charts import RangeReport
from hall.usecases.ratings import LEVELS

_PALETTE = ["#1f6fb2", "#e07b00", "#2a9d5c", "#b23a48", "#6b4fbb", "#00838f", "#8d6e63"]


def _label(names: dict[str, ServiceName], code: str) -> str:
    name = names.get(code)
    return name.zh if name else code


def chart_options(report: RangeReport, names: dict[str, ServiceName]) -> dict[str, Any]:
    hours = sorted({h for counts in report.by_hour.values() for h in counts}) or list(range(8, 18))
    base: dict[str, Any] = {"color": _PALETTE, "animation": False, "tooltip": {}}
    per_hour = {
        **base,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"top": 40, "left": 40, "right": 16, "bottom": 30},
        "xAxis": {"type": "category", "data": [f"{h:02d}:00" for h in hours]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _label(names, code),
                "type": "bar",
                "stack": "tickets",
                "data": [counts.get(h, 0) for h in hours],
            }
            for code, counts in sorted(report.by_hour.items())
        ],
    }
    services = sorted(report.by_service)
    per_service = {
        **base,
        "grid": {"top": 20, "left": 110, "right": 30, "bottom": 30},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [_label(names, c) for c in services]},
        "series": [
            {
                "type": "bar",
                "data": [report.by_service[c] for c in services],
                "label": {"show": True, "position": "right"},
            }
        ],
    }
    priority = {
        **base,
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "label": {"formatter": "{b}\n{c} ({d}%)"},
                "data": [
                    {"name": "绿色通道 L", "value": report.priority},
                    {"name": "普通 Normal", "value": report.tickets - report.priority},
                ],
            }
        ],
    }
    categories = {
        **base,
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "pie",
                "radius": "62%",
                "label": {"formatter": "{b}\n{c}"},
                "data": [
                    {"name": name.split(" (")[0], "value": n}
                    for name, n in report.by_category.most_common()
                ],
            }
        ],
    }
    wait_codes = sorted(report.waits)
    waits = {
        **base,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"top": 40, "left": 40, "right": 16, "bottom": 30},
        "xAxis": {"type": "category", "data": [_label(names, c) for c in wait_codes]},
        "yAxis": {"type": "value", "name": "分钟 min"},
        "series": [
            {
                "name": "中位数 median",
                "type": "bar",
                "data": [_round(report.waits[c].median_min) for c in wait_codes],
            },
            {
                "name": "P90",
                "type": "bar",
                "data": [_round(report.waits[c].p90_min) for c in wait_codes],
            },
        ],
    }
    kiosks = sorted(set(report.print_failures) | set(report.printer_alarms))
    printing = {
        **base,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"top": 40, "left": 40, "right": 16, "bottom": 30},
        "xAxis": {"type": "category", "data": kiosks},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": "打印失败 failures", "type": "bar",
             "data": [report.print_failures[k] for k in kiosks]},
            {"name": "打印机告警 alarms", "type": "bar",
             "data": [report.printer_alarms[k] for k in kiosks]},
            {"name": "补打 reprints", "type": "bar", "data": [report.reprints[k] for k in kiosks]},
        ],
    }  # fmt: skip
    levels = list(range(5, 0, -1))
    ratings = {
        **base,
        "color": ["#2a9d5c", "#7cb342", "#c0ca33", "#fb8c00", "#c62828"],
        "grid": {"top": 20, "left": 90, "right": 30, "bottom": 30},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [LEVELS[lv][0] for lv in levels]},
        "series": [
            {
                "type": "bar",
                "colorBy": "data",
                "data": [report.ratings[lv] for lv in levels],
                "label": {"show": True, "position": "right"},
            }
        ],
    }
    return {
        "per_hour": per_hour,
        "per_service": per_service,
        "priority": priority,
        "categories": categories,
        "waits": waits,
        "printing": printing,
        "ratings": ratings,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
