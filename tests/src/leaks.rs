//! Secrets in text: the client secret in every form a client might send it, and every token the
//! simulator issued.

use std::path::PathBuf;

/// The forms of a secret worth looking for: as is, form-urlencoded (a token request body), and
/// inside HTTP Basic credentials (`base64(urlencode(id):urlencode(secret))`).
pub fn secret_forms(client_id: &str, secret: &str) -> Vec<String> {
    let encoded = form_urlencode(secret);
    let basic = base64(format!("{}:{encoded}", form_urlencode(client_id)).as_bytes());
    let mut forms = vec![secret.to_owned(), encoded, basic];
    forms.sort();
    forms.dedup();
    forms
}

/// Where each needle occurs: `(label, which needle)` for each hit; needles are named, never
/// printed.
pub fn find(needles: &[(String, String)], haystacks: &[(PathBuf, String)]) -> Vec<String> {
    let mut hits = Vec::new();
    for (path, text) in haystacks {
        for (name, needle) in needles {
            if !needle.is_empty() && text.contains(needle.as_str()) {
                hits.push(format!("{name} found in {}", path.display()));
            }
        }
    }
    hits
}

fn form_urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_match_what_clients_send() {
        // RFC 6749 §2.3.1: application/x-www-form-urlencoded, then base64.
        assert_eq!(form_urlencode("a b+/&=%"), "a+b%2B%2F%26%3D%25");
        let forms = secret_forms("id", "s p");
        assert!(forms.contains(&"s+p".to_owned()));
        assert!(forms.contains(&base64(b"id:s+p")));
    }
}
