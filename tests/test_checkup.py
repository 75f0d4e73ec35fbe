"""`kiosk check` against real parts: a simulated reader on a pty, a closed printer port."""

import socket
from pathlib import Path

from idreader.simulator import ReaderSimulator
from kiosk.checkup import report, run_checks
from kiosk.config import Config, KioskSection, LoadedConfig, PrinterSection, ReaderSection


def loaded(tmp_path: Path, **sections) -> LoadedConfig:
    kiosk = KioskSection(data_dir=tmp_path / "data", log_dir=tmp_path / "logs")
    return LoadedConfig(
        Config(kiosk=kiosk, **sections), source=None, demo=False, key_folder=tmp_path / "keys"
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


def test_everything_fine_with_a_reader_on_its_port(tmp_path):
    with ReaderSimulator() as sim:
        config = loaded(
            tmp_path,
            printer=PrinterSection(transport="preview", preview_dir=tmp_path / "p"),
            reader=ReaderSection(mode="serial", port=sim.port),
        )
        results = {r.name: r for r in run_checks(config)}
    assert results["ID reader"].level == "OK" and sim.port in results["ID reader"].detail
    assert results["printer"].level == "OK"
    assert results["config"].level == "OK"
    assert results["voice"].level == "OK"
    assert results["database"].level == "WARN"  # no roster yet: said, not hidden


def test_unreachable_printer_and_silent_port_fail_with_reasons(tmp_path):
    with ReaderSimulator() as sim:
        sim.go_silent()
        config = loaded(
            tmp_path,
            printer=PrinterSection(
                transport="network", host="127.0.0.1", port=closed_port(), timeout_s=0.5
            ),
            reader=ReaderSection(mode="serial", port=sim.port),
        )
        results = run_checks(config)
    by_name = {r.name: r for r in results}
    assert by_name["printer"].level == "FAIL" and "offline" in by_name["printer"].detail
    assert (
        by_name["ID reader"].level == "FAIL" and "no reader answered" in by_name["ID reader"].detail
    )
    text = report(results)
    assert text.count("FAIL") == 2


def test_a_roster_whose_key_is_gone_fails_the_check(tmp_path):
    from kiosk.domain.clock import SystemClock
    from kiosk.storage import open_kiosk_database
    from kiosk.store.roster import import_roster_file

    config = loaded(tmp_path, printer=PrinterSection(transport="preview"))
    roster = tmp_path / "r.csv"
    roster.write_text("id_number,category,valid_to\n11010519491231002X,低保,\n", encoding="utf-8")
    db = open_kiosk_database(config)
    try:
        import_roster_file(db, roster, clock=SystemClock())
        (key_id,) = [n for n in db.keys.names() if n.startswith("roster-")]
    finally:
        db.close()
    by_name = {r.name: r for r in run_checks(config)}
    assert by_name["database"].level == "OK" and "keys in" in by_name["database"].detail
    (config.key_dir / f"{key_id}.key").unlink()  # a restored backup without the config folder
    by_name = {r.name: r for r in run_checks(config)}
    assert by_name["database"].level == "FAIL" and "key is missing" in by_name["database"].detail
