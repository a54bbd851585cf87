//! Authentication-Results field values as a hostile sender writes them: the parser reads
//! any without panicking, within its bounds, and the receiver's fields are chosen by their
//! authserv-id alone, bounded.

#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_sensor_guest::auth_results::{self, MAX_PROPERTIES, MAX_RESULTS};

fuzz_target!(|input: (Vec<String>, Vec<String>, Option<String>)| {
    let (fields, arc_fields, authserv_id) = input;
    for field in &fields {
        let read = auth_results::parse(field);
        assert!(read.results.len() <= MAX_RESULTS);
        let (_, arc) = auth_results::parse_arc(field);
        assert!(arc.results.len() <= MAX_RESULTS);
        assert!(
            read.results
                .iter()
                .all(|r| r.properties.len() <= MAX_PROPERTIES)
        );
    }
    let Some(chosen) = auth_results::trusted(&fields, &arc_fields, authserv_id.as_deref()) else {
        return;
    };
    if let Some(id) = &authserv_id {
        assert!(chosen.authserv_id.eq_ignore_ascii_case(id));
    }
    // Every field trusted is one given, of the chosen authserv-id, in one unbroken run.
    assert!(chosen.fields.len() <= fields.len().max(1));
    assert!(
        chosen
            .fields
            .iter()
            .all(|f| f.len() <= auth_results::MAX_FIELD_LEN)
    );
});
