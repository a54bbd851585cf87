//! DANE as Postfix sees it, next to smtp-sensor's verdict: prints, per MX host of the test
//! world's DANE cases, posttls-finger's outcome and smtp-sensor's (see
//! `smtp_sensor_tests::posttls_finger`). Run as root: `scripts/dane-posttls-finger`. The
//! CLI is `$SMTP_SENSOR`, or `smtp-sensor-under-test` beside this program.

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    std::process::exit(runtime.block_on(run()));
}

async fn run() -> i32 {
    let cli = std::env::var("SMTP_SENSOR").unwrap_or_else(|_| {
        let me = std::env::current_exe().expect("this program's path");
        me.with_file_name("smtp-sensor-under-test")
            .display()
            .to_string()
    });
    let (rows, domains) = match smtp_sensor_tests::posttls_finger::compare(&cli).await {
        Ok(found) => found,
        Err(e) => {
            eprintln!("dane-posttls-finger: {e}");
            return 2;
        }
    };
    println!(
        "{:<28} {:<34} {:<44} smtp-sensor (host: status, failure, DANE state)",
        "case", "MX host", "posttls-finger -l dane"
    );
    for row in &rows {
        let (status, kind, state) = &row.sensor;
        println!(
            "{:<28} {:<34} {:<44} {status}, {kind}, {state}",
            row.case, row.exchange, row.finger.summary
        );
    }
    for domain in &domains {
        println!(
            "domain {}: {}, {}: {}",
            domain.domain, domain.status, domain.kind, domain.message
        );
    }
    for row in &rows {
        println!("posttls-finger [{}]:", row.exchange);
        for line in &row.finger.lines {
            println!("    {line}");
        }
    }
    0
}
