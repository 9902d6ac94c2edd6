//! The print centre's results file for `server import-print-results` (issue 17 item 1):
//! CSV `serial,status,mail_no,at` (UTF-8, an optional BOM), or the JSON body of
//! `POST /api/v1/print-results`. Every line is checked first, with its line number;
//! one bad line and nothing is applied, as the payment import.

use super::print_centre::{PrintResult, result_problem};

/// The columns, in order.
pub const COLUMNS: [&str; 4] = ["serial", "status", "mail_no", "at"];

/// A line that cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// 1-based; the header is line 1 (for JSON: the item's position).
    pub line: usize,
    pub problem: String,
}

/// Reads the file: every result with its line, or every line's problem.
///
/// # Errors
/// The lines that cannot be applied (nothing is then to be applied).
pub fn parse(bytes: &[u8]) -> Result<Vec<(usize, PrintResult)>, Vec<LineError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (records, mut errors) = if bytes.trim_ascii_start().starts_with(b"{") {
        (parse_json(bytes)?, Vec::new())
    } else {
        parse_csv(bytes)?
    };
    errors.extend(records.iter().filter_map(|(line, r)| {
        result_problem(r).map(|problem| LineError {
            line: *line,
            problem,
        })
    }));
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    if records.is_empty() {
        return Err(vec![LineError {
            line: 1,
            problem: "no results".into(),
        }]);
    }
    Ok(records)
}

fn parse_json(bytes: &[u8]) -> Result<Vec<(usize, PrintResult)>, Vec<LineError>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        results: Vec<PrintResult>,
    }
    let body: Body = serde_json::from_slice(bytes).map_err(|e| {
        vec![LineError {
            line: e.line(),
            problem: format!("unreadable JSON: {e}"),
        }]
    })?;
    Ok(body
        .results
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect())
}

/// The rows that could be read, and the lines that could not.
type Read = (Vec<(usize, PrintResult)>, Vec<LineError>);

fn parse_csv(bytes: &[u8]) -> Result<Read, Vec<LineError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            return Err(vec![LineError {
                line: 1,
                problem: format!("unreadable header: {e}"),
            }]);
        }
    };
    if header != COLUMNS {
        return Err(vec![LineError {
            line: 1,
            problem: format!("header must be {}", COLUMNS.join(",")),
        }]);
    }
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        match row {
            Ok(r) if r.len() == COLUMNS.len() => {
                let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
                records.push((
                    line,
                    PrintResult {
                        serial: r[0].to_owned(),
                        status: r[1].to_owned(),
                        mail_no: opt(&r[2]),
                        at: opt(&r[3]),
                    },
                ));
            }
            Ok(r) => errors.push(LineError {
                line,
                problem: format!("has {} columns, expected {}", r.len(), COLUMNS.len()),
            }),
            Err(e) => errors.push(LineError {
                line,
                problem: format!("unreadable: {e}"),
            }),
        }
    }
    Ok((records, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_files_read_alike_and_bad_lines_are_numbered() {
        let csv = "\u{FEFF}serial,status,mail_no,at\nAP20261201000001,shipped,RR123456789TW,\nAP20261201000002,printed,,2026-12-01T10:00:00+08:00\n";
        let rows = parse(csv.as_bytes()).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.mail_no.as_deref(), Some("RR123456789TW"));
        assert_eq!(rows[1].1.at.as_deref(), Some("2026-12-01T10:00:00+08:00"));
        let json = r#"{"results":[{"serial":"AP20261201000001","status":"delivered"}]}"#;
        assert_eq!(parse(json.as_bytes()).expect("valid").len(), 1);
        let bad = "serial,status,mail_no,at\nAP20261201000001,printed,,\nAP2026,lost,,\nAP20261201000003,shipped\n";
        let errors = parse(bad.as_bytes()).expect_err("invalid");
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            [3, 4],
            "{errors:?}"
        );
        assert!(parse(b"serial,status\n").is_err());
    }
}
