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
use unicode_width::UnicodeWidthChar;

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

    /// The same columns, those whose title `right` accepts right-aligned (counts) and the
    /// others left-aligned.
    pub fn align_right(mut self, right: impl Fn(&str) -> bool) -> Self {
        for column in &mut self.columns {
            column.right = right(&column.title);
        }
        self
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

/// `rows` with each empty cell shown as `-`, so that a blank is not read as the next column's
/// text.
pub fn dash_empty<S: AsRef<str>>(rows: &[Vec<S>]) -> Vec<Vec<&str>> {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|c| match c.as_ref() {
                    "" => "-",
                    text => text,
                })
                .collect()
        })
        .collect()
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

/// Each character of `text` with the columns it takes on a terminal (Unicode's East Asian
/// width and emoji presentation, from `unicode-width`): 2 for wide characters and emoji, 0 for
/// joiners, variation selectors and combining marks, and 0 for one after a zero-width joiner
/// (`👨‍👩‍👧` is one picture, two columns wide).
fn char_widths(text: &str) -> impl Iterator<Item = (char, usize)> + '_ {
    let mut joined = false;
    text.chars().map(move |c| {
        let w = if joined { 0 } else { c.width().unwrap_or(0) };
        joined = c == '\u{200D}';
        (c, w)
    })
}

/// The columns `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    char_widths(text).map(|(_, w)| w).sum()
}

/// `text` escaped for the terminal and cut to `max` columns (ending in `…` when cut).
pub fn cut(text: &str, max: usize) -> String {
    let clean: Cow<'_, str> = escape_control(text);
    if width(&clean) <= max {
        return clean.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for (c, w) in char_widths(&clean) {
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// `text` cut to `max` columns like [`cut`], but when it is cut it ends with ` id` (`id` cut
/// to its first 8 characters), so that two long names that start alike stay told apart:
/// `Ampersand & Equals = Pa… 2cddb4da`.
pub fn cut_with_id(text: &str, id: &str, max: usize) -> String {
    if width(&escape_control(text)) <= max {
        return cut(text, max);
    }
    let short: String = escape_control(id).chars().take(8).collect();
    let room = max.saturating_sub(width(&short) + 1);
    if room < 2 {
        return cut(text, max);
    }
    format!("{} {short}", cut(text, room))
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
    fn wide_symbols_and_joined_emoji_take_two_columns() {
        assert_eq!(width("Coffee ☕ Corner"), 16);
        assert_eq!(width("🚀 Rocket Labs"), 14);
        assert_eq!(width("Family 👨\u{200D}👩\u{200D}👧 Dental"), 16);
        assert_eq!(width("大阪ロジスティクス"), 18);
        // Combining marks, variation selectors and zero-width spaces take none.
        assert_eq!(width("Cafe\u{301} ☕\u{FE0F}\u{200B}"), 7);
    }

    #[test]
    fn cut_names_keep_a_short_id() {
        let id = "2cddb4da-9cd9-436f-8d5f-d00ee5b781f5";
        assert_eq!(cut_with_id("Acme", id, 10), "Acme");
        let shown = cut_with_id("Ampersand & Equals = Partners 2", id, 30);
        assert_eq!(shown, "Ampersand & Equals =… 2cddb4da");
        assert_eq!(width(&shown), 30);
    }

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
    fn empty_cells_show_a_dash_and_counts_align_right() {
        let rows = vec![
            vec!["a".to_owned(), "".to_owned()],
            vec!["".to_owned(), "12".to_owned()],
        ];
        let shown = dash_empty(&rows);
        assert_eq!(shown, [["a", "-"], ["-", "12"]]);
        let table = Table::fit(&["K", "COUNT"], &shown).align_right(|title| title == "COUNT");
        assert_eq!(table.render(&shown), "K  COUNT\na      -\n-     12\n");
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
