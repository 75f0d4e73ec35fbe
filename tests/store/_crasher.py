"""Run by the crash test: issue tickets forever, printing each number once it is committed."""

import sys
from pathlib import Path

from kiosk.domain.clock import SystemClock
from kiosk.domain.ticket import TicketRequest
from kiosk.store.db import Database
from kiosk.store.tickets import issue_ticket


def main() -> None:
    db = Database(Path(sys.argv[1]))
    clock = SystemClock()
    while True:
        ticket = issue_ticket(db, clock, TicketRequest("medical_insurance", "A"), kiosk_id="K01")
        print(ticket.number, flush=True)  # the number is "on paper" only after the commit


if __name__ == "__main__":
    main()
