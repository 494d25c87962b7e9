//! The tokens of the APIs' OData-like `filter` expressions: one lexer for the local filter
//! checks of GreenLake (`glp-workspaces`) and Central (`central-api`), each with its own
//! characters of a bare word.

use std::fmt;

/// One token of a filter expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterToken {
    /// A bare word: a field, an operator, a keyword, a number, a timestamp.
    Word(String),
    /// A single-quoted string, unquoted (a doubled quote inside is one quote).
    Str(String),
    /// A double-quoted string, unquoted (neither API takes one: a check refuses it with a hint).
    DoubleQuoted {
        /// Its text.
        text: String,
        /// The position of its opening quote, in characters from 1.
        at: usize,
    },
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `,`.
    Comma,
    /// Anything else (`=`, `!=`, `<`, ...), as written.
    Other(String),
}

impl fmt::Display for FilterToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Word(w) | Self::Other(w) => write!(f, "`{w}`"),
            Self::Str(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Self::DoubleQuoted { text, .. } => write!(f, "\"{text}\""),
            Self::Open => f.write_str("`(`"),
            Self::Close => f.write_str("`)`"),
            Self::Comma => f.write_str("`,`"),
        }
    }
}

/// A quoted string of a filter that is not closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the string starting at character {at} has no closing {quote} (a quote inside a string is \
     doubled: 'O''Brien')"
)]
pub struct UnclosedString {
    /// The position of its opening quote, in characters from 1.
    pub at: usize,
    /// The quote: `'` or `"`.
    pub quote: char,
}

/// The tokens of `filter`. `is_word_char` says which characters make up a bare word (each
/// API's field names differ); a run of other characters that are not blanks, quotes,
/// parentheses or commas is one [`FilterToken::Other`].
pub fn lex_filter(
    filter: &str,
    is_word_char: impl Fn(char) -> bool,
) -> Result<Vec<FilterToken>, UnclosedString> {
    let mut tokens = Vec::new();
    let mut chars = filter.chars().enumerate().peekable();
    while let Some(&(index, c)) = chars.peek() {
        let at = index + 1;
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                tokens.push(match c {
                    '(' => FilterToken::Open,
                    ')' => FilterToken::Close,
                    _ => FilterToken::Comma,
                });
            }
            '\'' | '"' => {
                chars.next();
                let mut text = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == c {
                        // A doubled single quote is a quote inside the string.
                        if c == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                            text.push('\'');
                            continue;
                        }
                        closed = true;
                        break;
                    }
                    text.push(d);
                }
                if !closed {
                    return Err(UnclosedString { at, quote: c });
                }
                tokens.push(if c == '\'' {
                    FilterToken::Str(text)
                } else {
                    FilterToken::DoubleQuoted { text, at }
                });
            }
            c => {
                let word = is_word_char(c);
                let mut text = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    let ends_other = d.is_whitespace() || is_word_char(d) || "()',\"".contains(d);
                    if (word && !is_word_char(d)) || (!word && ends_other) {
                        break;
                    }
                    text.push(d);
                    chars.next();
                }
                tokens.push(if word {
                    FilterToken::Word(text)
                } else {
                    FilterToken::Other(text)
                });
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_strings_symbols_and_unclosed_quotes() {
        let word = |c: char| c.is_alphanumeric() || "._-:".contains(c);
        let tokens = lex_filter("(a.b >= 'O''Brien', \"x\")", word);
        assert_eq!(
            tokens,
            Ok(vec![
                FilterToken::Open,
                FilterToken::Word("a.b".into()),
                FilterToken::Other(">=".into()),
                FilterToken::Str("O'Brien".into()),
                FilterToken::Comma,
                FilterToken::DoubleQuoted {
                    text: "x".into(),
                    at: 21
                },
                FilterToken::Close,
            ])
        );
        let unclosed = UnclosedString { at: 7, quote: '\'' };
        assert_eq!(lex_filter("né eq 'x", word), Err(unclosed.clone()));
        assert!(
            unclosed
                .to_string()
                .contains("character 7 has no closing '")
        );
    }
}
