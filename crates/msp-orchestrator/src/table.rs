//! The one renderer of aligned tables for people: every cell escaped for the terminal
//! (server text may hold escape sequences), measured in terminal columns (East Asian wide
//! characters and emoji take two, combining marks none), cut with `…` where its column has a
//! limit, padded, and columns joined by two spaces.
//!
//! A [`Table`] with fixed widths renders one [`line`](Table::line) at a time, so a stream of
//! records is written as it comes; [`Table::fit`] widens each column to its longest cell for
//! lists that are read whole first.

use std::borrow::Cow;

use glp_core::text::escape_control;

/// How wide a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Exactly this many columns: longer text is cut (ending in `…`), shorter padded.
    Fixed(usize),
    /// At least this many columns: shorter text is padded, longer text is kept whole.
    AtLeast(usize),
}

/// One column: its title, width and alignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The title in the header line.
    pub title: Cow<'static, str>,
    /// Its width.
    pub width: Width,
    /// Right-aligned (numbers) rather than left.
    pub right: bool,
}

impl Column {
    /// A left-aligned column.
    pub const fn left(title: &'static str, width: Width) -> Self {
        Self {
            title: Cow::Borrowed(title),
            width,
            right: false,
        }
    }

    /// A right-aligned column.
    pub const fn right(title: &'static str, width: Width) -> Self {
        Self {
            title: Cow::Borrowed(title),
            width,
            right: true,
        }
    }
}

/// The columns of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    columns: Vec<Column>,
}

impl Table {
    /// A table of these columns.
    pub fn new(columns: impl Into<Vec<Column>>) -> Self {
        Self {
            columns: columns.into(),
        }
    }

    /// Left-aligned columns titled `titles`, each as wide as its widest cell of `rows`.
    pub fn fit<T: AsRef<str>, S: AsRef<str>>(titles: &[T], rows: &[Vec<S>]) -> Self {
        let columns = titles
            .iter()
            .enumerate()
            .map(|(i, title)| {
                let widest = rows
                    .iter()
                    .filter_map(|row| row.get(i))
                    .map(|cell| width(&escape_control(cell.as_ref())))
                    .fold(width(title.as_ref()), usize::max);
                Column {
                    title: Cow::Owned(title.as_ref().to_owned()),
                    width: Width::AtLeast(widest),
                    right: false,
                }
            })
            .collect::<Vec<_>>();
        Self { columns }
    }

    /// The header line (with its newline).
    pub fn header(&self) -> String {
        let titles: Vec<&str> = self.columns.iter().map(|c| c.title.as_ref()).collect();
        self.line(&titles)
    }

    /// One row (with its newline); missing cells are blank, extra cells are dropped.
    pub fn line<S: AsRef<str>>(&self, cells: &[S]) -> String {
        self.line_styled(cells, |_, cell| cell)
    }

    /// One row, each laid-out cell passed through `style(column index, cell)` (colour, for
    /// instance: the width is measured before).
    pub fn line_styled<S: AsRef<str>>(
        &self,
        cells: &[S],
        style: impl Fn(usize, String) -> String,
    ) -> String {
        let mut line = String::new();
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let text = cells.get(i).map_or("", AsRef::as_ref);
            line.push_str(&style(i, lay_out(text, column)));
        }
        let mut line = line.trim_end().to_owned();
        line.push('\n');
        line
    }

    /// The header and every row.
    pub fn render<S: AsRef<str>>(&self, rows: &[Vec<S>]) -> String {
        let mut out = self.header();
        for row in rows {
            out.push_str(&self.line(row));
        }
        out
    }
}

/// A cell escaped, cut and padded for its column.
fn lay_out(text: &str, column: &Column) -> String {
    let (shown, columns) = match column.width {
        Width::Fixed(n) => (cut(text, n), n),
        Width::AtLeast(n) => (escape_control(text).into_owned(), n),
    };
    let fill = " ".repeat(columns.saturating_sub(width(&shown)));
    if column.right {
        fill + &shown
    } else {
        shown + &fill
    }
}

/// Columns a character takes on a terminal, roughly: 0 for joiners, variation selectors and
/// combining marks, 2 for East Asian wide characters and emoji, else 1.
fn char_width(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// The columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` escaped for the terminal and cut to `max` columns (ending in `…` when cut).
pub fn cut(text: &str, max: usize) -> String {
    let clean: Cow<'_, str> = escape_control(text);
    if width(&clean) <= max {
        return clean.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in clean.chars() {
        if used + char_width(c) + 1 > max {
            break;
        }
        used += char_width(c);
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `n` and the noun in the number it takes: `count(1, "request", "requests")` is `1 request`,
/// `count(2, ...)` `2 requests` (the one helper of every message that counts something).
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: std::fmt::Display + PartialEq + From<u8>,
{
    let noun = if n == N::from(1) { one } else { many };
    format!("{n} {noun}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_noun_in_their_number() {
        assert_eq!(count(1u64, "request", "requests"), "1 request");
        assert_eq!(count(0usize, "retry", "retries"), "0 retries");
        assert_eq!(count(2i64, "run", "runs"), "2 runs");
    }

    #[test]
    fn fixed_columns_cut_and_pad_by_terminal_width() {
        let table = Table::new([
            Column::left("NAME", Width::Fixed(6)),
            Column::right("N", Width::Fixed(3)),
        ]);
        assert_eq!(table.header(), "NAME      N\n");
        assert_eq!(table.line(&["abcdefgh", "7"]), "abcde…    7\n");
        // Two wide characters take four columns.
        assert_eq!(table.line(&["東京", "12"]), "東京     12\n");
        // Cut to five columns (the next wide character would make seven), padded to six.
        assert_eq!(table.line(&["東京東京", "1"]), "東京…     1\n");
    }

    #[test]
    fn server_text_is_escaped_before_it_is_measured() {
        let table = Table::new([
            Column::left("A", Width::AtLeast(4)),
            Column::left("B", Width::AtLeast(0)),
        ]);
        assert_eq!(
            table.line(&["\x1b[2J", "x\ny"]),
            "\\u{1b}[2J  x\\ny\n",
            "no escape sequence reaches the terminal"
        );
    }

    #[test]
    fn fit_widens_each_column_to_its_widest_cell_and_trims_the_line() {
        let rows = vec![
            vec!["a".to_owned(), "long value".to_owned()],
            vec!["bbb".to_owned(), "".to_owned()],
        ];
        let table = Table::fit(&["K", "V"], &rows);
        assert_eq!(table.render(&rows), "K    V\na    long value\nbbb\n");
    }

    #[test]
    fn styles_see_laid_out_cells() {
        let table = Table::new([
            Column::left("S", Width::Fixed(4)),
            Column::left("T", Width::AtLeast(0)),
        ]);
        let line = table.line_styled(
            &["ok", "x"],
            |i, c| if i == 0 { format!("<{c}>") } else { c },
        );
        assert_eq!(line, "<ok  >  x\n");
    }
}
