//! The README's comparison, asserted: Postfix's own `posttls-finger -l dane`, a DANE
//! sender's verdict, and smtp-sensor's agree on every DANE case of the test world (see
//! `smtp_sensor_tests::posttls_finger`): where posttls-finger would deliver, smtp-sensor's
//! MX host is not refused by DANE, and where it defers, smtp-sensor says down.

use super::SMTP_SENSOR;
use smtp_sensor_tests::posttls_finger::compare;

#[tokio::test(flavor = "multi_thread")]
async fn posttls_finger_and_smtp_sensor_agree_on_every_dane_case() {
    let (rows, domains) = compare(SMTP_SENSOR).await.expect("the comparison runs");
    let table: Vec<String> = rows
        .iter()
        .map(|r| format!("{}: {} | {:?}", r.case, r.finger.summary, r.sensor))
        .collect();
    let table = table.join("\n");
    assert_eq!(rows.len(), 11, "{table}");
    for row in &rows {
        assert!(
            !row.finger.summary.starts_with("other") && !row.finger.summary.starts_with("cannot"),
            "posttls-finger's outcome must be recognised: {}\n{}",
            row.case,
            row.finger.lines.join("\n")
        );
        assert_eq!(
            row.finger_delivers(),
            row.sensor_delivers(),
            "{} disagrees:\n{table}\n{}",
            row.case,
            row.finger.lines.join("\n")
        );
    }
    // Where they differ by design: warnings of what posttls-finger accepts today.
    let sensor = |case: &str| {
        let row = rows.iter().find(|r| r.case == case).expect(case);
        row.sensor.clone()
    };
    assert_eq!(sensor("1 1 1 (PKIX) only").0, "warning", "{table}");
    assert_eq!(sensor("3 1 1 matching").2, "matched", "{table}");
    assert_eq!(sensor("3 1 1 of a rolled key").2, "not-matched", "{table}");
    assert_eq!(sensor("TLSA tampered").2, "bogus", "{table}");
    let expiring = domains
        .iter()
        .find(|d| d.domain.starts_with("finger-expiring"))
        .expect("the expiring domain");
    assert_eq!(expiring.kind, "dnssec-signatures-expiring", "{expiring:?}");
}
