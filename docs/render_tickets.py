"""Render sample tickets in both modes to docs/tickets/*.png (and their .bin bytes).

    .venv/bin/python docs/render_tickets.py [--out DIR]

Goes through the preview printer, the same path as demo mode: image tickets are the
rendered image, native tickets are their bytes played back with the bundled font.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault(
    "ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(tempfile.gettempdir(), "docs-escpos")
)
os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)

from printer.preview import PreviewTicketPrinter  # noqa: E402
from printer.samples import sample_ticket  # noqa: E402
from printer.ticket import TicketFonts  # noqa: E402

#: name -> (paper mm, profile, priority, reprint)
SAMPLES = {
    "80mm-normal": (80, "TM-T20II", False, False),
    "80mm-priority": (80, "TM-T20II", True, False),
    "58mm-priority-reprint": (58, "POS-5890", True, True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "tickets")
    args = parser.parse_args(argv)
    fonts = TicketFonts.from_dir(ROOT / "assets" / "fonts")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (paper_mm, profile, priority, reprint) in SAMPLES.items():
            width = 576 if paper_mm == 80 else 384
            for mode in ("image", "native"):
                printer = PreviewTicketPrinter(tmp, width, fonts, profile=profile, mode=mode)
                printer.print_ticket(sample_ticket(priority=priority, reprint=reprint))
                assert printer.last_png is not None and printer.last_bin is not None
                stem = f"ticket-{name}" + ("-native" if mode == "native" else "")
                png, data = args.out / f"{stem}.png", printer.last_bin.read_bytes()
                printer.last_png.replace(png)
                if mode == "native":
                    (args.out / f"{stem}.bin").write_bytes(data)
                print(f"{png}  {mode:<6} {len(data):>6,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
