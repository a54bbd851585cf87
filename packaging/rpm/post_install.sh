# As %systemd_post does: a new unit is known to systemd; enabled where the preset says.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -eq 1 ]; then
        systemctl --no-reload preset smtp-sensor.service >/dev/null 2>&1 || :
    fi
fi
