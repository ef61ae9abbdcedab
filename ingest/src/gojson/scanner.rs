//! A byte-at-a-time JSON syntax scanner that behaves like Go's `encoding/json` scanner.
//!
//! Clients see the positions this scanner reports (`malformed json at position N`), so it follows
//! Go's state machine step by step: the same grammar, the same point at which a byte is rejected,
//! the same nesting limit (10,000) and the same message texts. Offsets are "bytes read when the
//! error was detected", i.e. the index of the offending byte plus one.

use std::fmt;

use super::fastscan;

mod steps;

/// Go's `maxNestingDepth`.
const MAX_NESTING_DEPTH: usize = 10_000;

/// A JSON syntax error, displayed like Go's `*json.SyntaxError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Go's message, e.g. `invalid character 'o' in literal true (expecting 'r')`.
    pub msg: String,
    /// Bytes read when the error was detected (offending index + 1).
    pub offset: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

/// What one scanner step found (Go's `scan*` op codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Continue,
    BeginLiteral,
    BeginObject,
    ObjectKey,
    ObjectValue,
    EndObject,
    BeginArray,
    ArrayValue,
    EndArray,
    SkipSpace,
    End,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU,
    InStringEscU1,
    InStringEscU12,
    InStringEscU123,
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    T,
    Tr,
    Tru,
    F,
    Fa,
    Fal,
    Fals,
    N,
    Nu,
    Nul,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// Go's `scanner`.
#[derive(Debug)]
pub struct Scanner {
    state: State,
    stack: Vec<Parse>,
    end_top: bool,
    err: Option<SyntaxError>,
    /// Bytes consumed so far (the caller increments it before each step, as Go does).
    pub bytes: usize,
}

impl Default for Scanner {
    fn default() -> Self {
        Self {
            state: State::BeginValue,
            stack: Vec::new(),
            end_top: false,
            err: None,
            bytes: 0,
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`: how a byte is shown in a syntax error.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        _ => {
            // Go converts the byte to a rune (Latin-1), then quotes it.
            let quoted = domain::go_quote(&char::from(c).to_string());
            let inner = quoted
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(&quoted);
            format!("'{inner}'")
        }
    }
}

impl Scanner {
    /// The error recorded so far, if any.
    pub fn err(&self) -> Option<&SyntaxError> {
        self.err.as_ref()
    }

    fn error(&mut self, c: u8, context: &str) -> Op {
        self.state = State::Error;
        self.err = Some(SyntaxError {
            msg: format!("invalid character {} {context}", quote_char(c)),
            offset: self.bytes,
        });
        Op::Error
    }

    fn push(&mut self, c: u8, p: Parse, next: State, op: Op) -> Op {
        self.stack.push(p);
        self.state = next;
        if self.stack.len() <= MAX_NESTING_DEPTH {
            op
        } else {
            self.error(c, "exceeded max depth")
        }
    }

    fn pop(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    /// Feeds one byte.
    #[inline]
    pub fn step(&mut self, c: u8) -> Op {
        match self.state {
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    Op::SkipSpace
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    Op::SkipSpace
                } else if c == b'}' {
                    self.set_parse(Parse::ObjectValue);
                    self.end_value(c)
                } else {
                    self.begin_string(c)
                }
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => self.end_top(c),
            State::InString => match c {
                b'"' => self.goto(State::EndValue, Op::Continue),
                b'\\' => self.goto(State::InStringEsc, Op::Continue),
                c if c < 0x20 => self.error(c, "in string literal"),
                _ => Op::Continue,
            },
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.goto(State::InString, Op::Continue)
                }
                b'u' => self.goto(State::InStringEscU, Op::Continue),
                _ => self.error(c, "in string escape code"),
            },
            State::InStringEscU => self.hex(c, State::InStringEscU1),
            State::InStringEscU1 => self.hex(c, State::InStringEscU12),
            State::InStringEscU12 => self.hex(c, State::InStringEscU123),
            State::InStringEscU123 => self.hex(c, State::InString),
            State::Neg => match c {
                b'0' => self.goto(State::Zero, Op::Continue),
                b'1'..=b'9' => self.goto(State::One, Op::Continue),
                _ => self.error(c, "in numeric literal"),
            },
            State::One => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else {
                    self.zero(c)
                }
            }
            State::Zero => self.zero(c),
            State::Dot => {
                if c.is_ascii_digit() {
                    self.goto(State::Dot0, Op::Continue)
                } else {
                    self.error(c, "after decimal point in numeric literal")
                }
            }
            State::Dot0 => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else if c == b'e' || c == b'E' {
                    self.goto(State::E, Op::Continue)
                } else {
                    self.end_value(c)
                }
            }
            State::E => {
                if c == b'+' || c == b'-' {
                    self.goto(State::ESign, Op::Continue)
                } else {
                    self.e_sign(c)
                }
            }
            State::ESign => self.e_sign(c),
            State::E0 => {
                if c.is_ascii_digit() {
                    Op::Continue
                } else {
                    self.end_value(c)
                }
            }
            State::T => self.expect(c, b'r', State::Tr, "in literal true (expecting 'r')"),
            State::Tr => self.expect(c, b'u', State::Tru, "in literal true (expecting 'u')"),
            State::Tru => self.expect(c, b'e', State::EndValue, "in literal true (expecting 'e')"),
            State::F => self.expect(c, b'a', State::Fa, "in literal false (expecting 'a')"),
            State::Fa => self.expect(c, b'l', State::Fal, "in literal false (expecting 'l')"),
            State::Fal => self.expect(c, b's', State::Fals, "in literal false (expecting 's')"),
            State::Fals => {
                self.expect(c, b'e', State::EndValue, "in literal false (expecting 'e')")
            }
            State::N => self.expect(c, b'u', State::Nu, "in literal null (expecting 'u')"),
            State::Nu => self.expect(c, b'l', State::Nul, "in literal null (expecting 'l')"),
            State::Nul => self.expect(c, b'l', State::EndValue, "in literal null (expecting 'l')"),
            State::Error => Op::Error,
        }
    }
}

/// Why no complete first value could be read from a request body (Go `Decoder.readValue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// A syntax error inside the data that was available.
    Syntax(SyntaxError),
    /// The body ended inside a value (`io.ErrUnexpectedEOF`).
    UnexpectedEof,
    /// The body held nothing but whitespace (`io.EOF`).
    Empty,
    /// The body was cut at the size limit before the value ended.
    TooLarge,
}

/// Reads the first JSON value of `buf` like Go's `json.Decoder`: returns the index just past it.
///
/// `truncated` says that `buf` is only the first part of a longer body (cut at the size limit),
/// in which case running out of data is [`ReadError::TooLarge`] rather than end of input.
pub fn read_value(buf: &[u8], truncated: bool) -> Result<usize, ReadError> {
    let mut scanner = Scanner::default();
    let mut i = 0;
    while let Some(&c) = buf.get(i) {
        // Fast paths: runs of bytes that cannot change the scanner's state.
        let run = match scanner.state {
            State::InString => fastscan::plain_string_run(&buf[i..]),
            State::One | State::Dot0 | State::E0 => fastscan::digit_run(&buf[i..]),
            _ => 0,
        };
        if run > 0 {
            scanner.bytes += run;
            i += run;
            continue;
        }
        scanner.bytes += 1;
        let at = i;
        i += 1;
        let op = scanner.step(c);
        if let Some(read) = scanner.value_read(op, at) {
            return read;
        }
    }
    scanner.read_to_end(buf, truncated)
}

impl Scanner {
    /// What the step over byte `at` means to [`read_value`]: `Some` once the first value has
    /// ended (or cannot be a value), `None` while it goes on.
    fn value_read(&self, op: Op, at: usize) -> Option<Result<usize, ReadError>> {
        match op {
            Op::End => Some(Ok(at)),
            Op::EndObject | Op::EndArray if self.stack.is_empty() => Some(Ok(at + 1)),
            Op::Error => Some(Err(ReadError::Syntax(self.err.clone().unwrap_or(
                SyntaxError {
                    msg: String::new(),
                    offset: self.bytes,
                },
            )))),
            _ => None,
        }
    }

    /// How [`read_value`] ends when `buf` ran out before the value did.
    fn read_to_end(&mut self, buf: &[u8], truncated: bool) -> Result<usize, ReadError> {
        if truncated {
            return Err(ReadError::TooLarge);
        }
        if self.step(b' ') == Op::End {
            return Ok(buf.len());
        }
        if buf.iter().any(|c| !is_space(*c)) {
            Err(ReadError::UnexpectedEof)
        } else {
            Err(ReadError::Empty)
        }
    }
}

/// Checks that `buf` is exactly one JSON value (Go `json.Unmarshal`'s `checkValid`).
pub fn check_valid(buf: &[u8]) -> Result<(), SyntaxError> {
    let mut scanner = Scanner::default();
    for &c in buf {
        scanner.bytes += 1;
        if scanner.step(c) == Op::Error {
            return Err(scanner.err.clone().unwrap_or(SyntaxError {
                msg: String::new(),
                offset: scanner.bytes,
            }));
        }
    }
    scanner.eof()
}

/// Go `Decoder.More` after the first value: whether non-space content other than `]`/`}`
/// follows `end` (Go ignores a stray closing bracket here).
pub fn more_after(buf: &[u8], end: usize) -> bool {
    buf.get(end..)
        .unwrap_or_default()
        .iter()
        .find(|c| !is_space(**c))
        .is_some_and(|c| *c != b']' && *c != b'}')
}

#[cfg(test)]
#[path = "scanner_tests.rs"]
mod tests;
