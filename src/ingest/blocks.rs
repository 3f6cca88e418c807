//! Canonical CSV logs checked on all cores. One thread reads the file (hashing it as it
//! reads) in blocks of whole lines; workers split and validate each block into a [`Batch`] of
//! its own; the caller takes the blocks back in file order. Records span exactly one line, so
//! cutting at line ends changes nothing: the rows, ids, line numbers and quarantine are those
//! of a line-by-line read.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc;

use chrono_tz::Tz;

use crate::ingest::batch::Batch;
use crate::ingest::error::IngestError;
use crate::ingest::reason::Rejection;
use crate::ingest::source::{SourceFile, csv_fields, read_hashed, strip_line_end};
use crate::ingest::validate::{Rules, validate};
use crate::schema::CANONICAL_COLUMNS;

/// Bytes read per block: large enough that a block's overhead (a thread hand-off, an
/// interner) is nothing against its ~40 000 lines, small enough that the blocks in flight
/// stay a few tens of megabytes.
pub const BLOCK_BYTES: usize = 4 << 20;

/// One block of lines, checked.
#[derive(Debug)]
pub struct CheckedBlock {
    /// The block's bytes: whole lines, the last one possibly without its terminator.
    bytes: Vec<u8>,
    /// Lines in the block.
    pub lines: u64,
    /// The valid rows; their lines counted from 1 within the block.
    pub batch: Batch,
    /// Rejected lines: line within the block, the line's bytes without terminator, and why.
    pub rejected: Vec<(u64, Range<usize>, Rejection)>,
}

impl CheckedBlock {
    /// The raw bytes of a rejected line.
    pub fn raw(&self, range: &Range<usize>) -> &[u8] {
        &self.bytes[range.clone()]
    }
}

/// What checking a line of a CSV log needs: the header's column order, the rules, the zone.
#[derive(Debug, Clone, Copy)]
pub struct LineCheck<'r> {
    pub order: [usize; 9],
    pub rules: &'r Rules,
    pub tz: Tz,
}

impl LineCheck<'_> {
    /// Splits and validates every line of `bytes`.
    pub fn block(&self, bytes: Vec<u8>) -> CheckedBlock {
        let mut batch = Batch::new(self.tz);
        let mut rejected = Vec::new();
        let mut parts = Vec::with_capacity(9);
        let (mut start, mut line) = (0, 0);
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p + 1);
            line += 1;
            let raw = strip_line_end(&bytes[start..end]);
            match csv_fields(raw, &self.order, &mut parts).and_then(|f| validate(f, self.rules)) {
                Ok(row) => batch.push(&row, line),
                Err(rejection) => rejected.push((line, start..start + raw.len(), rejection)),
            }
            start = end;
        }
        CheckedBlock { bytes, lines: line, batch, rejected }
    }
}

/// What the reading thread hands on: the next block of whole lines, or the read error that
/// ended the file.
type ReadResult = Result<Vec<u8>, io::Error>;

/// Reads `reader` to its end in blocks of about `size` bytes, checks them on the available
/// cores and calls `apply` with each block and the number of lines before it in the file
/// (`lines_before` were read before `reader` got it), in file order, until `reader` ends. A
/// read error is reported with the line it happened in, after every block before it was
/// applied.
pub fn check_blocks<R: Read + Send>(
    reader: R,
    (path, lines_before): (&Path, u64),
    check: LineCheck<'_>,
    size: usize,
    apply: &mut dyn FnMut(CheckedBlock, u64),
) -> Result<(), IngestError> {
    let workers = crate::parallel::threads_for(usize::MAX);
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(workers * 2);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Result<CheckedBlock, io::Error>)>();
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|scope| {
        let read_done = done_tx.clone();
        let reading = scope.spawn(move || {
            let mut reader = reader;
            let mut next = 0;
            read_blocks(&mut reader, size, &mut |block: ReadResult| {
                let sent = match block {
                    Ok(bytes) => work_tx.send((next, bytes)).is_ok(),
                    Err(e) => read_done.send((next, Err(e))).is_ok(),
                };
                next += 1;
                sent
            });
        });
        for _ in 0..workers {
            let done = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || {
                loop {
                    let job = work_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((i, bytes)) = job else { break };
                    if done.send((i, Ok(check.block(bytes)))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let (lines, failure) = in_order(&done_rx, &mut |block, before| apply(block, lines_before + before));
        // Dropping the receiver ends the workers; the reader stops at its next send.
        drop(done_rx);
        reading.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        match failure {
            Some(source) => {
                Err(IngestError::Read { path: path.to_path_buf(), line: lines_before + lines + 1, source })
            }
            None => Ok(()),
        }
    })
}

/// A CSV log checked block by block on all cores ([`check_blocks`]): `apply` gets each
/// block and the number of lines before it, in file order. Returns the SHA-256 and size of
/// the file's bytes, hashed as they are read.
pub fn check_csv_hashed(
    csv: &SourceFile,
    rules: &Rules,
    tz: Tz,
    apply: &mut dyn FnMut(CheckedBlock, u64),
) -> Result<(String, u64), IngestError> {
    read_hashed(&csv.path, csv.is_gzipped(), |reader| check_csv(csv, reader, rules, tz, apply))
        .map(|((), hash)| hash)
}

fn check_csv(
    csv: &SourceFile,
    reader: &mut (dyn BufRead + Send),
    rules: &Rules,
    tz: Tz,
    apply: &mut dyn FnMut(CheckedBlock, u64),
) -> Result<(), IngestError> {
    let mut header = Vec::new();
    let read = reader.read_until(b'\n', &mut header).map_err(|source| IngestError::Read {
        path: csv.path.clone(),
        line: 1,
        source,
    })?;
    if read == 0 {
        return Err(IngestError::Empty { path: csv.path.clone(), expected: CANONICAL_COLUMNS.join(",") });
    }
    let check = LineCheck { order: csv.header(strip_line_end(&header))?, rules, tz };
    check_blocks(reader, (&csv.path, 1), check, BLOCK_BYTES, apply)
}

/// Receives the numbered blocks and applies them in number order. Returns the lines applied
/// and the read error that ended the file, if any (always the last message of the reader).
fn in_order(
    done: &mpsc::Receiver<(usize, Result<CheckedBlock, io::Error>)>,
    apply: &mut dyn FnMut(CheckedBlock, u64),
) -> (u64, Option<io::Error>) {
    let mut waiting = BTreeMap::new();
    let (mut next, mut lines) = (0, 0);
    while let Ok((i, result)) = done.recv() {
        waiting.insert(i, result);
        while let Some(result) = waiting.remove(&next) {
            next += 1;
            match result {
                Ok(block) => {
                    let n = block.lines;
                    apply(block, lines);
                    lines += n;
                }
                Err(e) => return (lines, Some(e)),
            }
        }
    }
    (lines, None)
}

/// Calls `send` with each block of whole lines of about `size` bytes (a longer line makes a
/// longer block), the file's last line even without a terminator, and a read error as the
/// last call; stops early when `send` returns false.
fn read_blocks(reader: &mut impl Read, size: usize, send: &mut dyn FnMut(ReadResult) -> bool) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut block = Vec::with_capacity(size + carry.len());
        block.append(&mut carry);
        let want = size.saturating_sub(block.len()).max(size.div_ceil(4)) as u64;
        let read = match reader.by_ref().take(want).read_to_end(&mut block) {
            Ok(n) => n,
            Err(e) => {
                send(Err(e));
                return;
            }
        };
        if read == 0 {
            if !block.is_empty() {
                send(Ok(block));
            }
            return;
        }
        match memchr::memrchr(b'\n', &block) {
            Some(last) => {
                carry.extend_from_slice(&block[last + 1..]);
                block.truncate(last + 1);
                if !send(Ok(block)) {
                    return;
                }
            }
            // No line end yet: the whole block is the start of one long line.
            None => carry = block,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks_of(text: &[u8], size: usize, chunk: usize) -> Vec<Vec<u8>> {
        // A reader that returns at most `chunk` bytes per read still gives whole lines.
        struct Dribble<'a>(&'a [u8], usize);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        read_blocks(&mut Dribble(text, chunk), size, &mut |b| {
            out.push(b.unwrap());
            true
        });
        out
    }

    /// Line, office, ticket, counter and issue instant of every batched row.
    fn rows(batch: &Batch) -> Vec<String> {
        batch.describe_rows()
    }

    #[test]
    fn blocks_on_all_cores_give_what_one_block_gives() {
        let rules = Rules::from_settings(&crate::settings::Settings::default());
        let check =
            LineCheck { order: std::array::from_fn(|i| i), rules: &rules, tz: crate::timezones::DEFAULT_TZ };
        let mut text = String::new();
        for i in 0..500 {
            let (office, counter) = (["o1", "o2", "o3"][i % 3], ["1", "2", ""][i % 7 % 3]);
            let line = match i % 11 {
                3 => format!("{office},T{i},XX,walk_in,2025-03-30T01:{:02}:00+01:00,,,,cancelled", i % 60),
                5 => String::new(),
                7 => {
                    format!("{office},\"T{i}\",PA,walk_in,2025-03-30T0{}:15:00+02:00,,,,cancelled", i % 7 + 3)
                }
                _ => format!(
                    "{office},T{},PA,walk_in,2025-03-30T03:{:02}:00+02:00,2025-03-30T04:00:00+02:00,2025-03-30T04:10:00+02:00,{counter},served",
                    i % 97,
                    i % 60
                ),
            };
            text.push_str(&line);
            text.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
        }
        let whole = check.block(text.clone().into_bytes());
        let reasons: Vec<_> = whole.rejected.iter().map(|r| r.2.reason).collect();
        assert!(
            whole.rejected.len() > 50 && whole.batch.len() > 300,
            "{} rows, {reasons:?}",
            whole.batch.len()
        );
        for size in [64, 1000, 1 << 20] {
            let mut batch = Batch::new(check.tz);
            let mut rejected = Vec::new();
            let mut apply = |block: CheckedBlock, before: u64| {
                batch.append(&block.batch, before);
                rejected.extend(
                    block
                        .rejected
                        .iter()
                        .map(|(line, raw, r)| (before + line, block.raw(raw).to_vec(), r.reason)),
                );
            };
            check_blocks(text.as_bytes(), (Path::new("t.csv"), 1), check, size, &mut apply).unwrap();
            let one: Vec<_> =
                whole.rejected.iter().map(|(l, raw, r)| (l + 1, whole.raw(raw).to_vec(), r.reason)).collect();
            assert_eq!(rejected, one, "blocks of {size}");
            let mut alone = Batch::new(check.tz);
            alone.append(&whole.batch, 1);
            assert_eq!(rows(&batch), rows(&alone), "blocks of {size}");
        }
    }

    #[test]
    fn a_read_error_names_the_line_after_the_last_block_read() {
        #[derive(Debug)]
        struct Failing<'a>(&'a [u8]);
        impl Read for Failing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("disk gone"));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let rules = Rules::from_settings(&crate::settings::Settings::default());
        let check =
            LineCheck { order: std::array::from_fn(|i| i), rules: &rules, tz: crate::timezones::DEFAULT_TZ };
        let mut lines = 0;
        let err = check_blocks(Failing(b"a\nb\nc\n"), (Path::new("t.csv"), 1), check, 4, &mut |b, _| {
            lines += b.lines
        })
        .unwrap_err();
        // The header (line 1) and "a", "b" were applied; the block holding "c" failed.
        assert_eq!(lines, 2);
        assert!(matches!(err, IngestError::Read { line: 4, .. }), "{err:?}");
    }

    #[test]
    fn blocks_hold_whole_lines_and_lose_nothing() {
        let text = b"a,b\nc\r\n\na line longer than a block\nlast without end";
        for (size, chunk) in [(4, 3), (4, 100), (8, 1), (1 << 20, 7)] {
            let blocks = blocks_of(text, size, chunk);
            assert_eq!(blocks.concat(), text, "size {size}, reads of {chunk}");
            for b in &blocks[..blocks.len() - 1] {
                assert_eq!(b.last(), Some(&b'\n'));
            }
        }
        let (size, chunk) = (4, 2);
        assert_eq!(blocks_of(b"a\nb\nc", size, chunk), [b"a\nb\n".to_vec(), b"c".to_vec()]);
        assert!(blocks_of(b"", size, chunk).is_empty());
        assert_eq!(blocks_of(b"x\n", size, chunk), [b"x\n".to_vec()]);
    }
}
