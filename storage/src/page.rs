//! The 8 KiB page, its common header, checksums and WAL page images.
//!
//! Every page in every data file has the same 32-byte header (all integers little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | page_lsn (u64): LSN of the last WAL record applied to this page |
//! | 8 | 4 | checksum: CRC32C of the whole page computed with these 4 bytes as zero |
//! | 12 | 4 | file id (u32) |
//! | 16 | 4 | page number (u32) |
//! | 20 | 1 | page type (see [`PageType`]) |
//! | 21 | 1 | flags (u8) |
//! | 22 | 2 | lower (u16): end of the slot array (first free byte after it) |
//! | 24 | 2 | upper (u16): start of the tuple area |
//! | 26 | 2 | special (u16): start of a type-specific trailer (= `PAGE_SIZE` if none) |
//! | 28 | 4 | reserved, zero |
//!
//! Free space is the hole `[lower, upper)`. Invariant kept by all page code: the hole is
//! all zeros, so hole-elided images ([`encode_image`]) and masked compares ([`Page::masked`])
//! are exact. A page that is all zeros was never written (beyond EOF or a file hole) and
//! is valid without a checksum.

use std::fmt;

use wal::{Lsn, PageId};

/// Size of every page in bytes.
pub const PAGE_SIZE: usize = 8192;
/// Size of the common page header in bytes.
pub const PAGE_HEADER_SIZE: usize = 32;

const OFF_LSN: usize = 0;
const OFF_CHECKSUM: usize = 8;
const OFF_FILE: usize = 12;
const OFF_PAGE_NO: usize = 16;
const OFF_TYPE: usize = 20;
const OFF_FLAGS: usize = 21;
const OFF_LOWER: usize = 22;
const OFF_UPPER: usize = 24;
const OFF_SPECIAL: usize = 26;

/// What a page holds; stored in the header's type byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum PageType {
    Unformatted = 0,
    Heap = 1,
    BTreeLeaf = 2,
    BTreeInternal = 3,
    Meta = 4,
}

impl PageType {
    /// Decodes a type byte.
    pub fn from_u8(b: u8) -> Result<PageType, PageError> {
        Ok(match b {
            0 => PageType::Unformatted,
            1 => PageType::Heap,
            2 => PageType::BTreeLeaf,
            3 => PageType::BTreeInternal,
            4 => PageType::Meta,
            other => return Err(PageError::UnknownType(other)),
        })
    }
}

/// Errors found when reading or validating a page.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PageError {
    #[error(
        "checksum mismatch on page {page:?}: stored {stored:#010x}, computed {computed:#010x}"
    )]
    Checksum {
        page: PageId,
        stored: u32,
        computed: u32,
    },
    #[error("page {expected:?} holds the header of page {found:?} (misdirected write)")]
    WrongId { expected: PageId, found: PageId },
    #[error("unknown page type {0}")]
    UnknownType(u8),
    #[error("corrupt page layout: {0}")]
    Layout(&'static str),
}

/// One page: exactly `PAGE_SIZE` bytes on the heap.
#[derive(Clone, PartialEq, Eq)]
pub struct Page {
    buf: Box<[u8; PAGE_SIZE]>,
}

impl Default for Page {
    fn default() -> Self {
        Page::new_zeroed()
    }
}

impl Page {
    /// An all-zero (unformatted, never written) page.
    pub fn new_zeroed() -> Page {
        Page {
            buf: Box::new([0u8; PAGE_SIZE]),
        }
    }

    /// Copies `bytes` into a page; `None` unless exactly `PAGE_SIZE` long.
    pub fn from_bytes(bytes: &[u8]) -> Option<Page> {
        let arr: [u8; PAGE_SIZE] = bytes.try_into().ok()?;
        Some(Page { buf: Box::new(arr) })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf[..]
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..]
    }

    fn get_u16(&self, off: usize) -> u16 {
        u16::from_le_bytes([self.buf[off], self.buf[off + 1]])
    }

    fn put_u16(&mut self, off: usize, v: u16) {
        self.buf[off..off + 2].copy_from_slice(&v.to_le_bytes());
    }

    fn get_u32(&self, off: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.buf[off..off + 4]);
        u32::from_le_bytes(b)
    }

    fn put_u32(&mut self, off: usize, v: u32) {
        self.buf[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    pub fn lsn(&self) -> Lsn {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.buf[OFF_LSN..OFF_LSN + 8]);
        Lsn(u64::from_le_bytes(b))
    }

    pub fn set_lsn(&mut self, lsn: Lsn) {
        self.buf[OFF_LSN..OFF_LSN + 8].copy_from_slice(&lsn.0.to_le_bytes());
    }

    /// The page id recorded in the header.
    pub fn id(&self) -> PageId {
        PageId {
            file: self.get_u32(OFF_FILE),
            page_no: self.get_u32(OFF_PAGE_NO),
        }
    }

    pub fn page_type(&self) -> Result<PageType, PageError> {
        PageType::from_u8(self.buf[OFF_TYPE])
    }

    pub fn flags(&self) -> u8 {
        self.buf[OFF_FLAGS]
    }

    pub fn set_flags(&mut self, v: u8) {
        self.buf[OFF_FLAGS] = v;
    }

    pub fn lower(&self) -> u16 {
        self.get_u16(OFF_LOWER)
    }

    pub fn set_lower(&mut self, v: u16) {
        self.put_u16(OFF_LOWER, v);
    }

    pub fn upper(&self) -> u16 {
        self.get_u16(OFF_UPPER)
    }

    pub fn set_upper(&mut self, v: u16) {
        self.put_u16(OFF_UPPER, v);
    }

    pub fn special(&self) -> u16 {
        self.get_u16(OFF_SPECIAL)
    }

    pub fn set_special(&mut self, v: u16) {
        self.put_u16(OFF_SPECIAL, v);
    }

    /// True for a never-written page (beyond EOF or a file hole).
    pub fn is_all_zero(&self) -> bool {
        self.buf.iter().all(|&b| b == 0)
    }

    /// Formats as an empty page of `ty`: zero everything, set id fields, type,
    /// lower = `PAGE_HEADER_SIZE`, upper = special = `PAGE_SIZE - special_size`.
    /// LSN becomes 0 (caller sets it).
    ///
    /// Panics if `special_size` leaves no room for the header (a caller bug).
    pub fn format(&mut self, id: PageId, ty: PageType, special_size: u16) {
        assert!(
            usize::from(special_size) <= PAGE_SIZE - PAGE_HEADER_SIZE,
            "special area of {special_size} bytes does not fit on a page"
        );
        self.buf.fill(0);
        self.put_u32(OFF_FILE, id.file);
        self.put_u32(OFF_PAGE_NO, id.page_no);
        self.buf[OFF_TYPE] = ty as u8;
        let special = (PAGE_SIZE - usize::from(special_size)) as u16;
        self.set_lower(PAGE_HEADER_SIZE as u16);
        self.set_upper(special);
        self.set_special(special);
    }

    /// CRC32C of the page with the checksum field taken as zero.
    pub fn compute_checksum(&self) -> u32 {
        let crc = crc32c::crc32c(&self.buf[..OFF_CHECKSUM]);
        let crc = crc32c::crc32c_append(crc, &[0u8; 4]);
        crc32c::crc32c_append(crc, &self.buf[OFF_CHECKSUM + 4..])
    }

    /// The checksum stored in the header.
    pub fn stored_checksum(&self) -> u32 {
        self.get_u32(OFF_CHECKSUM)
    }

    /// Writes `compute_checksum()` into the checksum field.
    pub fn stamp_checksum(&mut self) {
        let c = self.compute_checksum();
        self.put_u32(OFF_CHECKSUM, c);
    }

    /// Validates a page just read from disk as page `expected`: an all-zero page is valid
    /// (never written); otherwise the checksum must match and the id fields must equal
    /// `expected`.
    pub fn verify(&self, expected: PageId) -> Result<(), PageError> {
        if self.is_all_zero() {
            return Ok(());
        }
        let stored = self.stored_checksum();
        let computed = self.compute_checksum();
        if stored != computed {
            return Err(PageError::Checksum {
                page: expected,
                stored,
                computed,
            });
        }
        let found = self.id();
        if found != expected {
            return Err(PageError::WrongId { expected, found });
        }
        Ok(())
    }

    /// The free hole `[lower, upper)` if the header describes a sane one.
    fn hole(&self) -> Option<(usize, usize)> {
        let (lower, upper) = (usize::from(self.lower()), usize::from(self.upper()));
        (PAGE_HEADER_SIZE <= lower && lower <= upper && upper <= PAGE_SIZE)
            .then_some((lower, upper))
    }

    /// Copy with the bytes that are not WAL-logged zeroed (the checksum field and the free
    /// hole `[lower, upper)`), for comparing a redone page with the original.
    pub fn masked(&self) -> Page {
        let mut p = self.clone();
        p.put_u32(OFF_CHECKSUM, 0);
        if let Some((lower, upper)) = self.hole() {
            p.buf[lower..upper].fill(0);
        }
        p
    }
}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Page");
        d.field("id", &self.id());
        match self.page_type() {
            Ok(t) => d.field("type", &t),
            Err(_) => d.field("type", &self.buf[OFF_TYPE]),
        };
        d.field("lsn", &self.lsn().0)
            .field("lower", &self.lower())
            .field("upper", &self.upper())
            .finish()
    }
}

/// Encodes the page with its free hole `[lower, upper)` removed:
/// `[lower u16][upper u16][bytes 0..lower][bytes upper..PAGE_SIZE]`.
///
/// If the header has no sane hole, or the hole is not all zeros, the whole page is kept
/// (encoded as an empty hole at `PAGE_SIZE`), so decoding always gives back the exact page.
pub fn encode_image(page: &Page) -> Vec<u8> {
    let (lower, upper) = match page.hole() {
        Some((l, u)) if page.buf[l..u].iter().all(|&b| b == 0) => (l, u),
        _ => (PAGE_SIZE, PAGE_SIZE),
    };
    let mut out = Vec::with_capacity(4 + lower + (PAGE_SIZE - upper));
    out.extend_from_slice(&(lower as u16).to_le_bytes());
    out.extend_from_slice(&(upper as u16).to_le_bytes());
    out.extend_from_slice(&page.buf[..lower]);
    out.extend_from_slice(&page.buf[upper..]);
    out
}

/// Inverse of [`encode_image`]; the hole comes back zeroed. Errors with
/// [`PageError::Layout`] on malformed input, never panics.
pub fn decode_image(bytes: &[u8]) -> Result<Page, PageError> {
    let [l0, l1, u0, u1, body @ ..] = bytes else {
        return Err(PageError::Layout("page image shorter than its prefix"));
    };
    let lower = usize::from(u16::from_le_bytes([*l0, *l1]));
    let upper = usize::from(u16::from_le_bytes([*u0, *u1]));
    if !(PAGE_HEADER_SIZE <= lower && lower <= upper && upper <= PAGE_SIZE) {
        return Err(PageError::Layout("page image has an invalid hole"));
    }
    if body.len() != lower + (PAGE_SIZE - upper) {
        return Err(PageError::Layout(
            "page image length does not match its hole",
        ));
    }
    let mut page = Page::new_zeroed();
    page.buf[..lower].copy_from_slice(&body[..lower]);
    page.buf[upper..].copy_from_slice(&body[lower..]);
    if lower < upper && (usize::from(page.lower()), usize::from(page.upper())) != (lower, upper) {
        return Err(PageError::Layout(
            "page image hole disagrees with its header",
        ));
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const ID: PageId = PageId {
        file: 7,
        page_no: 42,
    };

    fn formatted() -> Page {
        let mut p = Page::new_zeroed();
        p.format(ID, PageType::Heap, 0);
        p.set_lsn(Lsn(0x1234_5678_9abc));
        p
    }

    /// A formatted page with random content outside the hole `[lower, upper)`.
    fn filled(rng: &mut StdRng, lower: usize, upper: usize) -> Page {
        let mut p = formatted();
        rng.fill(&mut p.bytes_mut()[PAGE_HEADER_SIZE..lower]);
        rng.fill(&mut p.bytes_mut()[upper..]);
        p.set_lower(lower as u16);
        p.set_upper(upper as u16);
        p.stamp_checksum();
        p
    }

    #[test]
    fn header_fields_roundtrip() {
        let mut p = formatted();
        assert_eq!(p.id(), ID);
        assert_eq!(p.page_type(), Ok(PageType::Heap));
        assert_eq!(p.lsn(), Lsn(0x1234_5678_9abc));
        assert_eq!(
            (p.lower(), p.upper(), p.special()),
            (32, PAGE_SIZE as u16, PAGE_SIZE as u16)
        );
        p.format(ID, PageType::BTreeLeaf, 16);
        assert_eq!(p.lsn(), Lsn(0));
        assert_eq!(p.upper(), (PAGE_SIZE - 16) as u16);
        assert_eq!(p.special(), (PAGE_SIZE - 16) as u16);
        p.set_flags(0xa5);
        assert_eq!(p.flags(), 0xa5);
        assert_eq!(p.bytes()[OFF_FLAGS], 0xa5);
        assert_eq!(&p.bytes()[12..16], &7u32.to_le_bytes());
        assert_eq!(&p.bytes()[16..20], &42u32.to_le_bytes());
        p.bytes_mut()[OFF_TYPE] = 9;
        assert_eq!(p.page_type(), Err(PageError::UnknownType(9)));
    }

    #[test]
    fn from_bytes_requires_exact_size() {
        assert!(Page::from_bytes(&[0u8; PAGE_SIZE - 1]).is_none());
        assert!(Page::from_bytes(&[0u8; PAGE_SIZE + 1]).is_none());
        assert!(Page::from_bytes(&[]).is_none());
        let p = formatted();
        assert_eq!(Page::from_bytes(p.bytes()), Some(p));
    }

    #[test]
    fn checksum_is_crc32c_with_field_zeroed() {
        let mut p = formatted();
        p.bytes_mut()[OFF_CHECKSUM..OFF_CHECKSUM + 4].copy_from_slice(&[1, 2, 3, 4]);
        let mut copy = p.bytes().to_vec();
        copy[OFF_CHECKSUM..OFF_CHECKSUM + 4].fill(0);
        assert_eq!(p.compute_checksum(), crc32c::crc32c(&copy));
        p.stamp_checksum();
        assert_eq!(p.stored_checksum(), crc32c::crc32c(&copy));
        assert_eq!(p.verify(ID), Ok(()));
    }

    #[test]
    fn checksum_detects_any_single_bit_flip() {
        let mut rng = StdRng::seed_from_u64(1);
        let good = filled(&mut rng, 400, 6000);
        assert_eq!(good.verify(ID), Ok(()));
        for pos in 0..PAGE_SIZE {
            let mut p = good.clone();
            p.bytes_mut()[pos] ^= 1 << (pos % 8);
            match p.verify(ID) {
                Err(PageError::Checksum { page, .. }) => assert_eq!(page, ID),
                other => panic!("bit flip at byte {pos} not detected: {other:?}"),
            }
        }
    }

    #[test]
    fn verify_rejects_wrong_id_and_accepts_zero_page() {
        let mut p = formatted();
        p.stamp_checksum();
        let other = PageId {
            file: 7,
            page_no: 43,
        };
        assert_eq!(
            p.verify(other),
            Err(PageError::WrongId {
                expected: other,
                found: ID
            })
        );
        let zero = Page::new_zeroed();
        assert!(zero.is_all_zero());
        assert_eq!(zero.verify(ID), Ok(()));
        assert_eq!(zero.verify(other), Ok(()));
        assert!(!p.is_all_zero());
        // Only an entirely zero page skips the checksum.
        let mut unstamped = formatted();
        unstamped.set_lsn(Lsn(0));
        let mut one_byte = Page::new_zeroed();
        one_byte.bytes_mut()[5000] = 1;
        for q in [formatted(), unstamped, one_byte] {
            assert!(matches!(q.verify(ID), Err(PageError::Checksum { .. })));
        }
    }

    #[test]
    fn masked_ignores_checksum_and_hole_only() {
        let mut rng = StdRng::seed_from_u64(2);
        let a = filled(&mut rng, 300, 5000);
        let mut b = a.clone();
        b.bytes_mut()[OFF_CHECKSUM] ^= 0xff;
        b.bytes_mut()[300] = 1;
        b.bytes_mut()[4999] = 1;
        assert_ne!(a, b);
        assert_eq!(a.masked(), b.masked());
        assert!(a.masked().bytes()[300..5000].iter().all(|&x| x == 0));
        let mut c = a.clone();
        c.bytes_mut()[5000] ^= 1;
        assert_ne!(a.masked(), c.masked());
        let mut d = a.clone();
        d.bytes_mut()[299] ^= 1;
        assert_ne!(a.masked(), d.masked());
        // Insane header: only the checksum is masked, nothing panics.
        let mut e = a.clone();
        e.set_lower(9000);
        assert_eq!(&e.masked().bytes()[300..5000], &e.bytes()[300..5000]);
    }

    #[test]
    fn debug_is_short() {
        let s = format!("{:?}", formatted());
        assert!(s.len() < 200, "{s}");
        assert!(s.contains("Heap") && s.contains("page_no: 42"), "{s}");
    }

    #[test]
    fn image_roundtrip_at_various_fill_levels() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut cases = vec![
            (32, PAGE_SIZE),
            (32, 32),
            (PAGE_SIZE, PAGE_SIZE),
            (36, PAGE_SIZE - 24),
            (4000, 4000),
            (4000, 4100),
        ];
        for _ in 0..200 {
            let a = rng.gen_range(PAGE_HEADER_SIZE..=PAGE_SIZE);
            let b = rng.gen_range(PAGE_HEADER_SIZE..=PAGE_SIZE);
            cases.push((a.min(b), a.max(b)));
        }
        for (lower, upper) in cases {
            let p = filled(&mut rng, lower, upper);
            let img = encode_image(&p);
            assert_eq!(
                img.len(),
                4 + lower + (PAGE_SIZE - upper),
                "{lower}..{upper}"
            );
            assert_eq!(decode_image(&img), Ok(p));
        }
    }

    #[test]
    fn image_roundtrip_of_odd_pages_is_exact() {
        let mut rng = StdRng::seed_from_u64(4);
        // Never-written page.
        let zero = Page::new_zeroed();
        assert_eq!(decode_image(&encode_image(&zero)), Ok(zero));
        // A hole that is not zero is kept rather than lost.
        let mut p = filled(&mut rng, 100, 8000);
        p.bytes_mut()[500] = 7;
        let img = encode_image(&p);
        assert_eq!(img.len(), 4 + PAGE_SIZE);
        assert_eq!(decode_image(&img), Ok(p));
        // Random bytes everywhere, including the header.
        for _ in 0..50 {
            let mut q = Page::new_zeroed();
            rng.fill(q.bytes_mut());
            assert_eq!(decode_image(&encode_image(&q)), Ok(q));
        }
    }

    #[test]
    fn decode_rejects_malformed_images() {
        let mut rng = StdRng::seed_from_u64(5);
        let good = encode_image(&filled(&mut rng, 200, 7000));
        assert!(decode_image(&good).is_ok());
        assert!(decode_image(&[]).is_err());
        assert!(decode_image(&good[..3]).is_err());
        assert!(decode_image(&good[..good.len() - 1]).is_err());
        let mut longer = good.clone();
        longer.push(0);
        assert!(decode_image(&longer).is_err());
        // Prefix disagrees with the header inside the image.
        let mut shifted = good.clone();
        shifted[0..2].copy_from_slice(&201u16.to_le_bytes());
        shifted.push(0);
        assert!(decode_image(&shifted).is_err());
        // lower > upper, lower inside the header, upper past the page.
        for (l, u) in [(300u16, 200u16), (10, 100), (100, 9000)] {
            let mut bad = l.to_le_bytes().to_vec();
            bad.extend_from_slice(&u.to_le_bytes());
            bad.resize(4 + PAGE_SIZE, 0);
            assert!(matches!(decode_image(&bad), Err(PageError::Layout(_))));
        }
    }

    #[test]
    fn decode_of_random_bytes_never_panics() {
        let mut rng = StdRng::seed_from_u64(6);
        for i in 0..3000 {
            let len = match i % 3 {
                0 => rng.gen_range(0..64),
                1 => rng.gen_range(0..PAGE_SIZE + 64),
                _ => 4 + PAGE_SIZE - rng.gen_range(0..64),
            };
            let mut buf = vec![0u8; len];
            rng.fill(&mut buf[..]);
            if i % 2 == 0 && len >= 4 {
                // A plausible prefix so the body is actually read.
                let lower = rng.gen_range(0..PAGE_SIZE as u16 + 10);
                let upper = lower.saturating_add(rng.gen_range(0..100));
                buf[0..2].copy_from_slice(&lower.to_le_bytes());
                buf[2..4].copy_from_slice(&upper.to_le_bytes());
            }
            if let Ok(p) = decode_image(&buf) {
                assert_eq!(decode_image(&encode_image(&p)), Ok(p));
            }
        }
    }
}
