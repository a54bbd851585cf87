# As %systemd_postun_with_restart does: after an upgrade, restart a running prober.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart smtp-sensor.service >/dev/null 2>&1 || :
    fi
fi
