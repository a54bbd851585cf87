//! Header fields read from a message's header section as a mailbox server sends it (lines
//! ending in CRLF or LF, long fields folded onto continuation lines): the Message-ID that
//! makes a test message, and the receiver's Authentication-Results fields.

/// The most fields of one name read from one header section: a hostile sender's thousand
/// forged fields cost no more.
pub const MAX_FIELDS: usize = 32;

/// The value of the first field `name` (case-insensitive) in `headers`, unfolded; none if
/// there is none. Reading stops at the empty line that ends the header section.
pub fn first(headers: &str, name: &str) -> Option<String> {
    all(headers, name).into_iter().next()
}

/// The values of every field `name` (case-insensitive) in `headers`, unfolded, topmost
/// first, at most [`MAX_FIELDS`]. Reading stops at the empty line that ends the header
/// section.
pub fn all(headers: &str, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    // The field being read, while its continuation lines follow.
    let mut current: Option<String> = None;
    for line in headers.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(value) = &mut current {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        values.extend(current.take());
        if values.len() >= MAX_FIELDS {
            return values;
        }
        // White space before the colon is allowed (RFC 5322 4.5's obsolete syntax).
        if let Some((field, rest)) = line.split_once(':')
            && field.trim_end().eq_ignore_ascii_case(name)
        {
            current = Some(rest.trim().to_string());
        }
    }
    values.extend(current);
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_field_of_a_name_counts_and_no_other_name_matches() {
        assert_eq!(first("X-Message-ID: <a@b>\r\n", "Message-ID"), None);
        assert_eq!(
            first("Message-Id: <a@b>\r\nMessage-ID: <c@d>\r\n", "Message-ID").as_deref(),
            Some("<a@b>"),
            "the first one counts"
        );
    }

    #[test]
    fn every_field_of_a_name_is_read_unfolded_in_order_until_the_body() {
        let headers = "Authentication-Results: mx.example;\r\n\tspf=pass smtp.mailfrom=a.example\r\n\
                       Received: from x\r\n\
                       authentication-results: mx.example; dkim=pass\n\
                       \theader.d=a.example\n\
                       \n\
                       Authentication-Results: in the body; dkim=pass\r\n";
        assert_eq!(
            all(headers, "Authentication-Results"),
            [
                "mx.example; spf=pass smtp.mailfrom=a.example",
                "mx.example; dkim=pass header.d=a.example"
            ]
        );
        assert!(all(headers, "ARC-Authentication-Results").is_empty());
    }

    #[test]
    fn a_flood_of_fields_is_read_up_to_the_bound() {
        let headers = "Authentication-Results: x; none\r\n".repeat(1000);
        assert_eq!(all(&headers, "Authentication-Results").len(), MAX_FIELDS);
    }
}
