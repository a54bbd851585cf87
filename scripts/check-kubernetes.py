"""The Kubernetes examples' Operator objects against the Operator's CRDs, and the examples
against each other. Run by scripts/check-kubernetes (with kubernetes-validate's Python,
which has PyYAML and jsonschema):

    python check-kubernetes.py EXAMPLES_DIR CRD_DIR

- probe.yaml and servicemonitor.yaml validate against the `v1` openAPIV3Schema of the
  vendored CRDs, with unknown fields refused (as the API server's strict field validation
  does; the schemas do not say so themselves);
- the Probe and scrape-config.yml describe the same job: job name, module, path, prober
  address, targets, interval and timeout;
- the prober address is the Service's, the Service's port reaches the container's, the
  module exists in the ConfigMap's sensors file and its `targets` cover every probed target;
- the Deployment reads the ConfigMap's file at the path it mounts it, runs as the image's
  user, and checks /-/healthy and /-/ready.
Each disagreement is printed; the exit code is 1 when there is one.
"""

import copy
import fnmatch
import re
import sys
import tomllib
from pathlib import Path

import jsonschema
import yaml

problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


def strict(schema):
    """The schema with unknown fields refused wherever it lists the known ones."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def crd_schema(crd_dir, kind):
    for path in sorted(Path(crd_dir).glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        if crd["spec"]["names"]["kind"] == kind:
            for version in crd["spec"]["versions"]:
                if version["name"] == "v1":
                    return strict(version["schema"]["openAPIV3Schema"])
    sys.exit(f"check-kubernetes: no v1 CRD for {kind} in {crd_dir}")


def validate(path, crd_dir):
    document = yaml.safe_load(path.read_text())
    check(
        document.get("apiVersion") == "monitoring.coreos.com/v1",
        f"{path.name}: apiVersion is {document.get('apiVersion')!r}, not monitoring.coreos.com/v1",
    )
    validator = jsonschema.Draft7Validator(crd_schema(crd_dir, document["kind"]))
    for error in validator.iter_errors(document):
        where = ".".join(str(p) for p in error.absolute_path) or "(top)"
        check(False, f"{path.name}: {where}: {error.message}")
    return document


def target_allowed(target, patterns):
    """A module's `targets` entry (host glob, port or *) allows HOST:PORT."""
    host, _, port = target.rpartition(":")
    for pattern in patterns:
        p_host, _, p_port = pattern.rpartition(":")
        if fnmatch.fnmatchcase(host, p_host) and p_port in ("*", port):
            return True
    return False


def main(examples, crd_dir):
    examples = Path(examples)
    probe = validate(examples / "probe.yaml", crd_dir)
    monitor = validate(examples / "servicemonitor.yaml", crd_dir)
    scrape = yaml.safe_load((examples / "scrape-config.yml").read_text())
    service = yaml.safe_load((examples / "service.yaml").read_text())
    deployment = yaml.safe_load((examples / "deployment.yaml").read_text())
    configmap = yaml.safe_load((examples / "configmap.yaml").read_text())

    # The Probe and the plain scrape configuration: one job.
    spec = probe["spec"]
    job = next(j for j in scrape["scrape_configs"] if j["job_name"] == spec["jobName"])
    check(job["metrics_path"] == spec["prober"]["path"], "the Probe's path differs from the scrape job's")
    check(job.get("scheme", "http") == spec["prober"]["scheme"], "the Probe's scheme differs")
    check(job["params"]["module"] == [spec.get("module")], "the Probe's module differs from the scrape job's")
    address = next(r for r in job["relabel_configs"] if r["target_label"] == "__address__")
    check(address["replacement"] == spec["prober"]["url"], "the Probe's prober url differs from the scrape job's __address__")
    targets = [t for c in job["static_configs"] for t in c["targets"]]
    check(targets == spec["targets"]["staticConfig"]["static"], "the Probe's targets differ from the scrape job's")
    check(scrape["global"]["scrape_interval"] == spec.get("interval"), "the Probe's interval differs from the scrape interval")
    check(scrape["global"]["scrape_timeout"] == spec.get("scrapeTimeout"), "the Probe's scrapeTimeout differs")

    # The prober's address is the Service's, which reaches the container's port.
    meta = service["metadata"]
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    host, _, port = spec["prober"]["url"].rpartition(":")
    check(host == f"{meta['name']}.{meta['namespace']}.svc", f"the prober url {spec['prober']['url']} is not the Service's name")
    check(int(port) in [p["port"] for p in ports.values()], f"the Service has no port {port}")
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for p in ports.values():
        check(p["targetPort"] in container_ports, f"the Service's targetPort {p['targetPort']} is no container port")
    check(container_ports.get("http") == 10587, "the container's port http is not 10587 (serve's default)")
    labels = pod["metadata"]["labels"]
    check(
        all(labels.get(k) == v for k, v in service["spec"]["selector"].items()),
        "the Service's selector does not select the Deployment's pods",
    )
    check(
        all(meta["labels"].get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items()),
        "the ServiceMonitor does not select the Service",
    )
    check(all(e["port"] in ports for e in monitor["spec"]["endpoints"]), "the ServiceMonitor names a port the Service lacks")

    # The module exists in the mounted sensors file and may probe every target.
    args = container["args"]
    config = Path(args[args.index("--config") + 1])
    mount = next(m for m in container["volumeMounts"] if m["name"] == "config")
    check(str(config.parent) == mount["mountPath"], f"--config {config} is not in the mount {mount['mountPath']}")
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "config")
    check(volume["configMap"]["name"] == configmap["metadata"]["name"], "the config volume is not the ConfigMap")
    check(config.name in configmap["data"], f"the ConfigMap has no {config.name}")
    sensors = tomllib.loads(configmap["data"].get(config.name, ""))["sensors"]
    module = sensors.get(spec.get("module"))
    check(module is not None, f"the sensors file has no module {spec.get('module')}")
    for target in targets:
        check(
            module is not None and target_allowed(target, module.get("targets", [])),
            f"the module {spec.get('module')}'s targets do not allow {target} (the prober would answer 403)",
        )

    # The Deployment: the image's user, the health endpoints, hardened.
    image_script = (Path(__file__).parent / "image").read_text()
    uid = int(re.search(r"^uid=(\d+)$", image_script, re.M).group(1))
    check(pod["spec"]["securityContext"]["runAsUser"] == uid, f"runAsUser is not the image's user {uid}")
    check(container["livenessProbe"]["httpGet"]["path"] == "/-/healthy", "liveness is not /-/healthy")
    check(container["readinessProbe"]["httpGet"]["path"] == "/-/ready", "readiness is not /-/ready")
    hardening = container["securityContext"]
    check(hardening.get("readOnlyRootFilesystem") is True, "the root file system is not read-only")
    check(hardening.get("allowPrivilegeEscalation") is False, "privilege escalation is allowed")
    check(hardening.get("capabilities", {}).get("drop") == ["ALL"], "not every capability is dropped")
    check(pod["spec"]["securityContext"].get("seccompProfile", {}).get("type") == "RuntimeDefault", "no RuntimeDefault seccomp profile")

    for problem in problems:
        print(f"check-kubernetes: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
