//! Typed decoding over bytes the [`super::scanner`] already validated, with Go's rules:
//! object keys bind case-insensitively (an exact match wins), `null` leaves a field as it is,
//! numbers must parse as integers of the target width, and the first problem in document order
//! is the one reported, with Go's field path and byte offset.
//!
//! Only the shapes this service needs exist here: structs of strings, integers and booleans, and
//! arrays of such structs. Anything else in the input is skipped iteratively (no recursion, so
//! deeply nested junk cannot exhaust the stack).

use super::text::lookup;

mod error;
mod lex;

pub use error::{DecodeError, GoType};

/// Go's error context: the struct being decoded and the path of JSON field names.
#[derive(Debug, Default)]
pub struct Context {
    struct_name: &'static str,
    path: Vec<&'static str>,
}

/// A read position in validated JSON.
#[derive(Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

/// How a struct's fields are matched.
#[derive(Debug, Clone, Copy)]
pub struct StructShape {
    /// Struct name in field errors (`Publish`, `VerificationClaims`).
    pub name: &'static str,
    /// Qualified type name in value errors (`v1.Publish`).
    pub type_name: &'static str,
    /// JSON names in declaration order.
    pub fields: &'static [&'static str],
    /// Reject keys that match no field (`DisallowUnknownFields`).
    pub deny_unknown: bool,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`, which must be one syntactically valid JSON value (plus
    /// optional surrounding whitespace).
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn type_error(
        &self,
        ctx: &Context,
        value: impl Into<String>,
        go_type: GoType,
        offset: usize,
    ) -> DecodeError {
        DecodeError::Type {
            value: value.into(),
            go_type,
            struct_name: ctx.struct_name,
            field: ctx.path.join("."),
            offset,
        }
    }

    /// Reports the mismatch for an object or array found where `expected` was wanted, and
    /// skips it. Go reports the offset just past the opening bracket.
    fn container_mismatch(&mut self, ctx: &Context, expected: GoType) -> DecodeError {
        let c = self.peek();
        let offset = self.pos + 1;
        self.skip_value();
        let value = if c == b'{' { "object" } else { "array" };
        self.type_error(ctx, value, expected, offset)
    }

    /// Decodes a string field. `Ok(None)` for `null` (leave the field unchanged).
    pub fn string(&mut self, ctx: &Context) -> Result<Option<String>, DecodeError> {
        match self.peek() {
            b'"' => Ok(Some(self.read_string())),
            b'{' | b'[' => Err(self.container_mismatch(ctx, GoType::String)),
            _ => {
                let lit = self.read_literal();
                match lit {
                    "null" => Ok(None),
                    "true" | "false" => Err(self.type_error(ctx, "bool", GoType::String, self.pos)),
                    _ => Err(self.type_error(ctx, "number", GoType::String, self.pos)),
                }
            }
        }
    }

    /// Type-checks a string field whose value is not needed (e.g. `padding`) without copying it.
    pub fn ignored_string(&mut self, ctx: &Context) -> Result<(), DecodeError> {
        if self.peek() == b'"' {
            self.skip_value();
            return Ok(());
        }
        self.string(ctx).map(|_| ())
    }

    /// Decodes a boolean field. `Ok(None)` for `null`.
    pub fn boolean(&mut self, ctx: &Context) -> Result<Option<bool>, DecodeError> {
        match self.peek() {
            b'"' => {
                self.string_body();
                Err(self.type_error(ctx, "string", GoType::Bool, self.pos))
            }
            b'{' | b'[' => Err(self.container_mismatch(ctx, GoType::Bool)),
            _ => match self.read_literal() {
                "null" => Ok(None),
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(self.type_error(ctx, "number", GoType::Bool, self.pos)),
            },
        }
    }

    /// Decodes an integer field of type `go_type` (`Int32`, `Int`, `Int64` or `Uint32`), as Go's
    /// `strconv.ParseInt`/`ParseUint` plus the overflow check would. `Ok(None)` for `null`.
    pub fn integer(&mut self, ctx: &Context, go_type: GoType) -> Result<Option<i64>, DecodeError> {
        match self.peek() {
            b'"' => {
                self.string_body();
                Err(self.type_error(ctx, "string", go_type, self.pos))
            }
            b'{' | b'[' => Err(self.container_mismatch(ctx, go_type)),
            _ => {
                let lit = self.read_literal();
                match lit {
                    "null" => return Ok(None),
                    "true" | "false" => return Err(self.type_error(ctx, "bool", go_type, self.pos)),
                    _ => {}
                }
                let parsed = match go_type {
                    GoType::Uint32 => lit
                        .parse::<u64>()
                        .ok()
                        .filter(|v| u32::try_from(*v).is_ok())
                        .and_then(|v| i64::try_from(v).ok()),
                    GoType::Int32 => lit
                        .parse::<i64>()
                        .ok()
                        .filter(|v| i32::try_from(*v).is_ok()),
                    _ => lit.parse::<i64>().ok(),
                };
                parsed
                    .map(Some)
                    .ok_or_else(|| self.type_error(ctx, format!("number {lit}"), go_type, self.pos))
            }
        }
    }

    /// Decodes an object into a struct: calls `field` with the index (in `shape.fields`) of each
    /// key that binds, in document order. `Ok(false)` for `null` (struct left unchanged).
    pub fn object<F>(
        &mut self,
        ctx: &mut Context,
        shape: &StructShape,
        mut field: F,
    ) -> Result<bool, DecodeError>
    where
        F: FnMut(usize, &mut Cursor<'a>, &mut Context) -> Result<(), DecodeError>,
    {
        match self.peek() {
            b'{' => {}
            b'[' => return Err(self.container_mismatch(ctx, GoType::Struct(shape.type_name))),
            b'"' => {
                self.string_body();
                return Err(self.type_error(
                    ctx,
                    "string",
                    GoType::Struct(shape.type_name),
                    self.pos,
                ));
            }
            _ => {
                return match self.read_literal() {
                    "null" => Ok(false),
                    "true" | "false" => {
                        Err(self.type_error(ctx, "bool", GoType::Struct(shape.type_name), self.pos))
                    }
                    _ => Err(self.type_error(
                        ctx,
                        "number",
                        GoType::Struct(shape.type_name),
                        self.pos,
                    )),
                };
            }
        }
        self.bump();
        if self.peek() == b'}' {
            self.bump();
            return Ok(true);
        }
        loop {
            let key = self.member_key();
            match lookup(shape.fields, &key) {
                Some(index) => {
                    let outer = std::mem::replace(&mut ctx.struct_name, shape.name);
                    ctx.path.push(shape.fields[index]);
                    let result = field(index, self, ctx);
                    ctx.path.pop();
                    ctx.struct_name = outer;
                    result?;
                }
                None if shape.deny_unknown => {
                    return Err(DecodeError::UnknownField(key.into_owned()))
                }
                None => self.skip_value(),
            }
            if !self.next_member() {
                return Ok(true);
            }
        }
    }

    /// Decodes an array into a slice: calls `element` for each index. Returns `Ok(None)` for
    /// `null` (slice set to nil), otherwise the number of elements.
    pub fn array<F>(
        &mut self,
        ctx: &mut Context,
        go_type: GoType,
        mut element: F,
    ) -> Result<Option<usize>, DecodeError>
    where
        F: FnMut(usize, &mut Cursor<'a>, &mut Context) -> Result<(), DecodeError>,
    {
        match self.peek() {
            b'[' => {}
            b'{' => return Err(self.container_mismatch(ctx, go_type)),
            b'"' => {
                self.string_body();
                return Err(self.type_error(ctx, "string", go_type, self.pos));
            }
            _ => {
                return match self.read_literal() {
                    "null" => Ok(None),
                    "true" | "false" => Err(self.type_error(ctx, "bool", go_type, self.pos)),
                    _ => Err(self.type_error(ctx, "number", go_type, self.pos)),
                };
            }
        }
        self.bump();
        if self.peek() == b']' {
            self.bump();
            return Ok(Some(0));
        }
        let mut count = 0;
        loop {
            element(count, self, ctx)?;
            count += 1;
            match self.peek() {
                b',' => self.bump(),
                _ => {
                    self.bump();
                    return Ok(Some(count));
                }
            }
        }
    }

    /// Skips the value at the cursor, whatever it is.
    pub fn skip(&mut self) {
        self.skip_value();
    }

    /// The value at the cursor if it is a string; any other value is skipped (`None`).
    pub fn any_string(&mut self) -> Option<String> {
        if self.peek() == b'"' {
            Some(self.read_string())
        } else {
            self.skip_value();
            None
        }
    }

    /// Walks an object as a Go `map[string]interface{}` would: `entry` gets each key (exact,
    /// unescaped) with the cursor on its value and must consume that value.
    pub fn map_entries<F>(&mut self, mut entry: F)
    where
        F: FnMut(&str, &mut Cursor<'a>),
    {
        if self.peek() != b'{' {
            self.skip_value();
            return;
        }
        self.bump();
        if self.peek() == b'}' {
            self.bump();
            return;
        }
        loop {
            let key = self.member_key();
            entry(&key, self);
            if !self.next_member() {
                return;
            }
        }
    }

    /// Checks the top-level value for a struct target: `Ok(true)` if it is an object.
    pub fn top_level_is_object(&mut self) -> bool {
        self.peek() == b'{'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_handles_nesting_and_strings() {
        let data = br#"{"a":[{"b":"]}"},[1,2,{"c":null}]],"d":1}"#;
        let mut cur = Cursor::new(data);
        cur.skip_value();
        assert_eq!(cur.pos, data.len());
    }
}
