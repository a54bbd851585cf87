//! Authentication-Results field values as a hostile sender writes them: the parser reads
//! any without panicking, within its bounds, and the receiver's field is chosen by its
//! authserv-id alone.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::auth_results::{self, MAX_PROPERTIES, MAX_RESULTS};

fuzz_target!(|input: (Vec<String>, Option<String>)| {
    let (fields, authserv_id) = input;
    for field in &fields {
        let read = auth_results::parse(field);
        assert!(read.results.len() <= MAX_RESULTS);
        let (_, arc) = auth_results::parse_arc(field);
        assert!(arc.results.len() <= MAX_RESULTS);
        assert!(read.results.iter().all(|r| r.properties.len() <= MAX_PROPERTIES));
    }
    let chosen = auth_results::receivers(&fields, authserv_id.as_deref());
    if let Some(id) = &authserv_id {
        assert!(chosen.iter().all(|r| r.authserv_id.eq_ignore_ascii_case(id)));
    } else {
        assert!(chosen.len() <= 1);
    }
});
