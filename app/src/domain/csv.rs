//! Cells of the CSV files the back office exports (OWASP "CSV injection").
//!
//! Every export writes its cells through [`csv_cell`], so a value typed by a parent
//! or a school (a name, a reason) can never run as a formula in Excel or LibreOffice.

/// Characters that make a spreadsheet read a cell as a formula (or split it) when a
/// cell starts with them: `=`, `+`, `-`, `@`, tab, carriage return, line feed, and
/// the full-width `＝＋－＠` that an input method produces.
const FORMULA_START: [char; 11] = [
    '=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// One CSV cell: a leading `'` defuses a formula start (also after leading spaces),
/// and a cell with a comma, quote or line break is quoted with `"` doubled.
///
/// `=HYPERLINK(…)` → `'=HYPERLINK(…)`; `a,b` → `"a,b"`.
pub fn csv_cell(value: &str) -> String {
    let defused = if value.trim_start_matches(' ').starts_with(FORMULA_START) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn plain_cells_are_unchanged_and_separators_are_quoted() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("林雨晴"), "林雨晴");
        assert_eq!(csv_cell("230"), "230");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("a=b"), "a=b", "only a leading = is a formula");
    }

    #[test]
    fn every_formula_start_gets_a_leading_apostrophe() {
        for (value, expected) in [
            ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "\"'\r=1+1\""),
            ("\n=1+1", "\"'\n=1+1\""),
            ("＝1+1", "'＝1+1"),
            ("＋1", "'＋1"),
            ("－1", "'－1"),
            ("＠SUM(A1)", "'＠SUM(A1)"),
            ("  =1+1", "'  =1+1"),
            ("=cmd|' /C calc'!A0,x", "\"'=cmd|' /C calc'!A0,x\""),
        ] {
            assert_eq!(csv_cell(value), expected, "{value:?}");
        }
    }
}
