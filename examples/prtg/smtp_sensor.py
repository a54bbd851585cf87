"""PRTG Script v2 sensor for smtp-sensor, for PRTG versions whose Script v2 runs Python.

Copy it into the probe's Script v2 scripts folder and give the `check` flags as the
sensor's parameters, e.g. `--host %host --port 25 --security starttls --warning 500ms`.
It hands PRTG smtp-sensor's `--format prtg-v2` output unchanged; SMTP_SENSOR names the
binary when it is not /usr/local/bin/smtp-sensor.
"""

import json
import os
import subprocess
import sys

binary = os.environ.get("SMTP_SENSOR", "/usr/local/bin/smtp-sensor")
try:
    run = subprocess.run(
        [binary, "check", "--format", "prtg-v2", *sys.argv[1:]],
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stdout.write(run.stdout)
except OSError as error:
    message = f"cannot run {binary}: {error}"
    print(json.dumps({"version": 2, "status": "error", "message": message[:2000]}))
