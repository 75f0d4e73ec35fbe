# On the kiosk PC, as Administrator, from the folder that holds the built `kiosk` folder:
#
#     powershell -ExecutionPolicy Bypass -File install-kiosk.ps1 [-KioskUser kiosk]
#
# Copies the app to C:\Program Files\LobbyKiosk, starts it at the kiosk user's logon
# (a scheduled task), keeps the PC and the screen awake while on mains power, and writes
# an example config for the kiosk user if there is none. Data and config stay in the
# user's %LOCALAPPDATA%\lobby-kiosk: a new version copied over the old keeps them.
param(
    [string]$KioskUser = $env:USERNAME,
    [string]$Source = (Join-Path $PSScriptRoot "kiosk"),
    [string]$Target = "C:\Program Files\LobbyKiosk"
)
$ErrorActionPreference = "Stop"

if (-not (Test-Path (Join-Path $Source "kiosk.exe"))) { throw "no kiosk.exe in $Source" }

# 1. The app. A running kiosk holds its files open: stop it first (the day's tickets are
#    committed before printing; nothing is lost by stopping between visitors).
Get-Process kiosk -ErrorAction SilentlyContinue | Stop-Process -Force
if (Test-Path $Target) { Remove-Item -Recurse -Force $Target }
Copy-Item -Recurse $Source $Target

# 2. Autostart: a scheduled task at the kiosk user's logon, restarted if it crashes.
$action = New-ScheduledTaskAction -Execute (Join-Path $Target "kiosk.exe")
$trigger = New-ScheduledTaskTrigger -AtLogOn -User $KioskUser
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries `
    -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 99 -RestartInterval (New-TimeSpan -Minutes 1)
$principal = New-ScheduledTaskPrincipal -UserId $KioskUser -LogonType Interactive -RunLevel Limited
Register-ScheduledTask -TaskName "LobbyKiosk" -Action $action -Trigger $trigger `
    -Settings $settings -Principal $principal -Force | Out-Null

# 3. Never sleep, never turn the screen off on mains power (the kiosk also asks Windows
#    to keep the display on while it runs).
powercfg /change standby-timeout-ac 0
powercfg /change monitor-timeout-ac 0
powercfg /change hibernate-timeout-ac 0

Write-Host "Installed in $Target; the kiosk starts when $KioskUser logs on."
Write-Host "As $KioskUser: `"$Target\kiosk-console.exe`" config init, edit the file it names, then"
Write-Host "`"$Target\kiosk-console.exe`" check"
