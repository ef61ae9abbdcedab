//! Aggregated error text in hashicorp go-multierror's list format, which the reference returns
//! for per-key problems (`"2 errors occurred:\n\t* a\n\t* b\n\n"`).

/// Format `errors` like go-multierror's `ListFormatFunc`.
///
/// One error: `"1 error occurred:\n\t* <e>\n\n"`; otherwise
/// `"<n> errors occurred:\n\t* <e1>\n\t* <e2>...\n\n"`. (Callers never pass an empty list; it
/// formats as go-multierror would, `"0 errors occurred:\n\t\n\n"`.)
pub fn aggregate<S: AsRef<str>>(errors: &[S]) -> String {
    if let [only] = errors {
        return format!("1 error occurred:\n\t* {}\n\n", only.as_ref());
    }
    let points: Vec<String> = errors.iter().map(|e| format!("* {}", e.as_ref())).collect();
    format!(
        "{} errors occurred:\n\t{}\n\n",
        errors.len(),
        points.join("\n\t")
    )
}

#[cfg(test)]
mod tests {
    use super::aggregate;

    #[test]
    fn go_multierror_format() {
        assert_eq!(aggregate(&["a"]), "1 error occurred:\n\t* a\n\n");
        assert_eq!(
            aggregate(&["a", "b"]),
            "2 errors occurred:\n\t* a\n\t* b\n\n"
        );
        assert_eq!(aggregate::<&str>(&[]), "0 errors occurred:\n\t\n\n");
        let owned = vec![String::from("x"), String::from("y"), String::from("z")];
        assert_eq!(
            aggregate(&owned),
            "3 errors occurred:\n\t* x\n\t* y\n\t* z\n\n"
        );
    }
}
