//! Why a value did not decode: the Go type it was meant for and Go's error texts
//! (`json: cannot unmarshal ...`, `json: unknown field ...`).

use std::fmt;

/// The Go type a value was decoded into; shown in `json: cannot unmarshal ...` messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoType {
    String,
    Int32,
    /// Go `int` (64-bit on the reference's platforms).
    Int,
    Int64,
    Uint32,
    Bool,
    /// A slice of structs, e.g. `[]v1.ExposureKey`.
    Slice(&'static str),
    /// A struct, e.g. `v1.ExposureKey`.
    Struct(&'static str),
}

impl GoType {
    fn name(self) -> &'static str {
        match self {
            GoType::String => "string",
            GoType::Int32 => "int32",
            GoType::Int => "int",
            GoType::Int64 => "int64",
            GoType::Uint32 => "uint32",
            GoType::Bool => "bool",
            GoType::Slice(name) | GoType::Struct(name) => name,
        }
    }
}

/// A decoding problem (Go `*json.UnmarshalTypeError` or the unknown-field error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A value of the wrong JSON type (or an integer that does not fit).
    Type {
        /// What was found: `string`, `number`, `number 2.0`, `bool`, `object`, `array`.
        value: String,
        /// The target type.
        go_type: GoType,
        /// Name of the struct holding the field (empty at the top level).
        struct_name: &'static str,
        /// Dotted JSON field path from the root, e.g. `temporaryExposureKeys.rollingPeriod`.
        field: String,
        /// Byte offset Go reports for this value.
        offset: usize,
    },
    /// An object key that matches no field (when unknown fields are rejected).
    UnknownField(String),
}

impl fmt::Display for DecodeError {
    /// Go's own text (`json: cannot unmarshal ...`, `json: unknown field "x"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Type {
                value,
                go_type,
                struct_name,
                field,
                ..
            } => {
                if struct_name.is_empty() && field.is_empty() {
                    write!(
                        f,
                        "json: cannot unmarshal {value} into Go value of type {}",
                        go_type.name()
                    )
                } else {
                    write!(
                        f,
                        "json: cannot unmarshal {value} into Go struct field {struct_name}.{field} of type {}",
                        go_type.name()
                    )
                }
            }
            DecodeError::UnknownField(name) => {
                write!(f, "json: unknown field {}", domain::go_quote(name))
            }
        }
    }
}
