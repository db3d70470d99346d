//! `waldump`: prints the write-ahead log of a Quill data directory readably, like PostgreSQL's
//! `pg_waldump`.
//!
//! It reads `<data-dir>/control` (the master record) and the segment files in
//! `<data-dir>/wal/` through [`wal::LogDir`], which never creates, writes, truncates or syncs
//! anything: unlike opening the store, dumping a crashed or damaged log leaves it exactly as
//! it was. It prints the master record, one line per record (or a histogram with `--stats`),
//! and where and why the scan stopped.
//!
//! Exit status: 0 when the log reads cleanly to its end (a torn tail, which recovery would cut
//! off, is reported but is not an error); 1 when something is damaged or unreadable (an
//! unreadable master record, a scan that stops before the checkpoint the master names, a page
//! operation or image that does not decode, an I/O error); 2 for a usage error. It never
//! panics on a damaged log.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use storage::ops::PageOp;
use storage::page::decode_image;
use wal::{
    CheckpointData, LogDir, LogRecord, Lsn, MasterRecord, PageChange, PageId, RecordBody,
    RecordKind, TxnId,
};

const HELP: &str = "\
waldump: print the write-ahead log of a Quill data directory (read-only)

Usage: waldump <data-dir> [options]

Reads <data-dir>/control (the master record) and the log segments in <data-dir>/wal/ without
modifying anything, and prints the master record, one line per log record, and where and why
the scan stopped.

Options:
  --start LSN          start at LSN (a record boundary), written X/XXXXXXXX as printed, or as
                       a decimal or 0x-hex byte position; default: the oldest segment's start
  --stats              print a histogram of record kinds and page operations (count, record
                       bytes, image bytes) instead of one line per record
  --txn ID             only records of transaction ID (0: records of no transaction)
  --page FILE:PAGE     only page records (Update, Clr) of page PAGE of data file FILE
  --segment-size SIZE  bytes per log segment (suffix K, M or G for KiB, MiB, GiB); default:
                       inferred from the segment file names when there are two or more, else
                       16M (wal::LogOptions::default())
  -v, --verbose        also print checkpoint tables (active transactions, dirty pages), the
                       segment files, page image headers and the first bytes of tuple data
  -h, --help           print this help

Exit status: 0 if the log reads cleanly to its end (a torn tail is reported, not an error),
1 if it is damaged or unreadable, 2 for a usage error.
";

/// Parsed command line.
#[derive(Debug, Default)]
struct Args {
    dir: PathBuf,
    start: Option<Lsn>,
    stats: bool,
    txn: Option<TxnId>,
    page: Option<PageId>,
    segment_size: Option<u64>,
    verbose: bool,
}

enum Command {
    Help,
    Dump(Args),
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Ok(Command::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Dump(a)) => a,
        Err(msg) => {
            eprintln!("waldump: {msg}\nTry 'waldump --help'.");
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = dump(&args, &mut out).and_then(|r| out.flush().map(|()| r).map_err(Failure::Io));
    match result {
        Ok(Report { problems }) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(Report { problems }) => {
            eprintln!(
                "waldump: error: {} ({} problem{} found)",
                problems[0],
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            ExitCode::from(1)
        }
        // The reader of our output went away (`waldump ... | head`): nothing more to say.
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("waldump: error: writing output: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Fatal(msg)) => {
            let _ = out.flush();
            eprintln!("waldump: error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn parse_args(argv: &[String]) -> Result<Command, String> {
    let mut args = Args::default();
    let mut dir: Option<PathBuf> = None;
    let mut i = 0;
    while i < argv.len() {
        let arg = argv[i].as_str();
        i += 1;
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg, None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            let v = argv
                .get(i)
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))?;
            i += 1;
            Ok(v)
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "-v" | "--verbose" => args.verbose = true,
            "--stats" => args.stats = true,
            "--start" => args.start = Some(parse_lsn(&value("--start")?)?),
            "--txn" => {
                let v = value("--txn")?;
                let id = v
                    .parse::<u64>()
                    .map_err(|_| format!("--txn: '{v}' is not a transaction id"))?;
                args.txn = Some(TxnId(id));
            }
            "--page" => args.page = Some(parse_page(&value("--page")?)?),
            "--segment-size" => args.segment_size = Some(parse_size(&value("--segment-size")?)?),
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option '{f}'")),
            _ => {
                if dir.is_some() {
                    return Err(format!("unexpected argument '{arg}'"));
                }
                dir = Some(PathBuf::from(arg));
            }
        }
    }
    args.dir = dir.ok_or("missing <data-dir>")?;
    Ok(Command::Dump(args))
}

/// `X/XXXXXXXX` (as [`Lsn`] prints), `0x...`, or decimal.
fn parse_lsn(s: &str) -> Result<Lsn, String> {
    let bad = || format!("'{s}' is not an LSN (X/XXXXXXXX, 0x-hex or decimal)");
    if let Some((hi, lo)) = s.split_once('/') {
        let hi = u32::from_str_radix(hi, 16).map_err(|_| bad())?;
        let lo = u32::from_str_radix(lo, 16).map_err(|_| bad())?;
        return Ok(Lsn((u64::from(hi) << 32) | u64::from(lo)));
    }
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).map(Lsn).map_err(|_| bad()),
        None => s.parse::<u64>().map(Lsn).map_err(|_| bad()),
    }
}

fn parse_page(s: &str) -> Result<PageId, String> {
    let bad = || format!("--page: '{s}' is not FILE:PAGE (for example 1:0)");
    let (file, page) = s.split_once(':').ok_or_else(bad)?;
    let file = file.parse::<u32>().map_err(|_| bad())?;
    let page = page.parse::<u32>().map_err(|_| bad())?;
    Ok(PageId::new(file, page))
}

fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("--segment-size: '{s}' is not a size (bytes, or with K, M or G)");
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&s[..i], 1u64 << 10),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&s[..i], 1 << 20),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(bad)
}

/// Why the dump could not go on.
enum Failure {
    /// Writing the output failed.
    Io(io::Error),
    /// Reading the log failed; the message says what and where.
    Fatal(String),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

/// What a completed dump found wrong (empty: nothing).
struct Report {
    problems: Vec<String>,
}

/// Prints one problem inline and remembers it for the exit status.
fn problem(out: &mut impl Write, problems: &mut Vec<String>, msg: String) -> io::Result<()> {
    writeln!(out, "ERROR: {msg}")?;
    problems.push(msg);
    Ok(())
}

fn dump(args: &Args, out: &mut impl Write) -> Result<Report, Failure> {
    let vfs: Arc<dyn vfs::Vfs> = Arc::new(vfs::OsVfs::new());
    let mut problems = Vec::new();
    let exists = |p: &std::path::Path| {
        vfs.exists(p)
            .map_err(|e| Failure::Fatal(format!("{}: {e}", p.display())))
    };
    if !exists(&args.dir)? {
        return Err(Failure::Fatal(format!(
            "data directory {} does not exist",
            args.dir.display()
        )));
    }
    let wal_dir = args.dir.join("wal");
    if !exists(&wal_dir)? {
        return Err(Failure::Fatal(format!(
            "{} has no log directory (wal/)",
            args.dir.display()
        )));
    }

    // The master record: where recovery would start.
    let master = match wal::read_master(vfs.as_ref(), &args.dir.join("control")) {
        Ok(Some(m)) => {
            writeln!(
                out,
                "master: seq {}, checkpoint begin {}, checkpoint end {}, next txn {}",
                m.seq, m.checkpoint_begin, m.checkpoint_end, m.next_txn
            )?;
            Some(m)
        }
        Ok(None) => {
            writeln!(
                out,
                "master: none (no checkpoint has completed: recovery would scan from the \
                 oldest segment)"
            )?;
            None
        }
        Err(e) => {
            problem(out, &mut problems, format!("master record unreadable: {e}"))?;
            None
        }
    };

    // The segment size: given, inferred from the file names, or the default.
    let inferred = wal::infer_segment_size(vfs.as_ref(), &wal_dir)
        .map_err(|e| Failure::Fatal(e.to_string()))?;
    let (segment_size, source) = match (args.segment_size, inferred) {
        (Some(given), Some(names)) if given != names => {
            writeln!(
                out,
                "warning: --segment-size {given} disagrees with the segment file names, which \
                 are {names} bytes apart"
            )?;
            (given, "given")
        }
        (Some(given), _) => (given, "given"),
        (None, Some(names)) => (names, "inferred from the segment file names"),
        (None, None) => (
            wal::LogOptions::default().segment_size,
            "default; pass --segment-size if the store uses another",
        ),
    };
    let log = LogDir::open(vfs.clone(), wal_dir.clone(), segment_size)
        .map_err(|e| Failure::Fatal(e.to_string()))?;
    let files = log
        .segment_files()
        .map_err(|e| Failure::Fatal(e.to_string()))?;
    let name = |f: &wal::SegmentFile| {
        f.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    };
    match (files.first(), files.last()) {
        (Some(first), Some(last)) => writeln!(
            out,
            "segments: {} file{} in {} ({}{}), segment size {segment_size} ({source})",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            wal_dir.display(),
            name(first),
            if files.len() > 1 {
                format!(" .. {}", name(last))
            } else {
                String::new()
            },
        )?,
        _ => writeln!(out, "segments: none in {}", wal_dir.display())?,
    }
    for f in &files {
        if args.verbose {
            writeln!(
                out,
                "    {}: start {}, {} bytes{}",
                name(f),
                f.start,
                f.len,
                if f.aligned { "" } else { ", NOT ALIGNED" }
            )?;
        }
        if !f.aligned {
            writeln!(
                out,
                "warning: {} does not start at a multiple of the segment size {segment_size}: \
                 the log ignores it (wrong --segment-size?)",
                name(f)
            )?;
        }
    }

    let start = match args.start {
        Some(s) => s,
        None => log.first_lsn().map_err(|e| Failure::Fatal(e.to_string()))?,
    };
    writeln!(out, "scan from {start}")?;

    let mut scan = Scan {
        args,
        master,
        stats: BTreeMap::new(),
        read: 0,
        shown: 0,
        saw_master_begin: false,
        saw_master_end: false,
        committed: BTreeMap::new(),
        problems,
    };
    let mut from = start;
    let (stop_at, stop_reason) = loop {
        let mut reader = log.scan(from);
        let mut first = true;
        loop {
            match reader.next_record() {
                Ok(Some(rec)) => {
                    scan.record(&rec, out)?;
                    first = false;
                }
                Ok(None) => break,
                Err(e) => {
                    writeln!(out, "end of log at {}: read error", reader.position())?;
                    return Err(Failure::Fatal(format!(
                        "reading the log at {}: {e}",
                        reader.position()
                    )));
                }
            }
        }
        let (pos, reason) = (
            reader.position(),
            reader.stop_reason().unwrap_or("end of written log"),
        );
        if first && args.start == Some(from) && reason != "end of written log" {
            let msg =
                format!("no valid record at --start {from} ({reason}): not a record boundary?");
            problem(out, &mut scan.problems, msg)?;
        }
        // A gap before the checkpoint recovery starts from (an old segment that came back
        // after a crash, since segment removal is not synced): recovery never reads it.
        match master {
            Some(m) if pos < m.checkpoint_begin && from < m.checkpoint_begin => {
                writeln!(
                    out,
                    "gap: the log stops at {pos} ({reason}) before the master's checkpoint \
                     begin {}; continuing there (recovery starts there)",
                    m.checkpoint_begin
                )?;
                from = m.checkpoint_begin;
            }
            _ => break (pos, reason),
        }
    };

    if args.stats {
        scan.print_stats(out)?;
    }
    writeln!(
        out,
        "end of log at {stop_at}: {stop_reason} ({} records read, {} shown)",
        scan.read, scan.shown
    )?;
    let tail = log
        .bytes_from(stop_at)
        .map_err(|e| Failure::Fatal(e.to_string()))?;
    if tail > 0 {
        writeln!(
            out,
            "tail: {tail} bytes remain in segment files at or after {stop_at}; recovery would \
             cut them off (a write torn by a crash leaves such a tail, so does damage)"
        )?;
    }
    if let Some(m) = master {
        if start <= m.checkpoint_begin && !scan.saw_master_begin {
            let msg = format!(
                "no CheckpointBegin record at {}, where the master record says the checkpoint \
                 begins",
                m.checkpoint_begin
            );
            problem(out, &mut scan.problems, msg)?;
        }
        if start <= m.checkpoint_end {
            if scan.saw_master_end {
                writeln!(
                    out,
                    "checkpoint end {} named by the master: found",
                    m.checkpoint_end
                )?;
            } else {
                let msg = format!(
                    "the log ends at {stop_at} ({stop_reason}) before the checkpoint end record \
                     at {} that the master names: the log is damaged or lost (recovery would \
                     refuse to start)",
                    m.checkpoint_end
                );
                problem(out, &mut scan.problems, msg)?;
            }
        }
    }
    Ok(Report {
        problems: scan.problems,
    })
}

/// Per-category totals for `--stats`.
#[derive(Default)]
struct Stat {
    count: u64,
    /// Record bytes without images.
    record: u64,
    /// Page image bytes (full-page and check images).
    image: u64,
    full_images: u64,
    check_images: u64,
}

/// State of one dump while records stream by.
struct Scan<'a> {
    args: &'a Args,
    master: Option<MasterRecord>,
    /// Keyed by (record kind, "Kind/operation"), so the histogram lists kinds in code order.
    stats: BTreeMap<(u8, String), Stat>,
    read: u64,
    shown: u64,
    saw_master_begin: bool,
    saw_master_end: bool,
    /// Where each transaction seen so far committed.
    committed: BTreeMap<TxnId, Lsn>,
    problems: Vec<String>,
}

impl Scan<'_> {
    fn record(&mut self, rec: &LogRecord, out: &mut impl Write) -> io::Result<()> {
        self.read += 1;
        let kind = rec.body.kind();
        if let Some(m) = self.master {
            if rec.lsn == m.checkpoint_begin {
                self.saw_master_begin = kind == RecordKind::CheckpointBegin;
            }
            if rec.lsn == m.checkpoint_end {
                match &rec.body {
                    RecordBody::CheckpointEnd(c) if c.begin_lsn == m.checkpoint_begin => {
                        self.saw_master_end = true;
                    }
                    RecordBody::CheckpointEnd(c) => {
                        let msg = format!(
                            "checkpoint end record at {} begins at {}, but the master says {}",
                            rec.lsn, c.begin_lsn, m.checkpoint_begin
                        );
                        problem(out, &mut self.problems, msg)?;
                    }
                    other => {
                        let msg = format!(
                            "the master names {} as a checkpoint end, but it is a {:?} record",
                            rec.lsn,
                            other.kind()
                        );
                        problem(out, &mut self.problems, msg)?;
                    }
                }
            }
        }
        if let RecordBody::Commit = rec.body {
            self.committed.insert(rec.txn, rec.lsn);
        }
        if let RecordBody::CheckpointEnd(c) = &rec.body {
            // Recovery from this checkpoint would take such a transaction for a loser (it
            // never sees the Commit, which lies before the checkpoint) and roll it back.
            for t in &c.txns {
                if let Some(&at) = self.committed.get(&t.txn).filter(|&&at| at < c.begin_lsn) {
                    let msg = format!(
                        "checkpoint end record at {} lists transaction {} as active, but it \
                         committed at {at}, before the checkpoint began at {}: recovery from \
                         this checkpoint would roll back a committed transaction",
                        rec.lsn, t.txn, c.begin_lsn
                    );
                    problem(out, &mut self.problems, msg)?;
                }
            }
        }
        let changes = rec.body.page_changes();
        if self.args.txn.is_some_and(|t| t != rec.txn) {
            return Ok(());
        }
        if let Some(want) = self.args.page {
            if !changes.iter().any(|c| c.page == want) {
                return Ok(());
            }
        }
        self.shown += 1;
        let mut line = format!(
            "lsn: {}, len: {:>6}, txn: {:>5}, prev: {}, {:?}",
            rec.lsn, rec.len, rec.txn.0, rec.prev_lsn, kind
        );
        let mut details = Vec::new();
        let mut trouble = Vec::new();
        if let RecordBody::CheckpointEnd(c) = &rec.body {
            describe_checkpoint(&mut line, c, self.args.verbose, &mut details);
        }
        if let RecordBody::Clr { undo_next, .. } = &rec.body {
            let _ = write!(line, ", undo_next: {undo_next}");
        }
        let name = match changes {
            [] => format!("{kind:?}"),
            [ch] => {
                let op = describe_change(&mut line, ch, self, &mut details, &mut trouble);
                format!("{kind:?}/{op}")
            }
            many => {
                // A multi-page record (a B+tree structure change): one detail line per page.
                let _ = write!(line, ", pages: {}", many.len());
                for ch in many {
                    let mut sub = String::new();
                    let mut sub_details = Vec::new();
                    describe_change(&mut sub, ch, self, &mut sub_details, &mut trouble);
                    details.push(sub.trim_start_matches(", ").to_string());
                    details.extend(sub_details.into_iter().map(|d| format!("    {d}")));
                }
                format!("{kind:?}")
            }
        };
        let stat = self.stats.entry((kind as u8, name)).or_default();
        stat.count += 1;
        let mut image = 0u64;
        for img in changes.iter().filter_map(|c| c.image.as_ref()) {
            image += img.bytes.len() as u64;
            if img.restore {
                stat.full_images += 1;
            } else {
                stat.check_images += 1;
            }
        }
        stat.record += u64::from(rec.len).saturating_sub(image);
        stat.image += image;
        if !self.args.stats {
            writeln!(out, "{line}")?;
            for d in details {
                writeln!(out, "    {d}")?;
            }
        }
        for t in trouble {
            problem(
                out,
                &mut self.problems,
                format!("record at {}: {t}", rec.lsn),
            )?;
        }
        Ok(())
    }

    fn print_stats(&self, out: &mut impl Write) -> io::Result<()> {
        let total = self.stats.values().fold(Stat::default(), |mut t, s| {
            t.count += s.count;
            t.record += s.record;
            t.image += s.image;
            t.full_images += s.full_images;
            t.check_images += s.check_images;
            t
        });
        let pct = |part: u64, whole: u64| {
            if whole == 0 {
                0.0
            } else {
                part as f64 * 100.0 / whole as f64
            }
        };
        let combined = total.record + total.image;
        writeln!(
            out,
            "{:<28} {:>8} {:>8} {:>14} {:>8} {:>14} {:>8} {:>14} {:>8}",
            "Type", "N", "(%)", "Record bytes", "(%)", "Image bytes", "(%)", "Combined", "(%)"
        )?;
        writeln!(
            out,
            "{:<28} {:>8} {:>8} {:>14} {:>8} {:>14} {:>8} {:>14} {:>8}",
            "----", "-", "---", "------------", "---", "-----------", "---", "--------", "---"
        )?;
        let mut row = |name: &str, s: &Stat| {
            writeln!(
                out,
                "{:<28} {:>8} {:>8.2} {:>14} {:>8.2} {:>14} {:>8.2} {:>14} {:>8.2}",
                name,
                s.count,
                pct(s.count, total.count),
                s.record,
                pct(s.record, total.record),
                s.image,
                pct(s.image, total.image),
                s.record + s.image,
                pct(s.record + s.image, combined),
            )
        };
        for ((_, name), s) in &self.stats {
            row(name, s)?;
        }
        row("Total", &total)?;
        writeln!(
            out,
            "images: {} full-page, {} consistency-check",
            total.full_images, total.check_images
        )
    }
}

fn describe_checkpoint(
    line: &mut String,
    c: &CheckpointData,
    verbose: bool,
    details: &mut Vec<String>,
) {
    let _ = write!(
        line,
        ", begin: {}, next_txn: {}, txns: {}, dirty pages: {}",
        c.begin_lsn,
        c.next_txn,
        c.txns.len(),
        c.dirty.len()
    );
    if verbose {
        for t in &c.txns {
            details.push(format!(
                "txn {}: first {}, last {}, undo_next {}{}",
                t.txn,
                t.first_lsn,
                t.last_lsn,
                t.undo_next,
                if t.aborting { ", aborting" } else { "" }
            ));
        }
        for d in &c.dirty {
            details.push(format!("dirty page {}: rec_lsn {}", d.page, d.rec_lsn));
        }
    }
}

/// Appends the page change's fields to `line`; returns the operation's name for `--stats`.
fn describe_change(
    line: &mut String,
    ch: &PageChange,
    scan: &Scan<'_>,
    details: &mut Vec<String>,
    trouble: &mut Vec<String>,
) -> String {
    let _ = write!(line, ", page: {}", ch.page);
    if let Some(img) = &ch.image {
        let what = if img.restore { "full" } else { "check" };
        let _ = write!(line, ", image: {what} {} bytes", img.bytes.len());
        match decode_image(&img.bytes) {
            Ok(p) => {
                if p.id() != ch.page {
                    trouble.push(format!("page image of {} holds page {}", ch.page, p.id()));
                }
                if scan.args.verbose {
                    let ty = p
                        .page_type()
                        .map_or_else(|e| e.to_string(), |t| format!("{t:?}"));
                    details.push(format!(
                        "image: type {ty}, lower {}, upper {}, special {}",
                        p.lower(),
                        p.upper(),
                        p.special()
                    ));
                }
            }
            Err(e) => trouble.push(format!("bad page image: {e}")),
        }
    }
    if ch.redo_only {
        line.push_str(", redo-only");
    }
    if !nesting_within(&ch.op, MAX_BATCH_DEPTH) {
        let _ = write!(
            line,
            ", desc: operation nested too deeply ({} bytes)",
            ch.op.len()
        );
        trouble.push(format!(
            "page operation nests batches more than {MAX_BATCH_DEPTH} levels deep (not decoded)"
        ));
        return "undecodable".to_string();
    }
    match PageOp::decode(&ch.op) {
        Ok(op) => {
            let (name, desc) = describe_op(&op);
            let _ = write!(line, ", desc: {desc}");
            if scan.args.verbose {
                if let PageOp::HeapInsert { data, .. } = &op {
                    details.push(format!("data: {}", hex_prefix(data, 32)));
                }
            }
            name
        }
        Err(why) => {
            let _ = write!(
                line,
                ", desc: undecodable operation ({} bytes)",
                ch.op.len()
            );
            trouble.push(format!("page operation does not decode: {why}"));
            "undecodable".to_string()
        }
    }
}

/// Deepest nesting of batch operations waldump decodes: `PageOp::decode` recurses once per
/// level with no bound of its own, so a (CRC-valid) record nesting batches thousands of
/// levels deep would overflow the stack. Structure changes nest one level.
const MAX_BATCH_DEPTH: usize = 32;

/// Whether `op` (encoded) nests batch operations (tag 30) at most `limit` levels deep.
/// Malformed encodings pass: `PageOp::decode` reports them.
fn nesting_within(op: &[u8], limit: usize) -> bool {
    const BATCH: u8 = 30;
    if op.first() != Some(&BATCH) {
        return true;
    }
    if limit == 0 {
        return false;
    }
    let u32_at = |at: usize| -> Option<usize> {
        let b = op.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let Some(count) = u32_at(1) else {
        return true;
    };
    let mut pos = 5usize;
    for _ in 0..count {
        let Some(len) = u32_at(pos) else {
            return true;
        };
        let start = pos + 4;
        let Some(inner) = start.checked_add(len).and_then(|end| op.get(start..end)) else {
            return true;
        };
        if !nesting_within(inner, limit - 1) {
            return false;
        }
        pos = start + len;
    }
    true
}

/// A key (or cell) shown as hex, shortened.
fn key_text(key: &[u8]) -> String {
    if key.is_empty() {
        return "(empty)".to_string();
    }
    format!("{} ({} bytes)", hex_prefix(key, 16), key.len())
}

fn page_no_text(p: u32) -> String {
    if p == storage::btree_page::NONE {
        "none".to_string()
    } else {
        p.to_string()
    }
}

/// (name for `--stats`, one-line description).
fn describe_op(op: &PageOp) -> (String, String) {
    let named = |name: &str, desc: String| (name.to_string(), desc);
    if let PageOp::HeapInit = op {
        return named("heap init", "heap init".into());
    }
    if let PageOp::HeapInsert { slot, xmin, data } = op {
        let desc = format!("heap insert slot {slot} xmin {xmin} ({} bytes)", data.len());
        return named("heap insert", desc);
    }
    if let PageOp::HeapRemove { slot } = op {
        return named("heap remove", format!("heap remove slot {slot}"));
    }
    if let PageOp::HeapSetXmax { slot, old, new } = op {
        let desc = format!("heap set-xmax slot {slot} xmax {old} -> {new}");
        return named("heap set-xmax", desc);
    }
    if let PageOp::HeapSetLink { slot, old, new } = op {
        let show = |l: &storage::heap_page::TupleLink| match l.next() {
            Some((p, s)) => format!("next ({p},{s}) keeps-key {}", l.keeps_key()),
            None => format!("none keeps-key {}", l.keeps_key()),
        };
        let desc = format!("heap set-link slot {slot} {} -> {}", show(old), show(new));
        return named("heap set-link", desc);
    }
    if let PageOp::HeapPrune { slots } = op {
        return named("heap prune", format!("heap prune {}", list(slots)));
    }
    if let PageOp::HeapReclaim { slots } = op {
        return named("heap reclaim", format!("heap reclaim {}", list(slots)));
    }
    if let PageOp::BtInit { level } = op {
        return named("btree init", format!("btree init level {level}"));
    }
    if let PageOp::NewPage = op {
        return named(
            "new page",
            "new page (built whole; content in the image)".into(),
        );
    }
    if let PageOp::BtInsert {
        key,
        tid_page,
        tid_slot,
        txn,
    } = op
    {
        let desc = format!(
            "btree insert key {} tid ({tid_page},{tid_slot}) txn {txn}",
            key_text(key)
        );
        return named("btree insert", desc);
    }
    if let PageOp::BtSetState {
        key,
        old_txn,
        old_deleted,
        new_txn,
        new_deleted,
    } = op
    {
        let desc = format!(
            "btree set-state key {} txn {old_txn} -> {new_txn}, deleted {old_deleted} -> \
             {new_deleted}",
            key_text(key)
        );
        return named("btree set-state", desc);
    }
    if let PageOp::BtRemove { key } = op {
        return named(
            "btree remove",
            format!("btree remove key {}", key_text(key)),
        );
    }
    if let PageOp::BtPrune { indexes } = op {
        return named("btree prune", format!("btree prune {}", list(indexes)));
    }
    if let PageOp::BtTruncate { from } = op {
        return named("btree truncate", format!("btree truncate from cell {from}"));
    }
    if let PageOp::BtAppend { cells } = op {
        let bytes: usize = cells.iter().map(Vec::len).sum();
        let desc = format!("btree append {} cells ({bytes} bytes)", cells.len());
        return named("btree append", desc);
    }
    if let PageOp::BtInsertChild { index, key, child } = op {
        let desc = format!(
            "btree insert-child index {index} key {} child {child}",
            key_text(key)
        );
        return named("btree insert-child", desc);
    }
    if let PageOp::BtClearFirstKey = op {
        return named("btree clear-first-key", "btree clear-first-key".into());
    }
    if let PageOp::BtSetLinks { left, right } = op {
        let desc = format!(
            "btree set-links left {} right {}",
            page_no_text(*left),
            page_no_text(*right)
        );
        return named("btree set-links", desc);
    }
    if let PageOp::MetaInit { unique, root } = op {
        let unique = if *unique { ", unique" } else { "" };
        return named(
            "btree meta init",
            format!("btree meta init root {root}{unique}"),
        );
    }
    if let PageOp::MetaSetRoot { root, height } = op {
        let desc = format!("btree meta set-root {root} height {height}");
        return named("btree meta set-root", desc);
    }
    if let PageOp::Batch(ops) = op {
        let parts: Vec<String> = ops.iter().map(|o| describe_op(o).1).collect();
        return named(
            "batch",
            format!("batch of {}: {}", ops.len(), parts.join("; ")),
        );
    }
    // An operation this tool has no summary for: its variant name and (shortened) fields.
    let debug = format!("{op:?}");
    let name: String = debug
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let mut desc: String = debug.chars().take(160).collect();
    if desc.len() < debug.len() {
        desc.push_str("...");
    }
    (name, desc)
}

/// `N slot(s) [a, b, ...]`, shortened.
fn list(items: &[u16]) -> String {
    const SHOW: usize = 16;
    let shown: Vec<String> = items.iter().take(SHOW).map(u16::to_string).collect();
    let more = if items.len() > SHOW { ", ..." } else { "" };
    format!(
        "{} entr{} [{}{more}]",
        items.len(),
        if items.len() == 1 { "y" } else { "ies" },
        shown.join(", ")
    )
}

fn hex_prefix(data: &[u8], n: usize) -> String {
    let mut s: String = data.iter().take(n).map(|b| format!("{b:02x}")).collect();
    if data.len() > n {
        s.push_str("...");
    }
    s
}
