"""Run in a separate process by the concurrency test: issue N tickets, print their numbers."""

import sys
from pathlib import Path

from kiosk.domain.clock import SystemClock
from kiosk.domain.ticket import TicketRequest
from kiosk.store.db import Database
from kiosk.store.tickets import issue_ticket


def main() -> None:
    path, count, kiosk_id = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    db = Database(path)
    clock = SystemClock()
    sys.stdin.readline()  # start line: all processes begin together
    numbers = []
    for i in range(count):
        priority = i % 3 == 0
        request = TicketRequest("medical_insurance", "A", priority=priority)
        numbers.append(issue_ticket(db, clock, request, kiosk_id=kiosk_id).number)
    print("\n".join(numbers), flush=True)


if __name__ == "__main__":
    main()
