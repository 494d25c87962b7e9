use super::*;
use base64::Engine as _;
use reqwest::header::HeaderMap;

#[test]
fn debug_of_a_request_or_an_answer_never_shows_a_secret() {
    let secret = SecretString::from("s3cret-value");
    let form = [
        ("client_secret", "s3cret-value"),
        ("subject_token", "tok-abc"),
    ];
    let request = Request::post_form(
        "authorization/v2/oauth2/x/token",
        &form,
        Credential::Basic {
            id: "id",
            secret: &secret,
        },
    );
    let shown = format!("{request:?}");
    assert!(
        shown.contains("client_secret") && shown.contains("subject_token"),
        "{shown}"
    );
    assert!(
        !shown.contains("s3cret-value") && !shown.contains("tok-abc"),
        "{shown}"
    );
    let url = url::Url::parse("http://127.0.0.1/x").expect("url");
    let headers = HeaderMap::new();
    let body = br#"{"access_token":"tok-abc"}"#;
    let answer = Answer {
        url: &url,
        status: 200,
        headers: &headers,
        body,
        elapsed: Duration::ZERO,
    };
    let shown = format!("{answer:?}");
    assert!(
        !shown.contains("tok-abc") && shown.contains("body_bytes"),
        "{shown}"
    );
}

#[test]
fn basic_header_form_encodes_before_base64() {
    let value = basic_auth_header("my id", &SecretString::from("a+b&c=d%e/f g"));
    assert!(value.is_sensitive());
    let encoded = value.to_str().expect("ascii").trim_start_matches("Basic ");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    assert_eq!(
        String::from_utf8(decoded).expect("utf8"),
        "my+id:a%2Bb%26c%3Dd%25e%2Ff+g"
    );
}
