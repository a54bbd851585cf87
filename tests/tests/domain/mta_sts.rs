//! The MTA-STS record and policy as the domain check finds them: a policy host that fails
//! (404, a redirect, an oversized policy, the wrong content type, a certificate from an
//! untrusted CA, a body cut short), a silent policy host without a record (not waited for),
//! two `_mta-sts` records, a policy weaker than `--expect-mta-sts` asks, and
//! TLS-RPT present or missing beside MTA-STS.

use super::{ID, channel, check, enforce, sts_record, world};
use smtp_sensor_guest::limits::MAX_STS_POLICY_BYTES;
use smtp_sensor_tests::mail_domain::{Host, Plan};
use smtp_sensor_tests::policy_server::{Reply, policy_text};

/// A domain whose one MX host is fine and whose policy host answers `reply` (with a
/// certificate the check trusts when `trusted`): a warning, the record's id reported,
/// the policy missing, and its error containing each of `words`.
async fn policy_fails(label: &str, reply: Reply, trusted: bool, words: &[&str]) {
    let plan = Plan::new(label)
        .mx(10, Host::Postfix)
        .sts_record(&sts_record());
    let plan = match trusted {
        true => plan.policy(move |_| reply.clone()),
        false => plan.untrusted_policy(move |_| reply.clone()),
    };
    let world = world(plan).await;
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("warning");
    let sts = &checked.domain()["mta_sts"];
    assert_eq!(sts["record_id"], ID, "{sts}");
    assert!(sts["policy"].is_null(), "{sts}");
    let error = sts["policy_error"].as_str().expect("a policy error");
    for word in words {
        assert!(
            error.to_lowercase().contains(&word.to_lowercase()),
            "{word}: {error}"
        );
    }
    assert_eq!(checked.json["failure"]["kind"], "mta-sts-failed");
    assert_eq!(checked.json["failure"]["phase"], "mta-sts-fetch");
    assert_eq!(channel(&checked, "MTA-STS Mode"), Some(0.0));
    let mx1 = checked.host(&world.mx_hosts()[0].exchange);
    assert_eq!(mx1["status"], "up", "{mx1}");
    assert!(mx1["sts_valid"].is_null(), "no policy to judge by: {mx1}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_not_found_is_a_warning_saying_404() {
    policy_fails("policy404", Reply::status(404), true, &["404"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirected_policy_is_not_followed() {
    let reply = Reply::redirect(301, "https://elsewhere.test/.well-known/mta-sts.txt");
    policy_fails("redirect", reply, true, &["301", "elsewhere.test"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_policy_is_refused_past_64_kib() {
    let mut text = policy_text("enforce", &["*.test"], 1_209_600);
    while text.len() <= MAX_STS_POLICY_BYTES + 1024 {
        text.push_str("# padding padding padding padding padding padding padding\r\n");
    }
    let limit = MAX_STS_POLICY_BYTES.to_string();
    policy_fails(
        "oversized",
        Reply::policy(&text),
        true,
        &["longer than", &limit],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_of_the_wrong_content_type_is_refused() {
    let mut reply = Reply::policy(&policy_text("enforce", &["*.test"], 1_209_600));
    reply.headers = vec![("Content-Type".into(), "text/html".into())];
    policy_fails("contenttype", reply, true, &["text/html", "text/plain"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_host_with_an_untrusted_certificate_is_refused() {
    let reply = Reply::policy(&policy_text("enforce", &["*.test"], 1_209_600));
    policy_fails("untrusted", reply, false, &["certificate"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_cut_short_without_close_notify_is_no_policy() {
    // No Content-Length, and the connection closed without a TLS close_notify: the body
    // may have been cut, so it is not taken as the policy (RFC 9112 9.8).
    let reply = Reply::policy(&policy_text("enforce", &["*.example.test"], 604_800)).cut_short();
    policy_fails("cutshort", reply, true, &["close_notify"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_policy_host_without_a_record_does_not_hold_the_check() {
    // No _mta-sts record, and mta-sts.DOMAIN (a wildcard's, say) answers nothing: no sender
    // fetches that policy, so the check ends with its MX hosts, not at its deadline.
    let plan = Plan::new("silentsts")
        .mx(10, Host::Postfix)
        .policy(|_| Reply::silent());
    let world = world(plan).await;
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("up");
    assert!(
        checked.took < std::time::Duration::from_secs(5),
        "took {:?}",
        checked.took
    );
    let sts = &checked.domain()["mta_sts"];
    assert!(
        sts["policy"].is_null() && sts["record_id"].is_null(),
        "{sts}"
    );
    assert_eq!(
        world.policy_server().unwrap().requests().len(),
        1,
        "asked once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sts_records_are_an_error_naming_both() {
    let world = world(
        Plan::new("twosts")
            .mx(10, Host::Postfix)
            .sts_record("v=STSv1; id=first1")
            .sts_record("v=STSv1; id=second2")
            .policy(enforce(&["mx1"])),
    )
    .await;
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("warning");
    let sts = &checked.domain()["mta_sts"];
    assert!(sts["record_id"].is_null(), "{sts}");
    let error = sts["record_error"].as_str().expect("a record error");
    assert!(
        error.contains("id=first1") && error.contains("id=second2"),
        "{error}"
    );
    assert_eq!(checked.json["failure"]["kind"], "mta-sts-failed");
}

/// A domain whose MX hosts meet a `testing` policy, checked with `--expect-mta-sts
/// enforce` plus `extra`.
async fn testing_where_enforce_is_expected(label: &str, extra: &[&str]) -> super::Checked {
    let world = world(
        Plan::new(label)
            .mx(10, Host::Postfix)
            .sts_record(&sts_record())
            .policy(|d| Reply::policy(&policy_text("testing", &[&format!("mx1.{d}")], 1_209_600))),
    )
    .await;
    let args = [&["--expect-mta-sts", "enforce"], extra].concat();
    let checked = check(&world, 10, &args).await;
    assert_eq!(checked.domain()["mta_sts"]["policy"]["mode"], "testing");
    assert_eq!(
        checked.host(&world.mx_hosts()[0].exchange)["sts_valid"],
        true
    );
    assert_eq!(checked.json["failure"]["kind"], "expectation-missed");
    assert!(
        checked.message().contains("testing"),
        "{}",
        checked.message()
    );
    checked
}

#[tokio::test(flavor = "multi_thread")]
async fn a_testing_policy_where_enforce_is_expected_is_down() {
    testing_where_enforce_is_expected("expectdown", &[])
        .await
        .assert_status("down");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_testing_policy_where_enforce_is_expected_is_a_warning_if_told() {
    testing_where_enforce_is_expected("expectwarn", &["--expect-warning"])
        .await
        .assert_status("warning");
}

#[tokio::test(flavor = "multi_thread")]
async fn mta_sts_without_tls_rpt_gets_a_note_and_stays_up() {
    let world = world(
        Plan::new("notlsrpt")
            .mx(10, Host::Postfix)
            .sts_record(&sts_record())
            .policy(enforce(&["mx1"])),
    )
    .await;
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("up");
    assert!(checked.domain()["tls_rpt"].is_null(), "{}", checked.json);
    let notes = checked.domain()["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("TLS-RPT")),
        "{notes:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_rpt_with_mta_sts_is_reported_without_a_note() {
    let world = world(
        Plan::new("tlsrpt")
            .mx(10, Host::Postfix)
            .sts_record(&sts_record())
            .tls_rpt("v=TLSRPTv1; rua=mailto:a@example.test,https://reports.example.test/v1")
            .policy(enforce(&["mx1"])),
    )
    .await;
    let checked = check(&world, 10, &[]).await;
    checked.assert_status("up");
    let tls_rpt = &checked.domain()["tls_rpt"];
    assert_eq!(
        tls_rpt["rua"],
        serde_json::json!(["mailto:a@example.test", "https://reports.example.test/v1"])
    );
    assert!(tls_rpt["error"].is_null(), "{tls_rpt}");
    let notes = checked.domain()["notes"].as_array().unwrap();
    assert!(
        !notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("TLS-RPT")),
        "{notes:?}"
    );
}
