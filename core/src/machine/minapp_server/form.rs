//! `multipart/form-data` bodies (RFC 7578), as the open API's `access_token` step wants them (PROTOCOL.md
//! §5.1). The machine has no randomness, so the boundary is a fixed text, lengthened until no value
//! contains it.

/// The boundary every form starts from.
const BOUNDARY: &str = "minicloud-form-boundary-7d3f9a";

/// A form's bytes and the `content-type` header that goes with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    /// `multipart/form-data; boundary=...`.
    pub(crate) content_type: String,
    /// The body.
    pub(crate) body: String,
}

/// The form of `fields` (`name`, `value`). Names are the protocol's own ASCII words; values are sent as their
/// UTF-8 bytes.
pub(crate) fn multipart(fields: &[(&str, &str)]) -> Form {
    let mut boundary = String::from(BOUNDARY);
    while fields.iter().any(|(_, value)| value.contains(boundary.as_str())) {
        boundary.push('x');
    }
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str("--");
        body.push_str(&boundary);
        body.push_str("\r\nContent-Disposition: form-data; name=\"");
        body.push_str(name);
        body.push_str("\"\r\n\r\n");
        body.push_str(value);
        body.push_str("\r\n");
    }
    body.push_str("--");
    body.push_str(&boundary);
    body.push_str("--\r\n");
    let mut content_type = String::from("multipart/form-data; boundary=");
    content_type.push_str(&boundary);
    Form { content_type, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_has_one_part_per_field_and_a_closing_boundary() {
        let form = multipart(&[("client_id", "id"), ("code", "c 码")]);
        assert_eq!(form.content_type, "multipart/form-data; boundary=minicloud-form-boundary-7d3f9a");
        assert_eq!(
            form.body,
            "--minicloud-form-boundary-7d3f9a\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\nid\r\n\
             --minicloud-form-boundary-7d3f9a\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nc 码\r\n\
             --minicloud-form-boundary-7d3f9a--\r\n"
        );
    }

    #[test]
    fn the_boundary_never_occurs_in_a_value() {
        let form = multipart(&[("client_secret", "a--minicloud-form-boundary-7d3f9a-b")]);
        assert!(form.content_type.ends_with("7d3f9ax"));
        assert_eq!(form.body.matches("--minicloud-form-boundary-7d3f9ax").count(), 2);
    }
}
