//! The scanner's steps inside a value: literals, numbers, `\u` escapes, what may follow
//! the start and the end of a value (Go's `stateBeginValue`, `stateEndValue` and friends), and
//! the end of the input.

use super::{is_space, Op, Parse, Scanner, State, SyntaxError};

impl Scanner {
    /// Moves to `next` and reports `op`: the one transition every step ends with.
    #[inline]
    pub(super) fn goto(&mut self, next: State, op: Op) -> Op {
        self.state = next;
        op
    }

    /// Marks the innermost open container as expecting `parse` next.
    #[inline]
    pub(super) fn set_parse(&mut self, parse: Parse) {
        if let Some(last) = self.stack.last_mut() {
            *last = parse;
        }
    }

    #[inline]
    pub(super) fn expect(&mut self, c: u8, want: u8, next: State, context: &str) -> Op {
        if c == want {
            self.goto(next, Op::Continue)
        } else {
            self.error(c, context)
        }
    }

    pub(super) fn hex(&mut self, c: u8, next: State) -> Op {
        if c.is_ascii_hexdigit() {
            self.goto(next, Op::Continue)
        } else {
            self.error(c, "in \\u hexadecimal character escape")
        }
    }

    #[inline]
    pub(super) fn zero(&mut self, c: u8) -> Op {
        match c {
            b'.' => self.goto(State::Dot, Op::Continue),
            b'e' | b'E' => self.goto(State::E, Op::Continue),
            _ => self.end_value(c),
        }
    }

    pub(super) fn e_sign(&mut self, c: u8) -> Op {
        if c.is_ascii_digit() {
            self.goto(State::E0, Op::Continue)
        } else {
            self.error(c, "in exponent of numeric literal")
        }
    }

    #[inline]
    pub(super) fn begin_value(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::SkipSpace;
        }
        match c {
            b'{' => self.push(
                c,
                Parse::ObjectKey,
                State::BeginStringOrEmpty,
                Op::BeginObject,
            ),
            b'[' => self.push(
                c,
                Parse::ArrayValue,
                State::BeginValueOrEmpty,
                Op::BeginArray,
            ),
            b'"' => self.goto(State::InString, Op::BeginLiteral),
            b'-' => self.goto(State::Neg, Op::BeginLiteral),
            b'0' => self.goto(State::Zero, Op::BeginLiteral),
            b't' => self.goto(State::T, Op::BeginLiteral),
            b'f' => self.goto(State::F, Op::BeginLiteral),
            b'n' => self.goto(State::N, Op::BeginLiteral),
            b'1'..=b'9' => self.goto(State::One, Op::BeginLiteral),
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    #[inline]
    pub(super) fn begin_string(&mut self, c: u8) -> Op {
        if is_space(c) {
            return Op::SkipSpace;
        }
        if c == b'"' {
            return self.goto(State::InString, Op::BeginLiteral);
        }
        self.error(c, "looking for beginning of object key string")
    }

    pub(super) fn end_top(&mut self, c: u8) -> Op {
        if !is_space(c) {
            // Go records the complaint for the next call but still reports the end.
            self.error(c, "after top-level value");
        }
        Op::End
    }

    #[inline]
    pub(super) fn end_value(&mut self, c: u8) -> Op {
        let Some(&parse) = self.stack.last() else {
            self.state = State::EndTop;
            self.end_top = true;
            return self.end_top(c);
        };
        if is_space(c) {
            return self.goto(State::EndValue, Op::SkipSpace);
        }
        match parse {
            Parse::ObjectKey => {
                if c == b':' {
                    self.set_parse(Parse::ObjectValue);
                    return self.goto(State::BeginValue, Op::ObjectKey);
                }
                self.error(c, "after object key")
            }
            Parse::ObjectValue => {
                if c == b',' {
                    self.set_parse(Parse::ObjectKey);
                    return self.goto(State::BeginString, Op::ObjectValue);
                }
                if c == b'}' {
                    self.pop();
                    return Op::EndObject;
                }
                self.error(c, "after object key:value pair")
            }
            Parse::ArrayValue => {
                if c == b',' {
                    return self.goto(State::BeginValue, Op::ArrayValue);
                }
                if c == b']' {
                    self.pop();
                    return Op::EndArray;
                }
                self.error(c, "after array element")
            }
        }
    }

    /// Go's `scanner.eof`: whether the input seen so far is one complete value.
    pub(super) fn eof(&mut self) -> Result<(), SyntaxError> {
        if let Some(e) = &self.err {
            return Err(e.clone());
        }
        if self.end_top {
            return Ok(());
        }
        self.step(b' ');
        if self.end_top {
            return Ok(());
        }
        Err(self.err.clone().unwrap_or_else(|| SyntaxError {
            msg: "unexpected end of JSON input".to_owned(),
            offset: self.bytes,
        }))
    }
}
