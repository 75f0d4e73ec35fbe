# Build the frozen kiosk on Windows: dist\kiosk\ (kiosk.exe for the screen,
# kiosk-console.exe for the technician's commands), then run its self-test.
#
#     powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs Python 3.11 (64-bit, from python.org, "py" launcher) and an internet connection to
# PyPI. The build environment (build\venv) holds only the runtime dependencies and
# PyInstaller, as on Linux (python -m kiosk.bootstrap build does the same steps).
$ErrorActionPreference = "Stop"
$root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $root

$python = "py"
& $python -3.11 --version
if ($LASTEXITCODE -ne 0) { throw "Python 3.11 (64-bit) is needed: https://www.python.org/downloads/windows/" }

# Same build step as Linux: clean venv, PyInstaller from kiosk.spec, size report.
& $python -3.11 -m kiosk.bootstrap build
if ($LASTEXITCODE -ne 0) { throw "build failed (exit $LASTEXITCODE)" }

$console = Join-Path $root "dist\kiosk\kiosk-console.exe"
& $console --self-test
if ($LASTEXITCODE -ne 0) { throw "the frozen kiosk's self-test failed: see the FAIL lines above" }

$size = (Get-ChildItem -Recurse (Join-Path $root "dist\kiosk") | Measure-Object -Sum Length).Sum / 1MB
Write-Host ("dist\kiosk: {0:N0} MB; copy the whole folder to C:\Program Files\LobbyKiosk on the kiosk PC" -f $size)
