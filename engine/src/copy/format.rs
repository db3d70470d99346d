//! COPY's data formats: the options (FORMAT, DELIMITER, NULL, HEADER, QUOTE, ESCAPE,
//! FORCE_*) checked as PostgreSQL checks them, splitting input into records, decoding a
//! record's fields and encoding a row, in the text and CSV formats.
//!
//! Text: one record per line; fields separated by the delimiter; backslash escapes (`\t`,
//! `\n`, `\\`, octal `\123`, hex `\x41`, ...); a field that reads exactly as the NULL string
//! (`\N`) before unescaping is NULL. CSV: fields may be quoted (a quoted field can hold
//! delimiters and newlines, and is never NULL unless FORCE_NULL says so); the unquoted NULL
//! string (empty by default) is NULL. In both, a line `\.` ends the data.

use crate::error::{EngineError, Result};
use sqlparser::ast::CopyOption;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyFormat {
    Text,
    Csv,
}

/// Checked COPY options.
#[derive(Clone, Debug)]
pub struct CopyOptions {
    pub format: CopyFormat,
    pub delimiter: u8,
    pub null: String,
    pub header: bool,
    pub quote: u8,
    pub escape: u8,
    pub freeze: bool,
    /// FORCE_QUOTE column names (`*` for all).
    pub force_quote: Vec<String>,
    pub force_not_null: Vec<String>,
    pub force_null: Vec<String>,
}

fn rejected(code: &'static str, message: impl Into<String>) -> EngineError {
    EngineError::CopyRejected {
        code,
        message: message.into(),
    }
}

fn one_byte(c: char, what: &str) -> Result<u8> {
    u8::try_from(c).ok().filter(u8::is_ascii).ok_or_else(|| {
        rejected(
            "0A000",
            format!("COPY {what} must be a single one-byte character"),
        )
    })
}

impl CopyOptions {
    /// Checks `options` for a COPY FROM (`from`) or TO.
    pub fn new(options: &[CopyOption], from: bool) -> Result<CopyOptions> {
        let mut seen = std::collections::HashSet::new();
        let mut format = CopyFormat::Text;
        let (mut delimiter, mut null, mut quote, mut escape) = (None, None, None, None);
        let mut o = CopyOptions {
            format,
            delimiter: b'\t',
            null: String::new(),
            header: false,
            quote: b'"',
            escape: b'"',
            freeze: false,
            force_quote: Vec::new(),
            force_not_null: Vec::new(),
            force_null: Vec::new(),
        };
        let names = |c: &[sqlparser::ast::Ident]| {
            c.iter()
                .map(crate::sql::binder::ident_name)
                .collect::<Vec<_>>()
        };
        for opt in options {
            let key = std::mem::discriminant(opt);
            if !seen.insert(key) {
                return Err(rejected("42601", "conflicting or redundant options"));
            }
            match opt {
                CopyOption::Format(f) => {
                    format = match f.value.to_lowercase().as_str() {
                        "text" => CopyFormat::Text,
                        "csv" => CopyFormat::Csv,
                        "binary" => {
                            return Err(EngineError::FeatureNotSupported {
                                feature: "COPY in binary format".into(),
                            })
                        }
                        other => {
                            return Err(rejected(
                                "22023",
                                format!("COPY format \"{other}\" not recognized"),
                            ))
                        }
                    }
                }
                CopyOption::Freeze(b) => o.freeze = *b,
                CopyOption::Delimiter(c) => delimiter = Some(one_byte(*c, "delimiter")?),
                CopyOption::Null(s) => null = Some(s.clone()),
                CopyOption::Header(b) => o.header = *b,
                CopyOption::Quote(c) => quote = Some(one_byte(*c, "quote")?),
                CopyOption::Escape(c) => escape = Some(one_byte(*c, "escape")?),
                CopyOption::ForceQuote(c) => o.force_quote = names(c),
                CopyOption::ForceNotNull(c) => o.force_not_null = names(c),
                CopyOption::ForceNull(c) => o.force_null = names(c),
                CopyOption::Encoding(e) => {
                    let e: String = e
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<String>()
                        .to_uppercase();
                    if e != "UTF8" && e != "UNICODE" {
                        return Err(rejected(
                            "22023",
                            "only the UTF8 encoding is supported in COPY",
                        ));
                    }
                }
            }
        }
        o.format = format;
        let csv = format == CopyFormat::Csv;
        if !csv && (quote.is_some() || escape.is_some()) {
            let what = if quote.is_some() { "quote" } else { "escape" };
            return Err(rejected(
                "0A000",
                format!("COPY {what} available only in CSV mode"),
            ));
        }
        let forced =
            !(o.force_quote.is_empty() && o.force_not_null.is_empty() && o.force_null.is_empty());
        if !csv && forced {
            return Err(rejected(
                "0A000",
                "COPY force options available only in CSV mode",
            ));
        }
        if !o.force_quote.is_empty() && from {
            return Err(rejected(
                "0A000",
                "COPY force quote only available using COPY TO",
            ));
        }
        let forced_in = !o.force_not_null.is_empty() || !o.force_null.is_empty();
        if forced_in && !from {
            return Err(rejected(
                "0A000",
                "COPY force not null and force null only available using COPY FROM",
            ));
        }
        if o.freeze && !from {
            return Err(rejected("0A000", "COPY FREEZE cannot be used with COPY TO"));
        }
        o.delimiter = delimiter.unwrap_or(if csv { b',' } else { b'\t' });
        o.null = null.unwrap_or_else(|| if csv { String::new() } else { "\\N".into() });
        o.quote = quote.unwrap_or(b'"');
        o.escape = escape.unwrap_or(o.quote);
        if matches!(o.delimiter, b'\n' | b'\r') {
            return Err(rejected(
                "22023",
                "COPY delimiter cannot be newline or carriage return",
            ));
        }
        if o.null.contains(['\n', '\r']) {
            return Err(rejected(
                "22023",
                "COPY null representation cannot use newline or carriage return",
            ));
        }
        if !csv && (o.delimiter == b'\\' || o.delimiter.is_ascii_alphanumeric()) {
            return Err(rejected(
                "22023",
                format!(
                    "COPY delimiter cannot be \"{}\"",
                    char::from(o.delimiter).escape_default()
                ),
            ));
        }
        if o.null.as_bytes().contains(&o.delimiter) {
            return Err(rejected(
                "22023",
                "COPY delimiter must not appear in the NULL specification",
            ));
        }
        if csv && o.delimiter == o.quote {
            return Err(rejected(
                "22023",
                "COPY delimiter and quote must be different",
            ));
        }
        if csv && o.null.as_bytes().contains(&o.quote) {
            return Err(rejected(
                "22023",
                "CSV quote character must not appear in the NULL specification",
            ));
        }
        Ok(o)
    }
}

/// Splits input bytes into records (without their line ends), across chunk boundaries.
#[derive(Default, Debug)]
pub struct RecordSplitter {
    pending: Vec<u8>,
    /// Inside a quoted CSV field that continues on the next line.
    in_quotes: bool,
    /// How far `pending` has been scanned for quotes (for CSV).
    scanned: usize,
    /// The `\.` line was seen: the rest of the input is ignored.
    pub ended: bool,
}

impl RecordSplitter {
    /// Adds input; calls `f` with each complete record.
    pub fn feed(
        &mut self,
        data: &[u8],
        opts: &CopyOptions,
        f: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        if self.ended {
            return Ok(());
        }
        self.pending.extend_from_slice(data);
        let mut start = 0;
        let mut i = self.scanned;
        while i < self.pending.len() {
            let c = self.pending[i];
            if opts.format == CopyFormat::Csv {
                if self.in_quotes && c == opts.escape && opts.escape != opts.quote {
                    if self.pending.get(i + 1) == Some(&opts.quote)
                        || self.pending.get(i + 1) == Some(&opts.escape)
                    {
                        i += 2;
                        continue;
                    }
                    if i + 1 == self.pending.len() {
                        break;
                    }
                }
                if c == opts.quote {
                    self.in_quotes = !self.in_quotes;
                }
            }
            if c == b'\n' && !self.in_quotes {
                let mut line = &self.pending[start..i];
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                if line == b"\\." {
                    self.ended = true;
                    self.pending.clear();
                    self.scanned = 0;
                    return Ok(());
                }
                f(line)?;
                start = i + 1;
            }
            i += 1;
        }
        self.pending.drain(..start);
        self.scanned = i - start;
        Ok(())
    }

    /// Ends the input: a last record without a line end is still a record.
    pub fn finish(&mut self, f: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        if self.ended || self.pending.is_empty() {
            return Ok(());
        }
        if self.in_quotes {
            return Err(rejected("22P04", "unterminated CSV quoted field"));
        }
        let line = std::mem::take(&mut self.pending);
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if line == b"\\." {
            return Ok(());
        }
        f(line)
    }
}

fn utf8(b: &[u8]) -> Result<String> {
    String::from_utf8(b.to_vec())
        .map_err(|_| rejected("22021", "invalid byte sequence for encoding \"UTF8\""))
}

/// A decoded field: its text, `None` for NULL, and whether it was quoted (CSV).
pub type Field = (Option<String>, bool);

/// The fields of one text-format record.
fn decode_text(line: &[u8], o: &CopyOptions) -> Result<Vec<Field>> {
    let mut fields = Vec::new();
    let mut raw_start = 0;
    let mut cur = Vec::new();
    let mut i = 0;
    loop {
        let at_end = i >= line.len();
        if at_end || line[i] == o.delimiter {
            let raw = &line[raw_start..i.min(line.len())];
            fields.push(if raw == o.null.as_bytes() {
                (None, false)
            } else {
                (Some(utf8(&cur)?), false)
            });
            cur.clear();
            if at_end {
                return Ok(fields);
            }
            i += 1;
            raw_start = i;
            continue;
        }
        let c = line[i];
        if c != b'\\' || i + 1 >= line.len() {
            cur.push(c);
            i += 1;
            continue;
        }
        let n = line[i + 1];
        i += 2;
        match n {
            b'b' => cur.push(8),
            b'f' => cur.push(12),
            b'n' => cur.push(b'\n'),
            b'r' => cur.push(b'\r'),
            b't' => cur.push(b'\t'),
            b'v' => cur.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(n - b'0');
                for _ in 0..2 {
                    match line.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                cur.push((v & 0xff) as u8);
            }
            b'x' if line.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v = 0u32;
                for _ in 0..2 {
                    match line.get(i).and_then(|d| char::from(*d).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                cur.push(v as u8);
            }
            other => cur.push(other),
        }
    }
}

/// The fields of one CSV record.
fn decode_csv(line: &[u8], o: &CopyOptions) -> Result<Vec<Field>> {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let mut cur = Vec::new();
        let mut quoted = false;
        let mut raw_unquoted = true;
        let field_start = i;
        while i < line.len() && line[i] != o.delimiter {
            if line[i] == o.quote {
                quoted = true;
                raw_unquoted = false;
                i += 1;
                loop {
                    let Some(&c) = line.get(i) else {
                        return Err(rejected("22P04", "unterminated CSV quoted field"));
                    };
                    if c == o.escape
                        && line
                            .get(i + 1)
                            .is_some_and(|n| *n == o.quote || *n == o.escape)
                        && (o.escape != o.quote || line.get(i + 1) == Some(&o.quote))
                    {
                        cur.push(line[i + 1]);
                        i += 2;
                    } else if c == o.quote {
                        i += 1;
                        break;
                    } else {
                        cur.push(c);
                        i += 1;
                    }
                }
            } else {
                cur.push(line[i]);
                i += 1;
            }
        }
        let raw = &line[field_start..i];
        let is_null = raw_unquoted && raw == o.null.as_bytes();
        fields.push(if is_null {
            (None, quoted)
        } else {
            (Some(utf8(&cur)?), quoted)
        });
        if i >= line.len() {
            return Ok(fields);
        }
        i += 1;
    }
}

/// The fields of one record.
pub fn decode_record(line: &[u8], o: &CopyOptions) -> Result<Vec<Field>> {
    match o.format {
        CopyFormat::Text => decode_text(line, o),
        CopyFormat::Csv => decode_csv(line, o),
    }
}

fn encode_text_field(s: &str, o: &CopyOptions, out: &mut Vec<u8>) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' if o.delimiter == b'\t' => out.extend_from_slice(b"\\t"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            11 => out.extend_from_slice(b"\\v"),
            b if b == o.delimiter => {
                out.push(b'\\');
                out.push(b);
            }
            b => out.push(b),
        }
    }
}

fn encode_csv_field(s: &str, force: bool, o: &CopyOptions, out: &mut Vec<u8>) {
    let b = s.as_bytes();
    let needs = force
        || s == o.null
        || s.starts_with("\\.")
        || b.iter()
            .any(|&c| c == o.delimiter || c == o.quote || c == b'\n' || c == b'\r');
    if !needs {
        out.extend_from_slice(b);
        return;
    }
    out.push(o.quote);
    for &c in b {
        if c == o.quote || c == o.escape {
            out.push(o.escape);
        }
        out.push(c);
    }
    out.push(o.quote);
}

/// Appends one row (values as text, `None` for NULL) and its line end to `out`.
/// `force_quote[i]` quotes column i in CSV.
pub fn encode_record(
    fields: &[Option<String>],
    force_quote: &[bool],
    o: &CopyOptions,
    out: &mut Vec<u8>,
) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(o.delimiter);
        }
        match (f, o.format) {
            (None, _) => out.extend_from_slice(o.null.as_bytes()),
            (Some(s), CopyFormat::Text) => encode_text_field(s, o, out),
            (Some(s), CopyFormat::Csv) => {
                encode_csv_field(s, force_quote.get(i).copied().unwrap_or(false), o, out)
            }
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::ast::Ident;

    fn text() -> CopyOptions {
        CopyOptions::new(&[], true).unwrap()
    }

    fn csv() -> CopyOptions {
        CopyOptions::new(&[CopyOption::Format(Ident::new("csv"))], true).unwrap()
    }

    fn records(data: &[&[u8]], o: &CopyOptions) -> Vec<Vec<Field>> {
        let mut s = RecordSplitter::default();
        let mut out = Vec::new();
        for chunk in data {
            s.feed(chunk, o, &mut |l| {
                out.push(decode_record(l, o)?);
                Ok(())
            })
            .unwrap();
        }
        s.finish(&mut |l| {
            out.push(decode_record(l, o)?);
            Ok(())
        })
        .unwrap();
        out
    }

    fn some(s: &str) -> Field {
        (Some(s.into()), false)
    }

    #[test]
    fn text_records_escapes_and_end_marker() {
        let r = records(
            &[b"1\t\\N\ta\\tb\n2\t\t\\x41\\101\\\\", b"\n\\.\nignored\n"],
            &text(),
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0], vec![some("1"), (None, false), some("a\tb")]);
        assert_eq!(r[1], vec![some("2"), some(""), some("AA\\")]);
        // No final newline, CRLF line ends.
        let r = records(&[b"1\r\n", b"2"], &text());
        assert_eq!(r, vec![vec![some("1")], vec![some("2")]]);
    }

    #[test]
    fn csv_quotes_nulls_and_multiline_fields() {
        let r = records(&[b"1,\"a,b\",,\"\"\n2,\"x\n", b"y\"\"z\",q,\n"], &csv());
        assert_eq!(
            r[0],
            vec![
                some("1"),
                (Some("a,b".into()), true),
                (None, false),
                (Some("".into()), true)
            ]
        );
        assert_eq!(
            r[1],
            vec![
                some("2"),
                (Some("x\ny\"z".into()), true),
                some("q"),
                (None, false)
            ]
        );
        let mut s = RecordSplitter::default();
        s.feed(b"\"open\n", &csv(), &mut |_| Ok(())).unwrap();
        assert!(s.finish(&mut |_| Ok(())).is_err());
    }

    #[test]
    fn encoding_round_trips() {
        for o in [text(), csv()] {
            let row = vec![
                Some("a\tb\\c\nd".to_string()),
                None,
                Some(String::new()),
                Some("x,\"y\"".into()),
                Some("\\.".into()),
            ];
            let mut out = Vec::new();
            encode_record(&row, &[], &o, &mut out);
            let back = records(&[&out], &o);
            let texts: Vec<Option<String>> = back[0].iter().map(|f| f.0.clone()).collect();
            assert_eq!(texts, row, "{:?}", o.format);
        }
        let mut out = Vec::new();
        encode_record(
            &[Some("1".into()), None, Some(String::new())],
            &[],
            &csv(),
            &mut out,
        );
        assert_eq!(out, b"1,,\"\"\n");
    }

    #[test]
    fn option_checks() {
        let q = CopyOption::Quote('\'');
        assert_eq!(
            CopyOptions::new(&[q], true).unwrap_err().sqlstate(),
            "0A000"
        );
        let dup = [CopyOption::Header(true), CopyOption::Header(false)];
        assert_eq!(
            CopyOptions::new(&dup, true).unwrap_err().sqlstate(),
            "42601"
        );
        let f = CopyOption::Format(Ident::new("xml"));
        assert_eq!(
            CopyOptions::new(&[f], true).unwrap_err().sqlstate(),
            "22023"
        );
        let d = [
            CopyOption::Format(Ident::new("csv")),
            CopyOption::Delimiter('"'),
        ];
        assert!(CopyOptions::new(&d, true).is_err());
        assert!(CopyOptions::new(&[CopyOption::Freeze(true)], false).is_err());
    }
}
