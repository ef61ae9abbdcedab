//! `Debug` for the types that carry key material: the key field is printed as `<redacted>`, so
//! no `{:?}` of them can put a key in a log.

/// Implements `Debug` for `$type`: `$secret` as `<redacted>`, then each listed field (or what
/// the named method of it returns), in the order given.
macro_rules! debug_redacting_key {
    ($type:ident, $secret:ident; $($field:ident $(. $method:ident())?),+ $(,)?) => {
        impl ::std::fmt::Debug for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($type))
                    .field(stringify!($secret), &"<redacted>")
                    $(.field(stringify!($field), &self.$field $(.$method())?))+
                    .finish()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::RawKey;

    #[test]
    fn debug_shows_the_other_fields_but_never_the_key() {
        let key = RawKey {
            key: "c2VjcmV0IGtleSBieXRlcw==".into(),
            rolling_start_number: 2_650_032,
            rolling_period: 144,
            transmission_risk: 4,
        };
        assert_eq!(
            format!("{key:?}"),
            "RawKey { key: \"<redacted>\", rolling_start_number: 2650032, rolling_period: 144, \
             transmission_risk: 4 }"
        );
    }
}
