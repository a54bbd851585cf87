# As %systemd_preun does: on removal (not upgrade), stop and disable the prober.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl --no-reload disable --now smtp-sensor.service >/dev/null 2>&1 || :
fi
