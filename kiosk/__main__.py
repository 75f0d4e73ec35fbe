import sys

if sys.argv[1:2] == ["--roster-worker"]:  # a frozen kiosk serving as a roster worker
    from roster.format import serve_frozen_worker

    serve_frozen_worker()
    sys.exit(0)

from kiosk.cli import main

sys.exit(main())
