use super::*;

fn caps(lines: &[(&str, &[&str])]) -> Vec<Capability> {
    lines
        .iter()
        .map(|(k, p)| Capability {
            keyword: k.to_string(),
            params: p.iter().map(|s| s.to_string()).collect(),
        })
        .collect()
}

fn wire(line: &Line) -> &str {
    line.wire.expose()
}

#[test]
fn the_wire_forms_include_what_each_mechanism_sends() {
    let password = Secret::new("hunter2");
    let forms: Vec<String> = wire_forms("user", &password)
        .iter()
        .map(|s| s.expose().to_string())
        .collect();
    for mechanism in [AuthMechanism::Plain, AuthMechanism::Xoauth2] {
        let start = Exchange::new(mechanism, "user", password.clone()).start();
        let payload = wire(&start).trim_end().rsplit(' ').next().unwrap();
        assert!(forms.iter().any(|f| f == payload), "{mechanism:?}");
    }
    let mut login = Exchange::new(AuthMechanism::Login, "user", password.clone());
    login.respond("VXNlcm5hbWU6").unwrap();
    let answer = login.respond("UGFzc3dvcmQ6").unwrap();
    assert!(forms.iter().any(|f| f == wire(&answer).trim_end()));
    assert!(forms.contains(&"hunter2".to_string()));
}

#[test]
fn offered_reads_both_forms() {
    let offered = offered(&caps(&[
        ("AUTH", &["plain", "LOGIN"]),
        ("AUTH=CRAM-MD5", &[]),
        ("SIZE", &["1"]),
    ]));
    assert_eq!(offered, ["PLAIN", "LOGIN", "CRAM-MD5"]);
}

#[test]
fn choice() {
    let all = [
        "LOGIN".to_string(),
        "PLAIN".into(),
        "CRAM-MD5".into(),
        "XOAUTH2".into(),
    ];
    assert_eq!(choose(None, &all), Ok(AuthMechanism::CramMd5));
    assert_eq!(choose(None, &all[..2]), Ok(AuthMechanism::Plain));
    assert_eq!(
        choose(Some(AuthMechanism::Xoauth2), &all),
        Ok(AuthMechanism::Xoauth2)
    );
    assert!(
        choose(Some(AuthMechanism::Xoauth2), &all[..2])
            .unwrap_err()
            .contains("does not offer XOAUTH2")
    );
    assert!(choose(None, &[]).unwrap_err().contains("no AUTH"));
    assert!(
        choose(None, &["XOAUTH2".to_string()])
            .unwrap_err()
            .contains("none of")
    );
}

#[test]
fn plain() {
    let line = Exchange::new(AuthMechanism::Plain, "user", Secret::new("pass")).start();
    assert_eq!(wire(&line), "AUTH PLAIN AHVzZXIAcGFzcw==\r\n");
    assert_eq!(line.shown, "AUTH PLAIN [redacted]");
}

#[test]
fn login() {
    let mut exchange = Exchange::new(AuthMechanism::Login, "user", Secret::new("pass"));
    assert_eq!(wire(&exchange.start()), "AUTH LOGIN\r\n");
    let user = exchange.respond("VXNlcm5hbWU6").unwrap();
    assert_eq!(wire(&user), "dXNlcg==\r\n");
    assert_eq!(user.shown, "[redacted]");
    assert_eq!(
        wire(&exchange.respond("UGFzc3dvcmQ6").unwrap()),
        "cGFzcw==\r\n"
    );
    assert!(exchange.respond("again").is_err());
}

#[test]
fn cram_md5_matches_rfc_2195() {
    let mut exchange = Exchange::new(
        AuthMechanism::CramMd5,
        "tim",
        Secret::new("tanstaaftanstaaf"),
    );
    assert_eq!(wire(&exchange.start()), "AUTH CRAM-MD5\r\n");
    let challenge = BASE64.encode("<1896.697170952@postoffice.reston.mci.net>");
    let answer = exchange.respond(&challenge).unwrap();
    assert_eq!(
        wire(&answer),
        "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"
    );
    assert!(exchange.respond("x").is_err(), "one challenge only");
}

#[test]
fn xoauth2() {
    let mut exchange = Exchange::new(
        AuthMechanism::Xoauth2,
        "someuser@example.com",
        Secret::new("ya29.token"),
    );
    let line = exchange.start();
    let expected = BASE64.encode("user=someuser@example.com\x01auth=Bearer ya29.token\x01\x01");
    assert_eq!(wire(&line), format!("AUTH XOAUTH2 {expected}\r\n"));
    assert_eq!(line.shown, "AUTH XOAUTH2 [redacted]");
    assert_eq!(
        wire(&exchange.respond("eyJzdGF0dXMiOiI0MDEifQ==").unwrap()),
        "\r\n"
    );
}

#[test]
fn no_mechanism_answers_more_than_two_challenges() {
    let mechanisms = [
        AuthMechanism::Plain,
        AuthMechanism::Login,
        AuthMechanism::CramMd5,
        AuthMechanism::Xoauth2,
    ];
    for mechanism in mechanisms {
        let mut exchange = Exchange::new(mechanism, "u", Secret::new("p"));
        let answered = (0..10)
            .map(|_| exchange.respond("eA=="))
            .take_while(Result::is_ok)
            .count();
        assert!(answered <= 2, "{mechanism:?} answered {answered}");
        let error = exchange.respond("eA==").unwrap_err();
        assert!(error.contains("unexpected AUTH challenge"), "{error}");
    }
}

#[test]
fn bad_cram_challenge() {
    let mut exchange = Exchange::new(AuthMechanism::CramMd5, "u", Secret::new("p"));
    assert!(
        exchange
            .respond("not base64!")
            .unwrap_err()
            .contains("not base64")
    );
}
