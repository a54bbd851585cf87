// Runs one check with the smtp-sensor component in Node.js, through jco:
//
//   smtp-sensor component --output smtp-sensor.wasm
//   npx jco transpile smtp-sensor.wasm -o out
//   node check.mjs HOST PORT SECURITY [CA.pem]
//
// SECURITY is one of none, starttls-if-available, tls-if-available, starttls, tls; CA.pem
// adds a CA to the built-in roots. HOST written `domain:example.com` asks for a mail
// domain's check, which needs DNS from smtp-sensor's own host: here it ends down saying so. Prints the status and the message, and exits as a Nagios
// plugin does (0 up, 1 warning, 2 down). The WASI imports come from jco's preview2-shim,
// which gives the component the network as it is: this host does not sandbox it.
import { readFileSync } from 'node:fs';
import { check } from './out/smtp-sensor.js';

const [target, port, security, caFile] = process.argv.slice(2);
const domain = target?.startsWith('domain:');
const host = domain ? target.slice('domain:'.length) : target;
if (!host || !port || !security) {
  console.error('usage: node check.mjs HOST PORT SECURITY [CA.pem]');
  process.exit(3);
}

/** The DER certificates of a PEM file. */
function derCertificates(pem) {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => {
    const base64 = block.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    return new Uint8Array(Buffer.from(base64, 'base64'));
  });
}

const result = check({
  host,
  port: Number(port),
  timeoutSeconds: 10,
  helo: 'probe.example',
  security,
  ipVersion: 'any',
  tls: {
    trustedCertificates: caFile ? derCertificates(readFileSync(caFile, 'utf8')) : [],
    verify: true,
    certificateWarningDays: 14,
    certificateCriticalDays: 0,
    minVersion: 'tls12',
    builtinRoots: true,
  },
  keepTranscript: false,
  expect: { extensions: [], missIsWarning: false },
  domain: domain ? { maxAgeWarningSeconds: 604800 } : undefined,
});
console.log(`${result.status}: ${result.message}`);
process.exit({ up: 0, warning: 1, down: 2 }[result.status] ?? 3);
